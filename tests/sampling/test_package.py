"""The package's public names: every one importable from ``sampling``, ``__all__`` complete."""

from __future__ import annotations

import types

import sampling


def test_all_lists_every_public_name_and_only_those():
    public = {
        name
        for name, value in vars(sampling).items()
        if not name.startswith("_")
        and name != "annotations"
        and (not isinstance(value, types.ModuleType) or name in sampling.__all__)
    }
    assert set(sampling.__all__) == public
    assert len(sampling.__all__) == len(set(sampling.__all__))


def test_statistics_are_exported_from_the_package():
    from sampling.intervals import margin_of_error
    from sampling.significance import RaoScottTest, rao_scott

    assert sampling.margin_of_error is margin_of_error
    assert sampling.rao_scott is rao_scott and sampling.RaoScottTest is RaoScottTest
    assert sampling.margin_of_error(1000).points > 0
