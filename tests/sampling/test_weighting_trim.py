"""Trimming: caps and margins both hold after trim-and-rake rounds, or a clear failure."""

from __future__ import annotations

import numpy as np
import pytest

import sampling
from sampling.weighting import ConvergenceError


def test_rake_is_skewed_before_trimming(sample, sample_targets):
    assert sampling.rake(sample, sample_targets).weights.max() > 5


@pytest.mark.parametrize(
    "options, cap",
    [
        ({"ratio_to_mean": 3.5}, 3.5),
        ({"bounds": (0.3, 3.5)}, 3.5),
        ({"ratio_to_mean": 5, "bounds": (None, 3.5)}, 3.5),
    ],
)
def test_caps_and_margins_both_hold(sample, sample_targets, options, cap):
    r = sampling.trim(sample, sample_targets, **options)
    assert r.converged and r.method == "trim"
    assert r.weights.max() <= cap * (1 + 1e-6)
    assert r.margins["weighted"].sub(r.margins["target"]).abs().max() <= 1e-6
    assert r.weights.sum() == pytest.approx(len(sample))


def test_percentile_caps_are_fixed_from_the_raked_weights(sample, sample_targets):
    raked = sampling.rake(sample, sample_targets).weights
    low, high = np.percentile(raked, [1, 99])
    r = sampling.trim(sample, sample_targets, percentiles=(1, 99))
    assert r.weights.max() <= high * (1 + 1e-6) and r.weights.min() >= low * (1 - 1e-6)
    assert r.design_effect < sampling.rake(sample, sample_targets).design_effect


def test_ratio_to_median(sample, sample_targets):
    raked = sampling.rake(sample, sample_targets).weights
    r = sampling.trim(sample, sample_targets, ratio_to_median=4)
    assert r.weights.max() <= 4 * raked.median() * (1 + 1e-6)


def test_target_design_effect(sample, sample_targets):
    before = sampling.rake(sample, sample_targets).design_effect
    r = sampling.trim(sample, sample_targets, target_deff=before - 0.05)
    assert r.design_effect <= before - 0.05 + 1e-9
    assert r.margins["weighted"].sub(r.margins["target"]).abs().max() <= 1e-6


def test_rake_with_trim_option_delegates(sample, sample_targets):
    a = sampling.rake(sample, sample_targets, trim={"ratio_to_mean": 4})
    b = sampling.trim(sample, sample_targets, ratio_to_mean=4)
    np.testing.assert_allclose(a.weights, b.weights)


def test_caps_too_tight_for_the_margins_fail_clearly(two_by_two, even_targets):
    # Women must carry half the weight with two respondents: a cap of 1.3× the mean cannot allow it.
    with pytest.raises(ConvergenceError, match=r"trim did not converge.*caps \[0, 1.3\] and the margins"):
        sampling.trim(two_by_two, even_targets, ratio_to_mean=1.3, max_rounds=50)


def test_trim_needs_a_cap(two_by_two, even_targets):
    with pytest.raises(ValueError, match="trim needs a cap"):
        sampling.trim(two_by_two, even_targets)
    with pytest.raises(ValueError, match="at or below the mean"):
        sampling.trim(two_by_two, even_targets, ratio_to_mean=0.8)
