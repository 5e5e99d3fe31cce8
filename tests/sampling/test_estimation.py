"""estimate(): values worked out by hand for designs R's survey treats as svydesign(ids=~1)."""

from __future__ import annotations

import doctest
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sampling
from sampling import estimation, intervals, replicates, significance, variance
from sampling.estimation import estimate

R_DIR = Path(__file__).parent / "r"


@pytest.mark.parametrize("module", [estimation, variance, replicates, intervals, significance])
def test_docstring_examples_hold(module):
    failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0


def test_unweighted_proportion_se_is_sqrt_pq_over_n_minus_1():
    row = estimate(pd.DataFrame({"agree": [1, 0, 1, 1]}), None, "agree").iloc[0]
    assert row.estimate == 0.75
    assert row.se == pytest.approx(math.sqrt(0.75 * 0.25 / 3))
    assert row.deff == pytest.approx(1.0)
    assert (row.n, row.n_eff) == (4, pytest.approx(4.0))


def test_unweighted_mean_se_and_t_interval():
    out = estimate(pd.DataFrame({"score": [1, 2, 3, 4, 10]}), None, "score").iloc[0]
    se = math.sqrt(12.5 / 5)  # sample variance 50/4 over n
    half = stats.t.ppf(0.975, 4) * se
    assert (out.estimate, out.se) == (4.0, pytest.approx(se))
    assert (out.ci_low, out.ci_high) == (pytest.approx(4 - half), pytest.approx(4 + half))
    assert out.ci_method == "wald"


def test_fixed_weights_proportion_by_hand():
    sample = pd.DataFrame({"y": [1, 0, 1, 0]})
    row = estimate(sample, pd.Series([1.0, 1.0, 2.0, 2.0]), "y").iloc[0]
    # influence w(y − p)/Σw = ±1/12, ±1/6; variance 4/3·Σx² = 40/432
    assert row.estimate == pytest.approx(0.5)
    assert row.se == pytest.approx(math.sqrt(40 / 432))
    # SRS variance: weighted s² = p(1−p)·n/(n−1) = 1/3, over n = 1/12
    assert row.deff == pytest.approx((40 / 432) / (1 / 12))


def test_categorical_shares_follow_category_order_and_sum_to_one():
    answers = pd.Categorical(["no", "yes", "yes", "unsure"], categories=["yes", "no", "unsure"])
    out = estimate(pd.DataFrame({"q": answers}), None, "q")
    assert out.level.tolist() == ["yes", "no", "unsure"]
    assert out.estimate.tolist() == [0.5, 0.25, 0.25]
    assert out.n.tolist() == [4, 4, 4]


def test_domain_se_pads_other_respondents_with_zeros_as_svyby():
    sample = pd.DataFrame({"y": [1, 0, 1, 1, 0, 0], "g": list("aaabbb")})
    out = estimate(sample, None, "y", by="g")
    assert out.g.tolist() == ["a", "b"]
    # domain a: influence (y − 2/3)/3 on its rows, 0 elsewhere; 6/5·(6/81)
    assert out.se[0] == pytest.approx(math.sqrt(36 / 405))
    assert out.deff[0] == pytest.approx(6 / 5 * 2 / 3)


def test_by_several_columns_and_missing_values():
    sample = pd.DataFrame({"y": [1, np.nan, 0, 1, 1, 0], "a": list("xxxyyy"), "b": list("pqpqpq")})
    out = estimate(sample, None, "y", by=["a", "b"])
    assert list(out.columns[:2]) == ["a", "b"]
    assert out[["a", "b"]].apply(tuple, axis=1).tolist() == [("x", "p"), ("y", "p"), ("y", "q")]
    assert out.n.tolist() == [2, 1, 2]  # (x, q) has no answer: no row


def test_total_se_by_hand():
    row = estimate(pd.DataFrame({"y": [1, 0, 1, 1]}), None, "y", statistic="total").iloc[0]
    assert row.estimate == 3.0
    assert row.se == pytest.approx(1.0)  # 4/3·Σ(y − ȳ)² = 4/3·0.75


def test_jackknife_equals_linearisation_for_an_unweighted_mean():
    sample = pd.DataFrame({"y": [1, 0, 1, 1, 0, 1, 1]})
    lin = estimate(sample, None, "y").se[0]
    jk = estimate(sample, None, "y", variance="jackknife")
    assert jk.se[0] == pytest.approx(lin)
    assert jk.attrs["variance"] == "jackknife" and jk.attrs["replicates"] == 7


def test_calibrated_margin_has_zero_se():
    sample = pd.DataFrame({"sex": ["f", "m", "m", "m", "f", "m"], "age": list("yoyoyo")})
    targets = {"sex": {"f": 0.5, "m": 0.5}, "age": {"y": 0.4, "o": 0.6}}
    result = sampling.calibrate(sample, targets)
    out = estimate(sample, result, "sex")
    assert out.estimate.tolist() == pytest.approx([0.5, 0.5])
    assert out.se.max() < 1e-12


