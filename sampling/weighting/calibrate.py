"""Calibration: linear (GREG) and bounded logit, by Newton steps on the cell table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from sampling.weighting.common import ConvergenceError, Prepared, check_common, finish, margin_error, prepare
from sampling.weighting.plan import CellPlan
from sampling.weighting.result import WeightingResult

CALIBRATION_METHODS = ("linear", "logit", "raking")
NEGATIVE_POLICIES = ("report", "error")
#: R's grake scales the design weights first when every target total exceeds the sample's by this.
R_RESCALE_THRESHOLD = 20.0
#: Most halvings of a Newton step that would not lower the calibration's dual objective.
MAX_HALVINGS = 50

Bounds = tuple[float, float]


def _canonical_order(plan: CellPlan) -> tuple[list[int], list[np.ndarray], np.ndarray]:
    """Margins, levels and cells in an order that does not depend on how the targets were written.

    Returns the margins' order, each margin's level ranks (position of every level in its sorted
    order) and the cells' permutation. Newton's iterates are then the same, bit for bit, whatever the
    order of the target mappings: converged weights are unique anyway, but a failed calibration
    returned with ``on_nonconvergence="warn"`` must not change with the reference level.
    """
    order = sorted(range(len(plan.keys)), key=lambda j: str(plan.keys[j]))
    ranks = []
    for levels in plan.levels:
        by_label = sorted(range(len(levels)), key=lambda i: (type(levels[i]).__name__, str(levels[i])))
        rank = np.empty(len(levels), dtype=np.intp)
        rank[by_label] = np.arange(len(levels))
        ranks.append(rank)
    columns = [ranks[j][plan.cell_levels[j]] for j in reversed(order)]
    return order, ranks, np.lexsort(columns) if columns else np.arange(len(plan.cell_count))


def _design(plan: CellPlan, order: list[int], ranks: list[np.ndarray], cells: np.ndarray) -> np.ndarray:
    """Cell-level model matrix in canonical order: an intercept and treatment-coded dummies of every margin."""
    blocks = [np.ones((len(cells), 1))]
    for j in order:
        dummies = np.zeros((len(cells), len(plan.shares[j])))
        dummies[np.arange(len(cells)), ranks[j][plan.cell_levels[j][cells]]] = 1.0
        blocks.append(dummies[:, 1:])
    return np.hstack(blocks)


def _population(plan: CellPlan, order: list[int], ranks: list[np.ndarray], total: float) -> np.ndarray:
    parts = [np.array([total])]
    for j in order:
        shares = np.empty(len(plan.shares[j]))
        shares[ranks[j]] = plan.shares[j]
        parts.append(shares[1:] * total)
    return np.concatenate(parts)


def _linear(u: np.ndarray, bounds: Bounds | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R's ``cal.linear``: F(u) = u truncated to [L − 1, U − 1]; also F's derivative and integral."""
    if bounds is None:
        return u, np.ones_like(u), u * u / 2
    low, high = bounds[0] - 1, bounds[1] - 1
    f = np.clip(u, low, high)
    integral = np.where(u > high, high * high / 2 + high * (u - high), f * f / 2)
    integral = np.where(u < low, low * low / 2 + low * (u - low), integral)
    return f, ((u > low) & (u < high)).astype(float), integral


