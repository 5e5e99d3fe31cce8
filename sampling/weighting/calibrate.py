"""Calibration: linear (GREG) and bounded logit, by Newton steps on the cell table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sampling.result import WeightingResult
from sampling.weighting.common import check_common, finish, margin_error, prepare
from sampling.weighting.plan import CellPlan

CALIBRATION_METHODS = ("linear", "logit")
NEGATIVE_POLICIES = ("report", "error")
#: R's grake scales the design weights first when every target total exceeds the sample's by this.
R_RESCALE_THRESHOLD = 20.0


def _design(plan: CellPlan) -> np.ndarray:
    """Cell-level model matrix: an intercept and treatment-coded dummies of every margin."""
    blocks = [np.ones((len(plan.cell_count), 1))]
    for levels, shares in zip(plan.cell_levels, plan.shares):
        dummies = np.zeros((len(levels), len(shares)))
        dummies[np.arange(len(levels)), levels] = 1.0
        blocks.append(dummies[:, 1:])
    return np.hstack(blocks)


def _linear(u: np.ndarray, bounds: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray]:
    if bounds is None:
        return u, np.ones_like(u)
    low, high = bounds[0] - 1, bounds[1] - 1
    return np.clip(u, low, high), ((u > low) & (u < high)).astype(float)


def _logit(u: np.ndarray, bounds: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    # R survey's cal.logit: g = (L(U-1) + U(1-L)e^{Au}) / ((U-1) + (1-L)e^{Au}), A = (U-L)/((U-1)(1-L)),
    # written with e^{-|Au|} so neither branch overflows.
    low, high = bounds
    a, b, c, d = low * (high - 1), high * (1 - low), high - 1, 1 - low
    slope = (high - low) / ((high - 1) * (1 - low))
    z = slope * u
    e = np.exp(-np.abs(z))
    positive = z > 0
    g = np.where(positive, (a * e + b) / (c * e + d), (a + b * e) / (c + d * e))
    denominator = np.where(positive, c * e + d, c + d * e)
    deriv = slope * e * (1 - low) * (high - 1) * (high - low) / denominator**2
    return g - 1, deriv


def _design_scale(x: np.ndarray, cell_base: np.ndarray, population: np.ndarray) -> float:
    """Factor the design weights are scaled by before calibrating: 1, unless R would rescale.

    R's ``grake`` keeps the design weights as given, except when every population total is more
    than 20 times the design-weighted sample total; then it multiplies them by the mean of those
    ratios (warning that bounds are read after the rescaling).
    """
    scales = population / (x.T @ cell_base)
    return float(scales.mean()) if scales.min() > R_RESCALE_THRESHOLD else 1.0


def _calibration_error(plan: CellPlan, cell_w: np.ndarray, total: float) -> float:
    """Largest share error, or relative error of the weights' total, whichever is larger."""
    return max(margin_error(plan, cell_w), abs(cell_w.sum() / total - 1))


def _check_bounds(method: str, bounds: Any) -> tuple[float, float] | None:
    if bounds is None:
        if method == "logit":
            raise ValueError(
                "method='logit' needs bounds=(L, U) on the g-weights, e.g. bounds=(0.5, 2), with L < 1 < U"
            )
        return None
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"bounds={bounds!r}: give a pair (L, U) of g-weight ratios with L < 1 < U") from None
    if not (0 <= low < 1 < high < np.inf):
        raise ValueError(
            f"bounds={bounds!r}: need 0 ≤ L < 1 < U < inf (g-weights are ratios to the base weights)"
        )
    return low, high