@pytest.fixture(scope="module")
def raked():
    sample = pd.read_csv(R_DIR / "sample.csv", dtype={"age_band": str})
    targets = json.loads((R_DIR / "targets.json").read_text())
    return sample, sampling.rake(sample, targets, weights="base_weight", tol=1e-10)


def test_bootstrap_close_to_linearisation_and_reproducible(raked):
    # R's bootstrap cannot be matched draw for draw (different RNG): check it estimates the same
    # variance. With 400 replicates the SE of a bootstrap SE is about 1/√(2·400) ≈ 3.5%.
    sample, result = raked
    lin = estimate(sample, result, "agree", by="country")
    boot = estimate(sample, result, "agree", by="country", variance="bootstrap", replicates=400, seed=7)
    assert np.allclose(boot.se, lin.se, rtol=0.15)
    again = estimate(sample, result, "agree", by="country", variance="bootstrap", replicates=400, seed=7)
    assert boot.se.tolist() == again.se.tolist()
    assert boot.estimate.tolist() == lin.estimate.tolist()


def test_raking_lowers_se_of_correlated_outcome(raked):
    sample, result = raked
    raked_se = estimate(sample, result, "agree").se[0]
    fixed_se = estimate(sample, result.weights, "agree").se[0]  # same weights, calibration ignored
    assert raked_se < fixed_se


def test_attrs_name_the_methods():
    out = estimate(pd.DataFrame({"y": [1, 0]}), None, "y")
    assert out.attrs["statistic"] == "mean" and out.attrs["variance"] == "linearization"
    assert "deff='replace'" in out.attrs["deff"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"variance": "taylorish"}, ValueError, "use 'linearization', 'jackknife' or 'bootstrap'"),
        ({"statistic": "median"}, ValueError, "use 'mean'"),
        ({"ci": "exact"}, ValueError, "choose one of logit"),
        ({"replicates": 1}, ValueError, "≥ 2"),
        ({"by": "nope"}, KeyError, "not in the sample"),
        ({"typo": 1}, TypeError, "typo"),
    ],
)
def test_refuses_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        estimate(pd.DataFrame({"y": [1, 0, 1]}), None, "y", **kwargs)


def test_refuses_proportion_interval_for_a_non_binary_mean_or_a_total():
    sample = pd.DataFrame({"score": [1.0, 5.0, 3.0], "y": [1, 0, 1]})
    with pytest.raises(ValueError, match="not for the mean of non-0/1 'score'"):
        estimate(sample, None, "score", ci="wilson")
    with pytest.raises(ValueError, match="not for a total"):
        estimate(sample, None, "y", statistic="total", ci="logit")


def test_refuses_misaligned_weights_and_unknown_result():
    sample = pd.DataFrame({"y": [1, 0, 1]})
    with pytest.raises(ValueError, match=r"not aligned to sample\.index"):
        estimate(sample, pd.Series([1.0, 2.0, 3.0], index=[5, 6, 7]), "y")
    with pytest.raises(TypeError, match=r"must be a sampling\.WeightingResult"):
        estimate(sample, {"weights": 1}, "y")
    with pytest.raises(ValueError, match="every value is missing"):
        estimate(pd.DataFrame({"y": [np.nan, np.nan]}), None, "y")


def test_stratified_variance_and_degrees_of_freedom_by_hand():
    design = variance.Design(
        weights=np.ones(4), base=np.ones(4), calibration="none", strata=np.array([0, 0, 1, 1])
    )
    x = np.array([[1.0], [-1.0], [2.0], [0.0]])
    # stratum 0: 2/1·(1 + 1); stratum 1: 2/1·(1 + 1)
    assert variance.with_replacement_var(x, design).tolist() == [8.0]
    assert variance.with_replacement_cov(x, design).tolist() == [[8.0]]
    domain = np.array([[1.0, 1.0], [1.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    assert design.degrees_of_freedom(domain).tolist() == [2.0, 0.0]


@pytest.mark.slow
def test_pooled_bootstrap_resamples_within_countries_close_to_linearisation(raked):
    sample, _ = raked
    spec = json.loads((R_DIR / "pooled_targets.json").read_text())
    pooled = sampling.pooling.pool(
        sample, spec["frames"], weights="base_weight", population=spec["population"]
    )
    lin = estimate(sample, pooled, "agree")
    boot = estimate(sample, pooled, "agree", variance="bootstrap", replicates=200, seed=5)
    assert boot.se[0] == pytest.approx(lin.se[0], rel=0.2)
    assert lin.ci_method[0] == "logit"


def test_nullable_string_and_integer_columns_with_missing_answers():
    sample = pd.DataFrame(
        {"q": pd.array(["a", "b", None, "a"], dtype="string"), "i": pd.array([1, None, 0, 1], dtype="Int64")}
    )
    shares = estimate(sample, None, "q", variance="jackknife")
    assert shares.estimate.tolist() == pytest.approx([2 / 3, 1 / 3]) and shares.n.tolist() == [3, 3]
    assert estimate(sample, None, "i").estimate[0] == pytest.approx(2 / 3)