def _logit(u: np.ndarray, bounds: Bounds | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R's ``cal.logit``: g = (L(U−1) + U(1−L)e^{Au}) / ((U−1) + (1−L)e^{Au}), A = (U−L)/((U−1)(1−L))."""
    assert bounds is not None  # _check_bounds requires them for "logit"
    low, high = bounds
    a, b, c, d = low * (high - 1), high * (1 - low), high - 1, 1 - low
    slope = (high - low) / ((high - 1) * (1 - low))
    z = slope * u
    # Written with e^{-|Au|} so neither branch overflows.
    e = np.exp(-np.abs(z))
    positive = z > 0
    g = np.where(positive, (a * e + b) / (c * e + d), (a + b * e) / (c + d * e))
    denominator = np.where(positive, c * e + d, c + d * e)
    deriv = slope * e * (1 - low) * (high - 1) * (high - low) / denominator**2
    # ∫₀ᵘ g = U·u + (L − U)·(u − (log(c + d·e^{Au}) − log(c + d))/A), and F = g − 1.
    log_mix = np.logaddexp(np.log(c), np.log(d) + z) - np.log(c + d)
    integral = high * u + (low - high) * (u - log_mix / slope) - u
    return g - 1, deriv, integral


def _raking(u: np.ndarray, bounds: Bounds | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R's ``cal.raking``: F(u) = min(max(e^u, L), U) − 1, derivative e^u for L − 1 < u < U − 1 (as R)."""
    low, high = (0.0, np.inf) if bounds is None else bounds
    with np.errstate(over="ignore", divide="ignore"):
        eu = np.exp(u)
        f = np.clip(eu, low, high) - 1
        deriv = np.where((u < high - 1) & (u > low - 1), eu, 0.0)
        integral = eu - 1 - u
        if np.isfinite(high):
            top = np.log(high)
            integral = np.where(u > top, high - 1 - top + (high - 1) * (u - top), integral)
        if low > 0:
            bottom = np.log(low)
            integral = np.where(u < bottom, low - 1 - bottom + (low - 1) * (u - bottom), integral)
    return f, deriv, integral


DISTANCES = {"linear": _linear, "logit": _logit, "raking": _raking}


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
    return max(margin_error(plan, cell_w), abs(float(cell_w.sum()) / total - 1))


def _check_bounds(method: str, bounds: Any) -> Bounds | None:
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


def solve_g(
    x: np.ndarray,
    cell_d: np.ndarray,
    population: np.ndarray,
    method: str,
    bounds: Bounds | None,
    converged_at: Callable[[np.ndarray], float],
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, bool, list[float]]:
    """Newton's method on the calibration equations ``Xᵀ(d·g(Xη)) = T`` (R's ``grake``).

    Each step is R's (``ginv`` of the Jacobian times the misfit), halved while it does not lower
    the dual objective ``Σ d·∫₀^{xη}F − ηᵀ(T − Xᵀd)``, whose gradient is minus the misfit: R halves
    only non-finite steps, and so can cycle where a solution exists. The solution is unique when
    it exists, so the halving changes how fast it is reached, not what is reached.

    Returns:
        The g-weights per cell, whether ``converged_at(cell weights) <= tol``, and the history.
    """
    distance = DISTANCES[method]
    gap = population - x.T @ cell_d

    def objective(eta: np.ndarray) -> float:
        return float(cell_d @ distance(x @ eta, bounds)[2] - eta @ gap)

    eta = np.zeros(x.shape[1])
    history = [converged_at(cell_d)]
    iterations = 0
    while history[-1] > tol and iterations < max_iter:
        f, deriv, _ = distance(x @ eta, bounds)
        misfit = gap - x.T @ (cell_d * f)
        hessian = (x * (cell_d * deriv)[:, None]).T @ x
        step = np.linalg.pinv(hessian, rcond=256 * np.finfo(float).eps) @ misfit
        before = objective(eta)
        for _ in range(MAX_HALVINGS):
            value = objective(eta + step)
            if np.isfinite(value) and value <= before + 1e-12 * (abs(before) + 1):
                break
            step = step / 2
        eta = eta + step
        iterations += 1
        f, _, _ = distance(x @ eta, bounds)
        history.append(converged_at(cell_d * (1 + f)))
    f, _, _ = distance(x @ eta, bounds)
    return 1 + f, history[-1] <= tol, history


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
        method: "linear" (R ``calfun="linear"``), "logit" (R ``calfun="logit"``, bounds required) or
            "raking" (R ``calfun="raking"``: the weights of ``rake``, optionally bounded, with
            the GREG-residual variance R uses after ``calibrate`` rather than ``rake``'s backfitting).
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
    ``calfun="linear"``, ``"logit"`` or ``"raking"`` and the same ``bounds``. Differs on purpose:
    a Newton step that does not lower the dual objective is halved (R halves only non-finite
    steps and can cycle where a solution exists), and the iteration runs on the margins' levels in
    sorted order, so results never depend on the order of the targets.
    """
    check_common(tol, max_iter, on_nonconvergence)
    if method not in CALIBRATION_METHODS:
        raise ValueError(f"method={method!r}: use 'linear', 'logit' or 'raking'")
    if negative not in NEGATIVE_POLICIES:
        raise ValueError(f"negative={negative!r}: use 'report' or 'error'")
    checked_bounds = _check_bounds(method, bounds)
    prep = prepare(sample, targets, weights, sparse=sparse, collapse=collapse, min_cell=min_cell)
    plan = prep.plan
    order, ranks, cells = _canonical_order(plan)
    cell_base = prep.cell_base()[cells]
    x = _design(plan, order, ranks, cells)
    population = _population(plan, order, ranks, prep.scale_total)
    scale = _design_scale(x, cell_base, population)
    cell_d = cell_base * scale
    unsorted = np.empty_like(cells)
    unsorted[cells] = np.arange(len(cells))

    def error(cell_w: np.ndarray) -> float:
        return _calibration_error(plan, cell_w[unsorted], prep.scale_total)

    g, converged, history = solve_g(x, cell_d, population, method, checked_bounds, error, tol, max_iter)
    iterations = len(history) - 1
    final = prep.base * (scale * g[unsorted])[plan.cell_of]
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
        rerun=calibrate,
    )


def refit_calibration(prep: Prepared, cell_base: np.ndarray, settings: Mapping[str, Any]) -> np.ndarray:
    """Calibrated weight per cell for other cell base weights (a replicate's), same targets and options.

    The cell-level core of :func:`calibrate`, for replicate designs: the plan is built once.

    Raises:
        ConvergenceError: no convergence and ``settings["on_nonconvergence"] == "raise"``.
    """
    plan = prep.plan
    order, ranks, cells = _canonical_order(plan)
    x = _design(plan, order, ranks, cells)
    population = _population(plan, order, ranks, prep.scale_total)
    base = cell_base[cells]
    scale = _design_scale(x, base, population)
    unsorted = np.empty_like(cells)
    unsorted[cells] = np.arange(len(cells))

    def error(cell_w: np.ndarray) -> float:
        return _calibration_error(plan, cell_w[unsorted], prep.scale_total)

    g, converged, history = solve_g(
        x,
        base * scale,
        population,
        settings["method"],
        settings["bounds"],
        error,
        settings["tol"],
        settings["max_iter"],
    )
    if not converged and settings.get("on_nonconvergence") == "raise":
        raise ConvergenceError(f"calibration did not converge (largest margin error {history[-1]:.3g})")
    return np.asarray((base * scale * g)[unsorted], dtype=float)