def calibrate(
    sample: pd.DataFrame,
    targets: Any,
    *,
    weights: str | pd.Series | None = None,
    method: str = "linear",
    bounds: tuple[float, float] | None = None,
    tol: float = 1e-6,
    max_iter: int = 50,
    sparse: str = "error",
    collapse: Mapping[str, Mapping[Any, Any]] | None = None,
    on_nonconvergence: str = "raise",
    negative: str = "report",
    min_cell: int = 1,
) -> WeightingResult:
    """Calibrate base weights to marginal targets with a linear or bounded logit distance.

    The final weight is ``d·g`` with ``g = 1 + F(x'λ)``, x the respondent's margin indicators
    (an intercept plus treatment-coded dummies), and λ solved by Newton's method so the weighted
    totals hit the targets exactly. Linear calibration (GREG) without bounds is the closed form
    reached in one step; its weights can be negative. ``bounds=(L, U)`` keeps every g-weight in
    [L, U]: truncated for "linear", smoothly for "logit".

    As in R, ``g = w/d`` with ``d`` the base weights *as given*, and the weights ``w`` sum to the
    target total (n for share targets). So base weights whose total is far from it need bounds
    wide enough for the ratio: with share targets and base weights summing to a population N,
    g is near n/N; give count targets of that population, or base weights scaled to n. Only
    when every target total exceeds the base-weighted sample total more than 20-fold are the
    base weights first scaled by the mean ratio, as R's ``grake`` does (noted in ``notes``).

    Args:
        sample: respondents.
        targets: ``{column: {level: share or count}}`` or a ``population.Targets``.
        weights: base weights (column name or Series).
        method: "linear" (R ``calfun="linear"``) or "logit" (R ``calfun="logit"``, bounds required).
        bounds: (L, U) on g = final / base weight, base weights as given (R's ``bounds``).
        tol: largest absolute margin error (share units), and relative error of the weights'
            total, to stop at.
        max_iter: most Newton steps.
        sparse: "error", "collapse" or "drop" (see ``rake``).
        collapse: ``{column: {rare_level: neighbour_level}}``.
        on_nonconvergence: "raise" or "warn".
        negative: "report" (count them in ``notes`` and ``n_negative``) or "error" (refuse
            negative weights; use bounds or method="logit" to avoid them).
        min_cell: smallest number of respondents a target level may have.

    Returns:
        A :class:`~sampling.result.WeightingResult`.

    Raises:
        InfeasibleTargetsError: as for ``rake``.
        ConvergenceError: the bounds cannot be met (R warns "Failed to converge").
        ValueError: negative weights with ``negative="error"``, or bad options.

    Example:
        >>> import pandas as pd
        >>> s = pd.DataFrame({"sex": ["f", "m", "m", "m"]})
        >>> calibrate(s, {"sex": {"f": 0.5, "m": 0.5}}).weights.round(4).tolist()
        [2.0, 0.6667, 0.6667, 0.6667]

    Reference: Deville & Särndal (1992); agrees with R ``survey::calibrate`` (``grake``) with
    ``calfun="linear"`` or ``calfun="logit"`` and the same ``bounds``.
    """
    check_common(tol, max_iter, on_nonconvergence)
    if method not in CALIBRATION_METHODS:
        raise ValueError(f"method={method!r}: use 'linear' or 'logit'")
    if negative not in NEGATIVE_POLICIES:
        raise ValueError(f"negative={negative!r}: use 'report' or 'error'")
    checked_bounds = _check_bounds(method, bounds)
    prep = prepare(sample, targets, weights, sparse=sparse, collapse=collapse, min_cell=min_cell)
    plan = prep.plan
    cell_base = prep.cell_base()
    x = _design(plan)
    population = np.concatenate([[prep.scale_total], *[s[1:] * prep.scale_total for s in plan.shares]])
    scale = _design_scale(x, cell_base, population)
    cell_d = cell_base * scale
    distance = _logit if method == "logit" else _linear
    eta = np.zeros(x.shape[1])
    history = [_calibration_error(plan, cell_d, prep.scale_total)]
    iterations = 0
    converged = history[-1] <= tol
    while not converged and iterations < max_iter:
        f, deriv = distance(x @ eta, checked_bounds)
        misfit = population - x.T @ (cell_d * (1 + f))
        hessian = (x * (cell_d * deriv)[:, None]).T @ x
        step = np.linalg.pinv(hessian, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + step
        f, _ = distance(x @ eta, checked_bounds)
        halvings = 0
        while not np.isfinite(f).all() and halvings < 50:
            step = step / 2
            eta = eta - step
            f, _ = distance(x @ eta, checked_bounds)
            halvings += 1
        iterations += 1
        history.append(_calibration_error(plan, cell_d * (1 + f), prep.scale_total))
        converged = history[-1] <= tol
    f, _ = distance(x @ eta, checked_bounds)
    g = 1 + f
    final = prep.base * (scale * g)[plan.cell_of]
    notes = []
    if scale != 1.0:
        notes.append(
            f"base weights scaled by {scale:.6g} before calibrating (every target total is over "
            f"{R_RESCALE_THRESHOLD:g}× the base-weighted sample total, as R's calibrate does); "
            "bounds apply to g after that scaling"
        )
    n_negative = int((final < 0).sum())
    if n_negative:
        if negative == "error":
            raise ValueError(
                f"linear calibration gave {n_negative} negative weight(s): pass bounds=(L, U) or "
                "method='logit', or collapse the margins that force them"
            )
        notes.append(f"{n_negative} negative weight(s) from unbounded linear calibration")
    settings = {
        "method": method,
        "bounds": checked_bounds,
        "tol": tol,
        "max_iter": max_iter,
        "sparse": sparse,
        "collapse": prep.normalised.collapse or None,
        "on_nonconvergence": on_nonconvergence,
        "negative": negative,
        "min_cell": min_cell,
    }
    return finish(
        prep,
        final,
        method="calibrate",
        settings=settings,
        converged=converged,
        iterations=iterations,
        history=history,
        tol=tol,
        on_nonconvergence=on_nonconvergence,
        notes=notes,
    )
