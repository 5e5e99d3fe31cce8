"""sampling.feasibility against hand-worked numbers and a Beta-binomial written out in the test."""

from __future__ import annotations

import math

import pytest

from sampling.feasibility import FieldingPlan, Prior, estimate_cell, field_days


def _betabinom_pmf(k: int, n: int, a: float, b: float) -> float:
    """P(K = k) = C(n, k) B(k + a, n − k + b) / B(a, b), by log-gammas (no scipy)."""

    def log_beta(x: float, y: float) -> float:
        return math.lgamma(x) + math.lgamma(y) - math.lgamma(x + y)

    return math.comb(n, k) * math.exp(log_beta(k + a, n - k + b) - log_beta(a, b))


def _quantile(q: float, n: int, a: float, b: float) -> int:
    """The smallest k with P(K ≤ k) ≥ q (the definition scipy's ppf uses for discrete laws)."""
    total = 0.0
    for k in range(n + 1):
        total += _betabinom_pmf(k, n, a, b)
        if total >= q - 1e-12:
            return k
    return n


def test_with_no_history_the_stated_prior_gives_a_fifth():
    estimate = estimate_cell(eligible=400, invitations=0, completes=0, target=50)
    assert (estimate.alpha, estimate.beta) == (2.0, 8.0)
    assert estimate.response_rate == pytest.approx(0.2)
    assert estimate.expected_completes == pytest.approx(80.0)
    # 50 / 0.2 = 250 invitations; waves of 100 (a quarter of 400): 3 waves, (3 − 1)·3 + 7 = 13 days.
    assert estimate.invitations_needed == 250
    assert estimate.field_days == 13
    assert estimate.fillable


def test_history_updates_the_prior_by_conjugacy():
    estimate = estimate_cell(eligible=100, invitations=200, completes=60, target=20)
    # Beta(2 + 60, 8 + 140) = Beta(62, 148): mean 62 / 210.
    assert (estimate.alpha, estimate.beta) == (62.0, 148.0)
    assert estimate.response_rate == pytest.approx(62 / 210)
    assert estimate.invitations_needed == math.ceil(20 * 210 / 62)  # 67.7… → 68


def test_completes_interval_is_the_10th_to_90th_percentile_of_the_beta_binomial():
    estimate = estimate_cell(eligible=120, invitations=50, completes=9, target=30)
    a, b = 2 + 9, 8 + 41
    assert estimate.completes_low == _quantile(0.10, 120, a, b)
    assert estimate.completes_high == _quantile(0.90, 120, a, b)
    assert estimate.completes_low < estimate.expected_completes < estimate.completes_high
    assert estimate.expected_completes == pytest.approx(120 * a / (a + b))
    # P(K ≥ 30), summed by hand.
    assert estimate.probability_of_target == pytest.approx(
        sum(_betabinom_pmf(k, 120, a, b) for k in range(30, 121)), abs=1e-9
    )


def test_rate_interval_brackets_the_mean_and_narrows_with_history():
    thin = estimate_cell(eligible=500, invitations=0, completes=0, target=10)
    rich = estimate_cell(eligible=500, invitations=2000, completes=400, target=10)
    assert thin.rate_low < thin.response_rate < thin.rate_high
    assert rich.rate_high - rich.rate_low < (thin.rate_high - thin.rate_low) / 5


def test_a_cell_the_eligible_cannot_fill_has_no_field_days():
    estimate = estimate_cell(eligible=100, invitations=0, completes=0, target=30)
    # 30 / 0.2 = 150 invitations for 100 eligible: 20 completes expected, not 30.
    assert estimate.invitations_needed == 150
    assert not estimate.fillable
    assert estimate.field_days is None and estimate.field_days_high is None
    assert estimate.completes_high < 40


def test_field_days_interval_runs_from_the_high_rate_to_the_low_one():
    estimate = estimate_cell(eligible=1000, invitations=400, completes=100, target=60)
    assert estimate.field_days_low is not None and estimate.field_days_high is not None
    assert estimate.field_days_low <= estimate.field_days <= estimate.field_days_high  # type: ignore[operator]


def test_field_days_by_waves():
    assert field_days(0, 10) == 0
    assert field_days(1, 10) == 7  # one wave: a week to respond
    assert field_days(26, 100) == 10  # waves of 25: two waves, 3 days apart
    assert field_days(100, 100) == 16  # four waves
    assert field_days(101, 100) is None
    assert field_days(30, 100, FieldingPlan(wave_share=0.5, wave_interval_days=2, response_days=5)) == 5


def test_no_eligible_members_expects_nothing():
    estimate = estimate_cell(eligible=0, invitations=10, completes=5, target=5)
    assert estimate.expected_completes == 0
    assert (estimate.completes_low, estimate.completes_high) == (0, 0)
    assert estimate.probability_of_target == 0 and not estimate.fillable


def test_another_prior_can_be_stated():
    estimate = estimate_cell(eligible=10, invitations=0, completes=0, target=1, prior=Prior(0.5, 4))
    assert (estimate.alpha, estimate.beta) == (2.0, 2.0)
    assert estimate.response_rate == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"eligible": -1, "invitations": 0, "completes": 0, "target": 1}, "eligible=-1"),
        ({"eligible": 1, "invitations": 2, "completes": 3, "target": 1}, "exceeds invitations"),
        ({"eligible": 1, "invitations": 0, "completes": 0, "target": 0}, "at least one complete"),
    ],
)
def test_bad_counts_are_refused_by_name(arguments, message):
    with pytest.raises(ValueError, match=message):
        estimate_cell(**arguments)
