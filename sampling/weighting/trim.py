"""Trimming: cap extreme weights, then rake again, until both the caps and the margins hold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sampling import diagnostics
from sampling.weighting.common import (
    ConvergenceError,
    Prepared,
    check_common,
    expand,
    finish,
    margin_error,
    prepare,
    rake_cells,
)
from sampling.weighting.result import WeightingResult

REDISTRIBUTE = ("rerake", "even")


def _pair(name: str, value: Any, *, upper_only_ok: bool) -> tuple[float | None, float | None]:
    if value is None:
        return None, None
    if upper_only_ok and isinstance(value, (int, float)):
        return None, float(value)
    try:
        low, high = value
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r}: give (lower, upper); either may be None") from None
    return (None if low is None else float(low)), (None if high is None else float(high))


def _caps(w0: np.ndarray, mean: float, options: dict[str, Any]) -> tuple[float, float]:
    """Absolute (lower, upper) caps in the units of the final weights, fixed from the raked weights."""
    low, high = 0.0, np.inf
    r_low, r_high = _pair("ratio_to_mean", options["ratio_to_mean"], upper_only_ok=True)
    m_low, m_high = _pair("ratio_to_median", options["ratio_to_median"], upper_only_ok=True)
    p_low, p_high = _pair("percentiles", options["percentiles"], upper_only_ok=False)
    b_low, b_high = _pair("bounds", options["bounds"], upper_only_ok=False)
    median = float(np.median(w0))
    for value, anchor in ((r_high, mean), (m_high, median)):
        if value is not None:
            if value <= 1:
                raise ValueError(
                    f"an upper ratio cap of {value} would cap weights at or below the mean/median: use > 1"
                )
            high = min(high, value * anchor)
    for value, anchor in ((r_low, mean), (m_low, median)):
        if value is not None:
            if not 0 <= value < 1:
                raise ValueError(f"a lower ratio cap of {value} must be in [0, 1)")
            low = max(low, value * anchor)
    for value, side in ((p_low, "low"), (p_high, "high")):
        if value is not None:
            if not 0 <= value <= 100:
                raise ValueError(f"percentiles must be between 0 and 100, got {value}")
            q = float(np.percentile(w0, value))
            low, high = (max(low, q), high) if side == "low" else (low, min(high, q))
    if b_low is not None:
        low = max(low, b_low)
    if b_high is not None:
        high = min(high, b_high)
    if low >= high:
        raise ValueError(f"the caps leave no room: lower cap {low:.4g} ≥ upper cap {high:.4g}")
    return low, high


@dataclass(frozen=True)
class TrimRounds:
    """The outcome of trim-and-rake rounds.

    Attributes:
        weights: the weights returned: the last round's when both caps and margins hold, else the
            round whose caps were breached least among those whose margins hold (the raked weights
            when no later round does better), never a diverged iterate.
        converged: whether caps and margins both held.
        margin_errors: largest margin error (share units) after each round, the first the raked weights'.
        cap_breaches: largest relative breach of a cap after each round.
        rounds: rounds run.
    """

    weights: np.ndarray
    converged: bool
    margin_errors: list[float]
    cap_breaches: list[float]
    rounds: int


def _cap_breach(w: np.ndarray, low: float, high: float) -> float:
    above = float(w.max()) / high - 1 if np.isfinite(high) else 0.0
    below = 1 - float(w[w > 0].min(initial=np.inf)) / low if low > 0 else 0.0
    return max(above, below, 0.0)


def _trim_loop(
    prep: Prepared, w0: np.ndarray, low: float, high: float, tol: float, max_iter: int, max_rounds: int
) -> TrimRounds:
    plan = prep.plan
    w = w0.copy()
    margins: list[float] = []
    breaches: list[float] = []
    best, best_breach = w0, np.inf
    for rounds in range(max_rounds + 1):
        margin = margin_error(plan, plan.cell_base(w))
        breach = _cap_breach(w, low, high)
        margins.append(margin)
        breaches.append(breach)
        if margin <= tol and breach <= tol:
            return TrimRounds(w, True, margins, breaches, rounds)
        if margin <= tol and breach < best_breach:
            best, best_breach = w, breach
        if rounds == max_rounds:
            break
        w = np.where(w > 0, np.clip(w, low, high), 0.0)
        cell_base = plan.cell_base(w)
        cell_w, _, _ = rake_cells(plan, cell_base, tol, max_iter)
        w = expand(plan, w, cell_base, cell_w)
        w *= prep.scale_total / w.sum()
    return TrimRounds(best, False, margins, breaches, max_rounds)


def trim_weights(w: np.ndarray, low: float | None, high: float | None, *, strict: bool) -> np.ndarray:
    """R's ``trimWeights``: cap, then spread the trimmed weight evenly over the untouched respondents.

    Every respondent inside the caps (zero weights included, as R) gets the same share of what
    was cut off (or, for a lower cap, pays the same share of what was added); the total is kept and
    the margins no longer hold exactly. ``strict`` repeats until no weight is outside the caps.
    """
    lower = -np.inf if low is None else low
    upper = np.inf if high is None else high
    w = w.copy()
    for _ in range(10_000):
        outside = (w < lower) | (w > upper)
        if not outside.any() or outside.all():
            break
        capped = np.clip(w, lower, upper)
        trimmed = float((w - capped).sum())
        capped[~outside] += trimmed / int((~outside).sum())
        w = capped
        if not strict:
            break
    return w


def trim(
    sample: pd.DataFrame,
    targets: Any,
    *,
    weights: str | pd.Series | None = None,
    ratio_to_mean: float | tuple[float | None, float | None] | None = None,
    ratio_to_median: float | tuple[float | None, float | None] | None = None,
    percentiles: tuple[float | None, float | None] | None = None,
    bounds: tuple[float | None, float | None] | None = None,
    target_deff: float | None = None,
    tol: float = 1e-6,
    max_iter: int = 100,
    max_rounds: int = 500,
    redistribute: str = "rerake",
    strict: bool = False,
    sparse: str = "error",
    collapse: Mapping[str, Mapping[Any, Any]] | None = None,
    on_nonconvergence: str = "raise",
    min_cell: int = 1,
) -> WeightingResult:
    """Rake, cap the weights, rake again, and repeat until both the caps and the margins hold.

    With ``redistribute="even"`` the raked weights are instead capped once and what was cut off is
    spread evenly over the respondents inside the caps, as R's ``trimWeights`` does: the caps
    hold and the total is kept, but the margins no longer hold exactly (the largest margin error is
    reported). Re-raking (the default) keeps the margins and moves the weights of whole cells; the
    even spread keeps every untrimmed respondent's weight up to one shared constant.

    Caps are fixed once, from the first raked weights, in the units of the final weights (mean 1
    for share targets): ``ratio_to_mean=5`` caps at 5× the mean; ``ratio_to_median=(0.2, 5)``
    at 0.2× and 5× the median; ``percentiles=(1, 99)`` at the 1st and 99th percentiles (Pew's
    practice); ``bounds=(0.2, 5)`` at absolute values. Several caps combine (the tightest wins).
    ``target_deff`` searches, by bisection, the loosest cap on the ratio to the mean that brings
    Kish's design effect down to the target.

    Args:
        sample: respondents.
        targets: as for ``rake``.
        weights: base weights.
        ratio_to_mean: upper cap, or (lower, upper), as multiples of the mean weight.
        ratio_to_median: upper cap, or (lower, upper), as multiples of the median raked weight.
        percentiles: (lower, upper) percentiles of the raked weights; either may be None.
        bounds: (lower, upper) absolute caps; either may be None.
        target_deff: the largest design effect to accept.
        tol: margin tolerance (share units); caps hold within a relative ``tol`` too.
        max_iter: most sweeps of each re-rake.
        max_rounds: most trim-and-rake rounds.
        redistribute: "rerake" (trim and rake again until caps and margins hold) or "even"
            (R's ``trimWeights``: cap the raked weights and spread the difference evenly).
        strict: with "even", cap and spread again until no weight is outside the caps
            (R's ``strict=TRUE``).
        sparse, collapse, on_nonconvergence, min_cell: as for ``rake``.

    Returns:
        A :class:`~sampling.result.WeightingResult` with method "trim"; ``iterations`` counts rounds;
        ``error_history`` holds the largest margin error after each round (the caps' breach is in
        ``notes``). Without convergence (``on_nonconvergence="warn"``) the weights are those of
        the round whose caps were breached least while the margins held.

    Raises:
        ValueError: no cap was given, or the caps leave no room.
        ConvergenceError: caps and margins cannot both hold (the caps are too tight for the
            sample), or ``target_deff`` cannot be reached.

    Example:
        >>> import pandas as pd
        >>> s = pd.DataFrame({"sex": ["f"] + ["m"] * 9, "age": ["y"] * 5 + ["o"] * 5})
        >>> r = trim(s, {"sex": {"f": 0.3, "m": 0.7}}, ratio_to_mean=2.5, on_nonconvergence="warn")
        ... # doctest: +SKIP

    Reference: Pew Research Center's raking with trimming at the 1st/99th percentiles; Battaglia,
    Izrael, Hoaglin & Frankel (2009) "Practical considerations in raking survey data"; R
    ``survey::trimWeights`` caps without re-raking.
    """
    check_common(tol, max_iter, on_nonconvergence)
    if redistribute not in REDISTRIBUTE:
        raise ValueError(
            f"redistribute={redistribute!r}: use 'rerake' (trim and rake again) or 'even' (R's trimWeights)"
        )
    options = {
        "ratio_to_mean": ratio_to_mean,
        "ratio_to_median": ratio_to_median,
        "percentiles": percentiles,
        "bounds": bounds,
    }
    if target_deff is None and all(v is None for v in options.values()):
        raise ValueError(
            "trim needs a cap: ratio_to_mean, ratio_to_median, percentiles, bounds or target_deff"
        )
    if target_deff is not None and not (isinstance(target_deff, (int, float)) and target_deff >= 1):
        raise ValueError(f"target_deff={target_deff!r}: a Kish design effect is at least 1")
    if target_deff is not None and redistribute == "even":
        raise ValueError("target_deff needs redistribute='rerake': the even spread takes fixed caps")
    prep = prepare(sample, targets, weights, sparse=sparse, collapse=collapse, min_cell=min_cell)
    cell_base = prep.cell_base()
    cell_w, ok, rake_history = rake_cells(prep.plan, cell_base, tol, max_iter)
    if not ok:
        raise ConvergenceError(
            f"raking before trimming did not converge in {max_iter} sweeps "
            f"(largest margin error {rake_history[-1]:.3g}): raise max_iter or collapse levels"
        )
    w0 = expand(prep.plan, prep.base, cell_base, cell_w)
    w0 *= prep.scale_total / w0.sum()
    mean = prep.scale_total / len(w0)
    low, high = _caps(w0, mean, options)
    settings = {
        **options,
        "target_deff": target_deff,
        "tol": tol,
        "max_iter": max_iter,
        "max_rounds": max_rounds,
        "redistribute": redistribute,
        "strict": strict,
        "sparse": sparse,
        "collapse": prep.normalised.collapse or None,
        "on_nonconvergence": on_nonconvergence,
        "min_cell": min_cell,
    }
    n_capped = int(((w0 > high * (1 + tol)) | ((w0 > 0) & (w0 < low * (1 - tol)))).sum())
    notes = [
        f"caps [{low:.6g}, {high:.6g}] (final-weight units); {n_capped} raked weight(s) were outside them"
    ]
    if redistribute == "even":
        w = trim_weights(w0, low, high, strict=strict)
        margin = margin_error(prep.plan, prep.plan.cell_base(w))
        notes.append(
            f"trimmed weight spread evenly over the other respondents (R's trimWeights); the margins "
            f"are no longer exact: largest margin error {margin:.3g}"
        )
        return finish(
            prep,
            w,
            method="trim",
            settings=settings,
            converged=True,
            iterations=1,
            history=[rake_history[0], margin],
            tol=tol,
            on_nonconvergence=on_nonconvergence,
            notes=notes,
            rerun=trim,
            calibrated=w0,
        )
    rounds = _trim_loop(prep, w0, low, high, tol, max_iter, max_rounds)
    what = f"caps [{low:.4g}, {high:.4g}] and the margins"
    if target_deff is not None and diagnostics.design_effect(rounds.weights) > target_deff * (1 + 1e-9):
        rounds, high = _search_deff(prep, w0, low, high, mean, target_deff, tol, max_iter, max_rounds)
        what = f"design effect {target_deff} with cap {high:.4g} and the margins"
    if not rounds.converged:
        breach = _cap_breach(rounds.weights, low, high)
        notes.append(
            f"caps and margins did not both hold: returned the round whose caps were breached least "
            f"(by {breach:.3g}, relative) while the margins held"
        )
    return finish(
        prep,
        rounds.weights,
        method="trim",
        settings=settings,
        converged=rounds.converged,
        iterations=rounds.rounds,
        history=[rake_history[0], *rounds.margin_errors],
        tol=tol,
        on_nonconvergence=on_nonconvergence,
        notes=notes,
        what=what,
        rerun=trim,
        failure=None if rounds.converged else max(rounds.margin_errors[-1], rounds.cap_breaches[-1]),
    )


def _search_deff(
    prep: Prepared,
    w0: np.ndarray,
    low: float,
    high: float,
    mean: float,
    target: float,
    tol: float,
    max_iter: int,
    max_rounds: int,
) -> tuple[TrimRounds, float]:
    """Bisection on the upper cap: the loosest cap whose trimmed-and-raked weights meet the deff."""
    hi_cap = min(high, float(w0.max()))
    lo_cap = max(low, mean) * (1 + 1e-9)
    best: tuple[TrimRounds, float] | None = None
    for _ in range(40):
        cap = (lo_cap + hi_cap) / 2
        rounds = _trim_loop(prep, w0, low, cap, tol, max_iter, max_rounds)
        if rounds.converged and diagnostics.design_effect(rounds.weights) <= target * (1 + 1e-9):
            best = (rounds, cap)
            lo_cap = cap
        elif rounds.converged:
            hi_cap = cap
        else:
            lo_cap = cap  # too tight to meet the margins: loosen
        if hi_cap - lo_cap <= 1e-6 * hi_cap:
            break
    if best is None:
        raise ConvergenceError(
            f"target_deff={target} cannot be reached: caps tight enough to reach it leave the "
            "margins unreachable; accept a larger design effect or collapse levels"
        )
    return best
