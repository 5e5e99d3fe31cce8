"""Proportion intervals, margin of error and credibility interval, checked by hand and against statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from sampling.estimation import estimate
from sampling.intervals import credibility_interval, margin_of_error, proportion_interval

Z95 = stats.norm.ppf(0.975)


def zero_of_twelve(method: str) -> pd.Series:
    return estimate(pd.DataFrame({"y": [0] * 12}), None, "y", ci=method).iloc[0]


def test_zero_of_twelve_wilson_by_hand():
    row = zero_of_twelve("wilson")
    assert (row.ci_low, row.ci_high) == (0.0, pytest.approx(Z95**2 / (12 + Z95**2)))  # 0.2425


def test_zero_of_twelve_clopper_pearson_by_hand():
    row = zero_of_twelve("clopper-pearson")
    assert (row.ci_low, row.ci_high) == (0.0, pytest.approx(1 - 0.025 ** (1 / 12)))  # 0.2646


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson", "beta", "logit", "xlogit"])
def test_zero_of_twelve_is_never_zero_to_zero(method):
    row = zero_of_twelve(method)
    assert row.ci_low == 0.0 and row.ci_high > 0.2


def test_logit_falls_back_to_korn_graubard_at_the_boundary_and_says_so():
    row = zero_of_twelve("logit")
    assert row.ci_method == "beta"
    assert row.ci_high == pytest.approx(1 - 0.025 ** (1 / 12))


def test_wald_fails_at_zero_of_twelve_as_documented():
    row = zero_of_twelve("wald")
    assert (row.ci_low, row.ci_high) == (0.0, 0.0)


@pytest.mark.parametrize(("count", "n"), [(3, 12), (12, 12), (5, 40), (1, 7), (33, 100)])
@pytest.mark.parametrize(("ours", "theirs"), [("wilson", "wilson"), ("clopper-pearson", "beta")])
def test_unweighted_matches_statsmodels(count, n, ours, theirs):
    row = estimate(pd.DataFrame({"y": [1] * count + [0] * (n - count)}), None, "y", ci=ours).iloc[0]
    low, high = proportion_confint(count, n, alpha=0.05, method=theirs)
    assert (row.ci_low, row.ci_high) == (pytest.approx(low, abs=1e-12), pytest.approx(high, abs=1e-12))
    assert row.n_eff == pytest.approx(n)


@pytest.mark.parametrize(("ours", "theirs"), [("wilson", "wilson"), ("clopper-pearson", "beta")])
def test_weighted_uses_effective_n(ours, theirs):
    p, se, n = 0.3, 0.06, 150
    n_eff = n * p * (1 - p) / ((n - 1) * se**2)  # n / deff
    out = proportion_interval(p, se, n, method=ours).iloc[0]
    low, high = proportion_confint(p * n_eff, n_eff, alpha=0.05, method=theirs)
    assert out.n_eff == pytest.approx(n_eff)
    assert (out.ci_low, out.ci_high) == (pytest.approx(low), pytest.approx(high))


def test_logit_interval_by_hand():
    p, se, n = 0.3, 0.05, 101
    half = stats.t.ppf(0.975, 100) * se / (p * (1 - p))
    expit = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    out = proportion_interval(p, se, n, method="logit").iloc[0]
    centre = math.log(p / (1 - p))
    assert out.ci_low == pytest.approx(expit(centre - half))
    assert out.ci_high == pytest.approx(expit(centre + half))


def test_korn_graubard_by_hand():
    p, se = 0.2, 0.04
    m = p * (1 - p) / se**2  # svyciprop's n.eff = 100
    out = proportion_interval(p, se, 400, method="beta").iloc[0]
    assert out.ci_low == pytest.approx(stats.beta.ppf(0.025, m * p, m * (1 - p) + 1))
    assert out.ci_high == pytest.approx(stats.beta.ppf(0.975, m * p + 1, m * (1 - p)))


def test_vectorised_and_keeps_series_index():
    p = pd.Series([0.1, 0.5], index=["a", "b"])
    out = proportion_interval(p, [0.02, 0.05], [200, 100], method="wilson", level=0.9)
    assert out.index.tolist() == ["a", "b"]
    assert (out.ci_low < p).all() and (out.ci_high > p).all()


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"method": "agresti"}, "choose one of"), ({"level": 95}, "as a fraction")]
)
def test_interval_refuses_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        proportion_interval(0.5, 0.1, 10, **kwargs)


def test_margin_of_error_pew_formula():
    moe = margin_of_error(1000)
    assert moe.value == pytest.approx(Z95 * math.sqrt(0.25 / 1000))  # 0.0310
    assert margin_of_error(1000, p=0.2, deff=1.5).value == pytest.approx(Z95 * math.sqrt(1.5 * 0.16 / 1000))
    assert "Pew" in moe.label and "ignores calibration" in moe.label
    assert moe.points == pytest.approx(100 * moe.value)


def test_credibility_interval_ipsos_formula():
    ci = credibility_interval(1000)
    assert ci.value == pytest.approx(Z95 * math.sqrt(1.3) / (2 * math.sqrt(1000)))  # 0.0353
    assert "Credibility interval" in ci.label and "not a margin of sampling error" in ci.label
    assert credibility_interval(1000, level=0.9).value < ci.value


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: margin_of_error(0), "number of respondents"),
        (lambda: margin_of_error(100, p=1.5), "between 0 and 1"),
        (lambda: margin_of_error(100, deff=0), "positive design effect"),
        (lambda: credibility_interval(-5), "number of respondents"),
        (lambda: credibility_interval(100, design_factor=0), "Ipsos uses 1.3"),
    ],
)
def test_precision_figures_refuse_nonsense(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_interval_contains_estimate_on_real_weights():
    sample = pd.DataFrame({"y": np.r_[np.ones(30), np.zeros(70)], "g": np.tile(["a", "b"], 50)})
    weights = pd.Series(np.linspace(0.5, 2.0, 100))
    for method in ("logit", "xlogit", "beta", "wilson", "clopper-pearson", "wald"):
        out = estimate(sample, weights, "y", by="g", ci=method)
        assert ((out.ci_low <= out.estimate) & (out.estimate <= out.ci_high)).all()
