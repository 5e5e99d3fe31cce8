"""Rao-Scott chi-square and the difference of two domain means, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sampling.significance import difference, rao_scott


@pytest.fixture
def crosstab() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 300
    specialty = rng.choice(["gp", "cardio", "surgery"], n)
    opinion = np.where(rng.random(n) < np.where(specialty == "gp", 0.6, 0.4), "yes", "no")
    return pd.DataFrame({"specialty": specialty, "opinion": opinion})


def test_unweighted_rao_scott_is_pearson_times_n_minus_1_over_n(crosstab):
    # Without weights the linearised covariance is (D − ppᵀ)/(N − 1), so Δ = N/(N − 1)·I.
    n = len(crosstab)
    table = pd.crosstab(crosstab.specialty, crosstab.opinion).to_numpy()
    pearson = stats.chi2_contingency(table, correction=False)[0]
    k = 2
    f = rao_scott(crosstab, None, "specialty", "opinion")
    assert f.pearson == pytest.approx(pearson)
    assert f.statistic == pytest.approx(pearson * (n - 1) / n / k)
    assert (f.df, f.ddf) == (pytest.approx(k), pytest.approx(k * (n - 1)))
    assert f.p_value == pytest.approx(stats.f.sf(f.statistic, k, k * (n - 1)))
    assert f.mean_deff == pytest.approx(n / (n - 1))
    chisq = rao_scott(crosstab, None, "specialty", "opinion", statistic="Chisq")
    assert chisq.statistic == pytest.approx(pearson) and chisq.df == k and chisq.ddf is None
    assert chisq.p_value == pytest.approx(stats.chi2.sf(pearson * (n - 1) / n, k))
    assert "first-order" in chisq.label and "second-order" in f.label


def test_weights_that_inflate_variance_weaken_the_test(crosstab):
    weights = pd.Series(np.where(np.arange(len(crosstab)) % 5 == 0, 6.0, 0.5))
    weighted = rao_scott(crosstab, weights, "specialty", "opinion")
    assert weighted.mean_deff > 1.3
    assert weighted.statistic < weighted.pearson / 1.3 / 2


def test_rows_missing_either_variable_are_left_out(crosstab):
    with_gaps = crosstab.copy()
    with_gaps.loc[:9, "opinion"] = None
    test = rao_scott(with_gaps, None, "specialty", "opinion")
    complete = rao_scott(crosstab.iloc[10:].reset_index(drop=True), None, "specialty", "opinion")
    assert test.pearson == pytest.approx(complete.pearson)


def test_rao_scott_refuses(crosstab):
    with pytest.raises(ValueError, match="second-order Rao-Scott"):
        rao_scott(crosstab, None, "specialty", "opinion", statistic="Wald")
    with pytest.raises(ValueError, match="at least two observed levels"):
        rao_scott(crosstab.assign(one="x"), None, "specialty", "one")
    with pytest.raises(KeyError, match="not in the sample"):
        rao_scott(crosstab, None, "specialty", "nope")


def test_difference_by_hand():
    sample = pd.DataFrame({"y": [1, 0, 1, 1, 0, 0], "g": list("aaabbb")})
    out = difference(sample, None, "y", "g", "a", "b")
    # influence a: (y − 2/3)/3, b: −(y − 1/3)/3; variance 6/5·(6/81 + 6/81)
    se = math.sqrt(6 / 5 * 12 / 81)
    assert out.estimate == pytest.approx(1 / 3)
    assert out.se == pytest.approx(se)
    assert out.df == 4
    assert out.p_value == pytest.approx(2 * stats.t.sf((1 / 3) / se, 4))
    half = stats.t.ppf(0.975, 4) * se
    assert (out.ci_low, out.ci_high) == (pytest.approx(1 / 3 - half), pytest.approx(1 / 3 + half))


def test_difference_refuses():
    sample = pd.DataFrame({"y": [1, 0, 1, 0], "q": list("xyxy"), "g": list("aabb")})
    with pytest.raises(ValueError, match="make a 0/1 column"):
        difference(sample, None, "q", "g", "a", "b")
    with pytest.raises(ValueError, match="no respondent with g == 'c'"):
        difference(sample, None, "y", "g", "a", "c")
    with pytest.raises(ValueError, match="as a fraction"):
        difference(sample, None, "y", "g", "a", "b", level=95)


def test_rao_scott_accepts_nullable_strings_with_missing_answers():
    sample = pd.DataFrame(
        {"q": pd.array(["a", "b", None, "a", "b", "a"], dtype="string"), "g": list("xxxzzz")}
    )
    test = rao_scott(sample, None, "q", "g")
    assert np.isfinite(test.statistic) and 0 <= test.p_value <= 1
