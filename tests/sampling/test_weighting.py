"""Raking, post-stratification and calibration against weights worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sampling
from sampling.weighting import (
    METHODS,
    ConvergenceError,
    ConvergenceWarning,
    InfeasibleTargetsError,
    get_method,
)

ROOT3 = math.sqrt(3)


def test_rake_two_by_two_closed_form(two_by_two, even_targets):
    # Raking keeps the sample's odds ratio (1·3)/(1·1) = 3; with margins 3/3 the (f,y) weight x
    # solves x²/(3 − x)² = 3, so x = 3√3/(1 + √3), and (m,o) shares x among its 3 respondents.
    r = sampling.rake(two_by_two, even_targets, tol=1e-12)
    x = 3 * ROOT3 / (1 + ROOT3)
    expected = [x, 3 - x, 3 - x, x / 3, x / 3, x / 3]
    np.testing.assert_allclose(r.weights.to_numpy(), expected, rtol=1e-10)
    assert r.weights.index.tolist() == [10, 11, 12, 13, 14, 15]
    assert r.converged and r.method == "rake" and r.variables == ("sex", "age")
    assert r.iterations == len(r.error_history) - 1
    assert r.error_history[-1] <= 1e-12 < r.error_history[0]


def test_rake_tolerance_is_the_stopping_rule(two_by_two, even_targets):
    loose = sampling.rake(two_by_two, even_targets, tol=1e-3)
    assert loose.error_history[-1] <= 1e-3 and loose.error_history[-2] > 1e-3
    assert loose.margins["weighted"].sub(loose.margins["target"]).abs().max() <= 1e-3


def test_rake_counts_give_population_totals(two_by_two):
    r = sampling.rake(two_by_two, {"sex": {"f": 300, "m": 300}, "age": {"y": 300, "o": 300}}, tol=1e-12)
    assert r.weights.sum() == pytest.approx(600)
    assert r.population_total == 600
    np.testing.assert_allclose(r.weights.iloc[0], 100 * 3 * ROOT3 / (1 + ROOT3), rtol=1e-10)


def test_rake_honours_base_weights(two_by_two, even_targets):
    base = pd.Series([1.0, 1, 1, 1, 2, 3], index=two_by_two.index)
    r = sampling.rake(two_by_two, even_targets, weights=base, tol=1e-12)
    # (m,o) now has base total 6: odds ratio 6, x²/(3−x)² = 6.
    x = 3 * math.sqrt(6) / (1 + math.sqrt(6))
    np.testing.assert_allclose(r.weights.iloc[:3], [x, 3 - x, 3 - x], rtol=1e-10)
    np.testing.assert_allclose(r.weights.iloc[3:], np.array([1, 2, 3]) * x / 6, rtol=1e-10)
    assert r.base_weights.tolist() == base.tolist()


def test_rake_weights_column_name(two_by_two, even_targets):
    s = two_by_two.assign(w=[1.0, 1, 1, 1, 2, 3])
    by_name = sampling.rake(s, even_targets, weights="w")
    by_series = sampling.rake(s, even_targets, weights=s["w"])
    pd.testing.assert_series_equal(by_name.weights, by_series.weights)


def test_poststratify_one_margin_and_joint_table(two_by_two):
    r = sampling.poststratify(two_by_two, {"sex": {"f": 0.5, "m": 0.5}})
    np.testing.assert_allclose(r.weights, [1.5, 1.5, 0.75, 0.75, 0.75, 0.75])
    joint = {("sex", "age"): {("f", "y"): 0.1, ("f", "o"): 0.2, ("m", "y"): 0.3, ("m", "o"): 0.4}}
    r = sampling.poststratify(two_by_two, joint)
    np.testing.assert_allclose(r.weights, [0.6, 1.2, 1.8, 0.8, 0.8, 0.8])
    assert r.variables == ("sex", "age") and r.iterations == 1


def test_poststratify_refuses_two_margins(two_by_two, even_targets):
    with pytest.raises(ValueError, match=r"one margin or one joint table.*use rake"):
        sampling.poststratify(two_by_two, even_targets)


def test_linear_calibration_closed_form(two_by_two, even_targets):
    # w = 1 + a + b·[m] + c·[o]; the four margin equations give a = 0.8, b = c = −0.6.
    r = sampling.calibrate(two_by_two, even_targets)
    np.testing.assert_allclose(r.weights, [1.8, 1.2, 1.2, 0.6, 0.6, 0.6], rtol=1e-12)
    assert r.iterations == 1 and r.settings["method"] == "linear"


def test_linear_calibration_reports_negative_weights():
    s = pd.DataFrame({"sex": ["f", "f", "m", "m", "m", "m"], "age": ["y", "o", "y", "y", "y", "o"]})
    targets = {"sex": {"f": 0.8, "m": 0.2}, "age": {"y": 0.2, "o": 0.8}}
    r = sampling.calibrate(s, targets)
    np.testing.assert_allclose(r.weights, [1.56, 3.24, -0.12, -0.12, -0.12, 1.56], rtol=1e-12)
    assert r.n_negative == 3 and "3 negative" in r.notes[0]
    with pytest.raises(ValueError, match=r"negative weight.*bounds"):
        sampling.calibrate(s, targets, negative="error")


def test_logit_calibration_respects_bounds_and_is_additive(two_by_two, even_targets):
    low, high = 0.4, 2.0
    r = sampling.calibrate(two_by_two, even_targets, method="logit", bounds=(low, high), tol=1e-13)
    g = r.weights.to_numpy()  # base weights are 1 and sum to n, so g = weight
    assert ((g > low) & (g < high)).all()
    np.testing.assert_allclose(r.margins["weighted"], 0.5, atol=1e-13)
    # logit calibration is linear in x on the scale log((g−L)/(1−L)) − log((U−g)/(U−1)).
    h = np.log((g - low) / (1 - low)) - np.log((high - g) / (high - 1))
    assert h[0] + h[3] == pytest.approx(h[1] + h[2], abs=1e-9)


def test_logit_needs_bounds_and_infeasible_bounds_fail(two_by_two, even_targets):
    with pytest.raises(ValueError, match="needs bounds"):
        sampling.calibrate(two_by_two, even_targets, method="logit")
    with pytest.raises(ConvergenceError, match="calibrate did not converge"):
        sampling.calibrate(two_by_two, {"sex": {"f": 0.9, "m": 0.1}}, method="logit", bounds=(0.5, 1.5))


def test_bounded_linear_calibration(two_by_two, even_targets):
    r = sampling.calibrate(two_by_two, even_targets, bounds=(0.5, 1.75), tol=1e-10)
    assert r.weights.max() <= 1.75 + 1e-9 and r.weights.min() >= 0.5 - 1e-9
    np.testing.assert_allclose(r.margins["weighted"], 0.5, atol=1e-10)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_refuses_unknown_options(name, two_by_two, even_targets):
    with pytest.raises(TypeError, match="unexpected keyword argument 'tolerance'"):
        get_method(name)(two_by_two, even_targets, tolerance=1e-3)


def test_get_method_names_the_choices():
    with pytest.raises(
        KeyError, match="no weighting method 'ipf': use one of calibrate, poststratify, rake, trim"
    ):
        get_method("ipf")


@pytest.mark.parametrize(
    "targets, message",
    [
        (
            {"sex": {"f": 0.5, "m": 0.3, "x": 0.2}},
            r"sex has target level\(s\) with too few respondents.*'x' \(0 respondents\)",
        ),
        ({"sex": {"f": 1.0}}, r"respondents have sex='m', a level with no target"),
        ({"sex": {"f": 0.5, "m": 0.0}}, r"target for sex='m' is 0.0: targets must be positive"),
        ({"sex": {"f": 0.5, "m": -0.5}}, r"target for sex='m' is -0.5"),
        (
            {"sex": {"f": 30, "m": 30}, "age": {"y": 30, "o": 40}},
            r"margin totals disagree \(sex sums to 60, age sums to 70\)",
        ),
        ({"region": {"a": 1.0}}, r"the sample has no column 'region'"),
    ],
)
def test_infeasible_targets_are_refused_before_iterating(two_by_two, targets, message):
    with pytest.raises((InfeasibleTargetsError, KeyError), match=message):
        sampling.rake(two_by_two, targets)


def test_missing_values_are_refused(two_by_two, even_targets):
    s = two_by_two.astype(object)
    s.iloc[0, 0] = None
    with pytest.raises(ValueError, match="1 respondent\\(s\\) have no value for 'sex'"):
        sampling.rake(s, even_targets)


def test_bad_base_weights_are_refused(two_by_two, even_targets):
    with pytest.raises(ValueError, match="1 base weight\\(s\\) are missing, negative or infinite"):
        sampling.rake(
            two_by_two, even_targets, weights=pd.Series([1, 1, 1, 1, 1, -1.0], index=two_by_two.index)
        )


def test_sparse_drop_and_collapse(two_by_two):
    targets = {"sex": {"f": 0.4, "m": 0.4, "x": 0.2}}
    dropped = sampling.rake(two_by_two, targets, sparse="drop")
    assert dropped.targets == {"sex": {"f": 0.5, "m": 0.5}}
    assert "dropped" in dropped.notes[0]
    with pytest.raises(InfeasibleTargetsError, match="map each to a neighbouring level with collapse="):
        sampling.rake(two_by_two, targets, sparse="collapse")
    merged = sampling.rake(two_by_two, targets, sparse="collapse", collapse={"sex": {"x": "f"}})
    assert merged.targets["sex"] == pytest.approx({"f": 0.6, "m": 0.4})
    np.testing.assert_allclose(merged.weights.iloc[:2], [1.8, 1.8])


def test_collapse_recodes_respondents(two_by_two):
    r = sampling.rake(two_by_two, {"age": {"o": 1.0}}, collapse={"age": {"y": "o"}})
    np.testing.assert_allclose(r.weights, 1.0)


def test_nonconvergence_raises_or_warns():
    # Only (f,o) can carry age "o" for women … a boundary solution IPF approaches but never meets.
    s = pd.DataFrame({"sex": ["f", "f", "m", "m"], "age": ["y", "o", "o", "o"]})
    targets = {"sex": {"f": 0.5, "m": 0.5}, "age": {"y": 0.5, "o": 0.5}}
    with pytest.raises(ConvergenceError, match="rake did not converge in 5 iteration"):
        sampling.rake(s, targets, max_iter=5)
    with pytest.warns(ConvergenceWarning):
        r = sampling.rake(s, targets, max_iter=5, on_nonconvergence="warn")
    assert not r.converged and r.iterations == 5 and len(r.error_history) == 6


def test_bad_options_are_refused(two_by_two, even_targets):
    with pytest.raises(ValueError, match="on_nonconvergence='ignore'"):
        sampling.rake(two_by_two, even_targets, on_nonconvergence="ignore")
    with pytest.raises(ValueError, match="sparse='lump'"):
        sampling.rake(two_by_two, even_targets, sparse="lump")
    with pytest.raises(ValueError, match="tol=0"):
        sampling.rake(two_by_two, even_targets, tol=0)


def test_result_is_frozen_with_diagnostics(two_by_two, even_targets):
    r = sampling.calibrate(two_by_two, even_targets)
    with pytest.raises(AttributeError):
        r.method = "x"  # type: ignore[misc]
    w = np.array([1.8, 1.2, 1.2, 0.6, 0.6, 0.6])
    assert r.design_effect == pytest.approx(6 * (w**2).sum() / 36)
    assert r.effective_n == pytest.approx(6 / r.design_effect)
    assert r.efficiency == pytest.approx(1 / r.design_effect)
    assert list(r.margins.columns) == ["variable", "level", "target", "unweighted", "weighted"]
    assert r.margins.set_index(["variable", "level"]).loc[("sex", "f"), "unweighted"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "method, options",
    [
        ("rake", {}),
        ("calibrate", {}),
        ("calibrate", {"method": "logit", "bounds": (0.3, 3)}),
        ("trim", {"ratio_to_mean": 3}),
    ],
)
def test_reweight_reruns_the_same_method(method, options, sample, sample_targets):
    first = get_method(method)(sample, sample_targets, **options)
    base = pd.Series(np.random.default_rng(1).uniform(0.5, 2, len(sample)), index=sample.index)
    again = first.reweight(sample, base)
    direct = get_method(method)(sample, sample_targets, weights=base, **options)
    pd.testing.assert_series_equal(again.weights, direct.weights)
    assert again.method == first.method and again.settings == first.settings


def test_reweight_keeps_count_totals(two_by_two):
    r = sampling.rake(two_by_two, {"sex": {"f": 30, "m": 30}})
    again = r.reweight(two_by_two, np.ones(6))
    assert again.weights.sum() == pytest.approx(60)


def test_design_matrix(two_by_two, even_targets):
    r = sampling.rake(two_by_two, even_targets)
    x = r.design_matrix(two_by_two)
    assert list(x.columns) == ["sex=f", "sex=m", "age=y", "age=o"]
    assert x["sex=f"].tolist() == [1, 1, 0, 0, 0, 0] and x.index.equals(two_by_two.index)


def test_categorical_and_string_columns_agree(sample, sample_targets):
    as_category = sample.astype("category")
    a = sampling.rake(sample, sample_targets).weights
    b = sampling.rake(as_category, sample_targets).weights
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_min_cell_and_drop_never_discard_respondents(two_by_two):
    with pytest.raises(InfeasibleTargetsError, match=r"fewer than 3\): 'f' \(2 respondents\)"):
        sampling.rake(two_by_two, {"sex": {"f": 0.5, "m": 0.5}}, min_cell=3)
    with pytest.raises(InfeasibleTargetsError, match="sparse='drop' drops only levels without respondents"):
        sampling.rake(two_by_two, {"sex": {"f": 0.5, "m": 0.5}}, min_cell=3, sparse="drop")


@pytest.mark.parametrize(
    "module",
    [
        "sampling.diagnostics",
        "sampling.population",
        "sampling.result",
        "sampling.pooling",
        "sampling.weighting.rake",
        "sampling.weighting.poststratify",
        "sampling.weighting.calibrate",
        "sampling.weighting.trim",
        "sampling.weighting.registry",
    ],
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    outcome = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.failed == 0


def test_calibration_bounds_read_after_r_rescaling_of_small_design_weights(two_by_two, even_targets):
    # Count targets 1000× the sample: as R's grake, the design weights are first scaled by the mean ratio.
    counts = {v: {lvl: share * 6000 for lvl, share in m.items()} for v, m in even_targets.items()}
    r = sampling.calibrate(two_by_two, counts, method="logit", bounds=(0.5, 2.0), tol=1e-12)
    assert r.weights.sum() == pytest.approx(6000)
    assert any("scaled by" in note and "as R's calibrate does" in note for note in r.notes)
    # Share targets and design weights summing to 10 n: g must be near 1/10, outside the bounds.
    with pytest.raises(ConvergenceError, match="calibrate did not converge"):
        sampling.calibrate(
            two_by_two,
            even_targets,
            weights=pd.Series(10.0, index=two_by_two.index),
            method="logit",
            bounds=(0.5, 2.0),
        )
