"""Kish design effect, effective n, weight summary, margin table and standardised differences."""

from __future__ import annotations

import pandas as pd
import pytest

import sampling
from sampling import diagnostics


def test_kish_design_effect_by_hand():
    # n Σw² / (Σw)² = 4 · 22 / 64
    assert diagnostics.design_effect([1, 1, 2, 4]) == pytest.approx(88 / 64)
    assert diagnostics.effective_n([1, 1, 2, 4]) == pytest.approx(64 / 22)
    assert diagnostics.efficiency([1, 1, 2, 4]) == pytest.approx(64 / 88)
    assert diagnostics.design_effect(pd.Series([3.0] * 5)) == pytest.approx(1)


@pytest.mark.parametrize("bad", [[], [1, float("nan")], [0, 0]])
def test_bad_weights_are_refused(bad):
    with pytest.raises(ValueError, match="weights"):
        diagnostics.design_effect(bad)


def test_weight_summary():
    summary = diagnostics.weight_summary([1, 1, 2, 4])
    assert summary["max_min_ratio"] == 4 and summary["mean"] == 2 and summary["median"] == 1.5
    assert summary["design_effect"] == pytest.approx(88 / 64)


def test_margin_table_and_result_margins_agree(two_by_two, even_targets):
    r = sampling.rake(two_by_two, even_targets)
    table = diagnostics.margin_table(two_by_two, even_targets, r.weights)
    pd.testing.assert_frame_equal(table.drop(columns="error"), r.margins, check_dtype=False)
    assert table["error"].abs().max() <= 1e-6


def test_margin_table_shows_levels_without_target(two_by_two):
    table = diagnostics.margin_table(two_by_two, {"sex": {"f": 1.0}}, [1] * 6)
    assert table["level"].tolist() == ["f", "m"] and pd.isna(table["target"].iloc[1])


def test_standardised_differences_before_and_after(two_by_two, even_targets):
    r = sampling.rake(two_by_two, even_targets)
    asmd = diagnostics.standardised_differences(r.margins)
    # unweighted share 1/3 against target 1/2: |1/3 − 1/2| / sqrt(1/4) = 1/3
    assert asmd.loc[0, "asmd_before"] == pytest.approx(1 / 3)
    assert asmd["asmd_after"].max() <= 1e-5
    assert asmd["level"].tolist()[-2:] == ["(mean)", "(mean)"]
