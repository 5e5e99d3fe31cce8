"""Feasibility of one target cell of a study: response rate, expected completes, field days.

The model, stated once:

* **Response rate.** Each invited member of a cell completes with an unknown probability ``p``.
  Before any history ``p`` follows the prior Beta(α₀, β₀) of :data:`PRIOR`: mean 20 % with the
  weight of 10 invitations (α₀ = 2, β₀ = 8) — a typical rate for an invited physician panel,
  weak enough that a few dozen past invitations outweigh it. Past invitations ``n`` with ``x``
  completes give the conjugate posterior Beta(α₀ + x, β₀ + n − x) (Gelman et al., *Bayesian Data
  Analysis*, 3rd ed., §2.4).
* **Expected completes.** Inviting all ``N`` eligible members gives a Beta-binomial(N, α, β)
  number of completes (the posterior predictive); we report its mean and its 10th–90th percentile
  interval (``scipy.stats.betabinom``; R: ``extraDistr::qbbinom``).
* **Invitations needed** for a target ``T``: ``ceil(T / p)`` at the posterior mean of ``p``, and
  at the 10th percentile of ``p`` (the cautious count).
* **Field days.** Pulse invites in waves of at most :attr:`FieldingPlan.wave_share` of the
  eligible members (25 %), one wave every :attr:`FieldingPlan.wave_interval_days` days (3), and the
  completes to a wave arrive within :attr:`FieldingPlan.response_days` days (7: the invitation and
  one reminder). Needing ``k`` waves takes ``(k − 1)·3 + 7`` days. The interval takes the
  invitations needed at the 90th and the 10th percentile of ``p``; a cell whose invitations needed
  exceed its eligible members has no field days (it cannot be filled at that rate).

Example:
    >>> e = estimate_cell(eligible=400, invitations=0, completes=0, target=50)
    >>> round(e.response_rate, 2), e.invitations_needed, e.field_days
    (0.2, 250, 13)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

__all__ = ["PLAN", "PRIOR", "CellEstimate", "FieldingPlan", "Prior", "estimate_cell", "field_days"]


@dataclass(frozen=True)
class Prior:
    """A Beta prior for the response rate, as a mean and a strength in invitations."""

    mean: float = 0.20
    strength: float = 10.0

    @property
    def alpha(self) -> float:
        return self.mean * self.strength

    @property
    def beta(self) -> float:
        return (1.0 - self.mean) * self.strength

    def posterior(self, invitations: int, completes: int) -> tuple[float, float]:
        """The Beta(α, β) of the response rate after ``completes`` out of ``invitations``."""
        return self.alpha + completes, self.beta + invitations - completes

    def posterior_mean(self, invitations: int, completes: int) -> float:
        """The expected response rate after ``completes`` out of ``invitations``."""
        alpha, beta = self.posterior(invitations, completes)
        return alpha / (alpha + beta)


@dataclass(frozen=True)
class FieldingPlan:
    """How Pulse fields a cell: wave size as a share of the eligible, wave spacing, response time."""

    wave_share: float = 0.25
    wave_interval_days: int = 3
    response_days: int = 7


#: The stated prior: mean 20 %, worth 10 invitations (Beta(2, 8)).
PRIOR = Prior()
#: The stated fielding plan: waves of a quarter of the eligible, 3 days apart, 7 days to respond.
PLAN = FieldingPlan()
#: The interval reported for completes, rates and days: 10th to 90th percentile.
LEVEL = 0.80


@dataclass(frozen=True)
class CellEstimate:
    """Feasibility of one cell. Counts are whole numbers; rates are fractions.

    ``completes_low``/``completes_high`` and ``rate_low``/``rate_high`` bound the central ``level``
    interval; ``field_days_low`` comes from the high rate and ``field_days_high`` from the low one
    (None: the eligible members cannot give the target at that rate).
    """

    eligible: int
    target: int
    invitations: int
    completes: int
    alpha: float
    beta: float
    level: float
    response_rate: float
    rate_low: float
    rate_high: float
    expected_completes: float
    completes_low: int
    completes_high: int
    probability_of_target: float
    invitations_needed: int
    invitations_needed_high: int
    field_days: int | None
    field_days_low: int | None
    field_days_high: int | None

    @property
    def fillable(self) -> bool:
        """The expected completes from all eligible members reach the target."""
        return self.invitations_needed <= self.eligible


def field_days(invitations: int, eligible: int, plan: FieldingPlan = PLAN) -> int | None:
    """Days in field to send ``invitations`` among ``eligible`` members in waves, and hear back.

    Args:
        invitations: how many members must be invited.
        eligible: how many may be (the cap on the invitations).
        plan: wave size, spacing and response time.

    Returns:
        ``(waves − 1) · wave_interval_days + response_days``, or None when ``invitations`` exceeds
        ``eligible`` (no number of days fills the cell).

    Example:
        >>> field_days(250, 400), field_days(401, 400)
        (13, None)
    """
    if invitations > eligible:
        return None
    if invitations <= 0:
        return 0
    wave_size = max(1, math.ceil(plan.wave_share * eligible))
    waves = math.ceil(invitations / wave_size)
    return (waves - 1) * plan.wave_interval_days + plan.response_days


def _needed(target: int, rate: float) -> int:
    # A rate of 0 (only reachable with a degenerate prior) needs more invitations than any panel.
    return math.ceil(target / rate) if rate > 0 else 2**31 - 1


def estimate_cell(
    eligible: int,
    invitations: int,
    completes: int,
    target: int,
    *,
    prior: Prior = PRIOR,
    plan: FieldingPlan = PLAN,
    level: float = LEVEL,
) -> CellEstimate:
    """Posterior response rate, expected completes and field days for one cell.

    Args:
        eligible: verified members eligible for the cell now.
        invitations: past invitations of members of the cell's country and specialty.
        completes: how many of those completed.
        target: the completes wanted.
        prior: the Beta prior of the response rate (default :data:`PRIOR`, Beta(2, 8)).
        plan: how waves are sent (default :data:`PLAN`).
        level: the central interval reported (default 0.80: the 10th–90th percentile).

    Returns:
        A :class:`CellEstimate`.

    Raises:
        ValueError: a negative count, more completes than invitations, a target under 1 or a level
            outside (0, 1).

    Example:
        >>> e = estimate_cell(eligible=100, invitations=200, completes=60, target=20)
        >>> round(e.response_rate, 4), e.invitations_needed
        (0.2952, 68)

    Reference: the Beta-binomial posterior predictive (Gelman et al. 2013, §2.4); scipy's
    ``betabinom`` agrees with R's ``extraDistr::pbbinom``.
    """
    for name, value in (("eligible", eligible), ("invitations", invitations), ("completes", completes)):
        if value < 0:
            raise ValueError(f"{name}={value}: counts cannot be negative")
    if completes > invitations:
        raise ValueError(f"completes={completes} exceeds invitations={invitations}")
    if target < 1:
        raise ValueError(f"target={target}: a cell wants at least one complete")
    if not 0 < level < 1:
        raise ValueError(f"level={level}: give the interval's coverage as a fraction, e.g. 0.8")
    alpha, beta = prior.posterior(invitations, completes)
    tail = (1.0 - level) / 2.0
    mean = alpha / (alpha + beta)
    rate_low = float(stats.beta.ppf(tail, alpha, beta))
    rate_high = float(stats.beta.ppf(1.0 - tail, alpha, beta))
    predictive = stats.betabinom(eligible, alpha, beta)
    needed = _needed(target, mean)
    needed_high = _needed(target, rate_low)
    return CellEstimate(
        eligible=eligible,
        target=target,
        invitations=invitations,
        completes=completes,
        alpha=alpha,
        beta=beta,
        level=level,
        response_rate=mean,
        rate_low=rate_low,
        rate_high=rate_high,
        expected_completes=eligible * mean,
        completes_low=int(predictive.ppf(tail)) if eligible else 0,
        completes_high=int(predictive.ppf(1.0 - tail)) if eligible else 0,
        probability_of_target=float(predictive.sf(target - 1)) if eligible else 0.0,
        invitations_needed=needed,
        invitations_needed_high=needed_high,
        field_days=field_days(needed, eligible, plan),
        field_days_low=field_days(_needed(target, rate_high), eligible, plan),
        field_days_high=field_days(needed_high, eligible, plan),
    )
