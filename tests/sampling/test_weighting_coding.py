"""Margin columns coded to target levels: the same codes whichever way the text is held."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import sampling
from sampling.weighting import coding
from sampling.weighting.coding import column_codes


def decoded(series: pd.Series) -> list:
    codes, uniques = column_codes(series)
    return [uniques[c] if c >= 0 else None for c in codes]


def fresh(text: str) -> str:
    """An equal string held in a new object."""
    return text.encode().decode()


LABELS = ["f", "m", "f", "x", "m", "f"]


@pytest.mark.parametrize(
    "make",
    [
        lambda: pd.Series(LABELS, dtype=object),
        lambda: pd.Series(LABELS, dtype="str"),
        lambda: pd.Series(LABELS, dtype="category"),
        lambda: pd.Series([fresh(v) for v in LABELS], dtype=object),  # equal strings, distinct objects
        lambda: pd.Series(LABELS * 2000, dtype="str").iloc[::2],  # a strided slice
    ],
    ids=["object", "str", "category", "distinct-objects", "slice"],
)
def test_codes_decode_to_the_values(make):
    series = make()
    _codes, uniques = column_codes(series)
    assert decoded(series) == series.tolist()
    assert len(set(uniques)) == len(uniques)


def test_unshared_text_is_coded_by_value():
    # More distinct objects than the probe tolerates: the column is hashed by value.
    series = pd.Series([fresh(v) for v in LABELS * 1000], dtype="str")
    _codes, uniques = column_codes(series)
    assert sorted(uniques) == ["f", "m", "x"]
    assert decoded(series) == series.tolist()


def test_missing_values_get_minus_one():
    series = pd.Series(["a", None, "b", np.nan, "a"], dtype=object)
    assert decoded(series) == ["a", None, "b", None, "a"]
    assert decoded(series.astype("str")) == ["a", None, "b", None, "a"]


def test_numbers_are_factorized():
    assert decoded(pd.Series([3, 1, 3, 2])) == [3, 1, 3, 2]


def test_distinct_objects_rake_like_shared_ones(sample, sample_targets):
    shared = sampling.rake(sample, sample_targets, tol=1e-10).weights
    unshared = sample.apply(lambda col: col.map(fresh) if col.dtype == object or col.dtype == "str" else col)
    np.testing.assert_allclose(sampling.rake(unshared, sample_targets, tol=1e-10).weights, shared, rtol=1e-12)


def test_missing_and_untargeted_levels_are_refused_by_name():
    s = pd.DataFrame({"sex": pd.Series(["f", "m", None, "m"], dtype="str")})
    with pytest.raises(ValueError, match="1 respondent\\(s\\) have no value for 'sex'"):
        sampling.rake(s, {"sex": {"f": 0.5, "m": 0.5}})
    s = pd.DataFrame({"sex": ["f", "m", "x", "m"]})
    with pytest.raises(sampling.weighting.InfeasibleTargetsError, match="sex='x', a level with no target"):
        sampling.rake(s, {"sex": {"f": 0.5, "m": 0.5}})


def test_a_column_in_a_joint_table_and_its_own_margin():
    s = pd.DataFrame({"sex": ["f", "f", "m", "m"], "age": ["y", "o", "y", "o"]})
    joint = {
        ("sex", "age"): {("f", "y"): 0.25, ("f", "o"): 0.25, ("m", "y"): 0.25, ("m", "o"): 0.25},
        "sex": {"f": 0.5, "m": 0.5},
    }
    np.testing.assert_allclose(sampling.rake(s, joint).weights, 1.0)
    collapsed = sampling.rake(
        s, {("sex", "age"): {("f", "o"): 0.5, ("m", "o"): 0.5}}, collapse={"age": {"y": "o"}}
    )
    np.testing.assert_allclose(collapsed.weights, 1.0)


def test_docstring_examples_run():
    assert doctest.testmod(coding).failed == 0
