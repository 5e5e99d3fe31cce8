"""Shared steps of every weighting method: checking options, preparing cells, packaging results."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from sampling.weighting.plan import (
    CellPlan,
    MarginKey,
    NormalisedTargets,
    base_weights_array,
    build_plan,
    normalise_targets,
)
from sampling.weighting.result import WeightingResult

NONCONVERGENCE_POLICIES = ("raise", "warn")


class ConvergenceError(RuntimeError):
    """A method stopped before meeting its tolerance (``on_nonconvergence="raise"``)."""


class ConvergenceWarning(UserWarning):
    """A method stopped before meeting its tolerance (``on_nonconvergence="warn"``)."""


@dataclass(frozen=True)
class Prepared:
    """A sample ready for a method: base weights, normalised targets and the cell plan."""

    sample: pd.DataFrame
    base: np.ndarray
    normalised: NormalisedTargets
    plan: CellPlan
    targets: dict[MarginKey, dict[Any, float]]
    scale_total: float  # the sum the final weights are scaled to
    unit_base: bool = False  # no base weights were given: every base weight is 1

    def cell_base(self, base: np.ndarray | None = None) -> np.ndarray:
        """Summed base weights per cell."""
        if base is None and self.unit_base:
            return self.plan.cell_count.astype(float)
        return self.plan.cell_base(self.base if base is None else base)


def check_common(tol: float, max_iter: int, on_nonconvergence: str) -> None:
    """Refuse meaningless tolerance, iteration and non-convergence options."""
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise ValueError(f"tol={tol!r}: give a positive tolerance on the largest margin error (share units)")
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise ValueError(f"max_iter={max_iter!r}: give a positive whole number of iterations")
    if on_nonconvergence not in NONCONVERGENCE_POLICIES:
        raise ValueError(f"on_nonconvergence={on_nonconvergence!r}: use 'raise' or 'warn'")


def prepare(
    sample: pd.DataFrame, targets: Any, weights: Any, *, sparse: str, collapse: Any, min_cell: int
) -> Prepared:
    """Check base weights and targets, then compress the sample to cells."""
    if not (isinstance(min_cell, (int, np.integer)) and min_cell >= 1):
        raise ValueError(
            f"min_cell={min_cell!r}: give the smallest number of respondents a level may have (≥ 1)"
        )
    if not isinstance(sample, pd.DataFrame):
        raise TypeError("sample must be a pandas DataFrame of respondents")
    base = base_weights_array(sample, weights)
    normalised = normalise_targets(targets, collapse)
    plan, used = build_plan(sample, normalised, sparse=sparse, min_cell=int(min_cell), base=base)
    scale_total = float(len(sample)) if normalised.total is None else normalised.total
    return Prepared(
        sample=sample,
        base=base,
        normalised=normalised,
        plan=plan,
        targets=used,
        scale_total=scale_total,
        unit_base=weights is None,
    )


def margin_error(plan: CellPlan, cell_w: np.ndarray) -> float:
    """Largest absolute difference between a weighted share and its target share."""
    total = cell_w.sum()
    if total <= 0:
        return float("inf")
    worst = 0.0
    for levels, shares in zip(plan.cell_levels, plan.shares):
        got = np.bincount(levels, weights=cell_w, minlength=len(shares)) / total
        worst = max(worst, float(np.max(np.abs(got - shares))))
    return worst


def _margin_table(plan: CellPlan, base_cell: np.ndarray, final_cell: np.ndarray) -> pd.DataFrame:
    rows = []
    for key, levels, cl, shares in zip(plan.keys, plan.levels, plan.cell_levels, plan.shares):
        before = np.bincount(cl, weights=base_cell, minlength=len(levels)) / base_cell.sum()
        after = np.bincount(cl, weights=final_cell, minlength=len(levels)) / final_cell.sum()
        name = " × ".join(key) if isinstance(key, tuple) else key
        for i, level in enumerate(levels):
            rows.append((name, level, float(shares[i]), float(before[i]), float(after[i])))
    return pd.DataFrame(rows, columns=["variable", "level", "target", "unweighted", "weighted"])


def variables_of(keys: tuple[MarginKey, ...]) -> tuple[str, ...]:
    """Column names of the margins, each once, in order."""
    out: list[str] = []
    for key in keys:
        for col in key if isinstance(key, tuple) else (key,):
            if col not in out:
                out.append(col)
    return tuple(out)


def finish(
    prep: Prepared,
    weights: np.ndarray,
    *,
    method: str,
    settings: dict[str, Any],
    converged: bool,
    iterations: int,
    history: list[float],
    tol: float,
    on_nonconvergence: str,
    notes: list[str] | None = None,
    what: str = "the margins",
    cell_final: np.ndarray | None = None,
    rerun: Callable[..., WeightingResult] | None = None,
    failure: float | None = None,
    calibrated: np.ndarray | None = None,
) -> WeightingResult:
    """Scale the weights to their total, build the result, and act on non-convergence.

    ``cell_final`` (summed final weights per cell, already scaled) saves a pass over respondents;
    ``rerun`` is the method itself (``WeightingResult.reweight`` calls it); ``failure`` is the
    error to report on non-convergence when it is not the last margin error.
    """
    if cell_final is None:
        total = weights.sum()
        final = weights * (prep.scale_total / total) if total > 0 else weights
    else:
        final = weights
    plan = prep.plan
    notes = list(notes or [])
    for key, level in plan.dropped:
        notes.append(
            f"level {level!r} of {key} had no respondents and was dropped (sparse='drop'); "
            "the other levels' targets were rescaled to sum to 1"
        )
    if not converged:
        message = (
            f"{method} did not converge in {iterations} iteration(s): largest margin error "
            f"{history[-1] if failure is None else failure:.3g} > tol {tol:g} on {what}; raise max_iter, loosen tol, widen the bounds "
            "or collapse sparse levels"
        )
        if on_nonconvergence == "raise":
            raise ConvergenceError(message)
        warnings.warn(message, ConvergenceWarning, stacklevel=3)
        notes.append(message)
    index = prep.sample.index
    table = _margin_table(plan, prep.cell_base(), plan.cell_base(final) if cell_final is None else cell_final)
    # The final weights are the method's own new array: wrapping it without pandas' defensive copy
    # saves a pass over the respondents. Base weights may be a view of the caller's column: copied.
    return WeightingResult(
        weights=pd.Series(final, index=index, name="weight", copy=False),
        base_weights=pd.Series(prep.base, index=index, name="base_weight", copy=not prep.unit_base),
        method=method,
        variables=variables_of(plan.keys),
        targets={k: dict(v) for k, v in prep.targets.items()},
        settings=settings,
        converged=bool(converged),
        iterations=int(iterations),
        error_history=tuple(float(e) for e in history),
        population_total=prep.normalised.total,
        notes=tuple(notes),
        margin_table=table,
        rerun=rerun,
        calibrated_weights=None
        if calibrated is None
        else pd.Series(calibrated, index=index, name="calibrated_weight"),
    )


def rake_cells(
    plan: CellPlan, cell_base: np.ndarray, tol: float, max_iter: int
) -> tuple[np.ndarray, bool, list[float]]:
    """Iterative proportional fitting on the cell table.

    Each sweep scales every margin in turn to its targets with one weighted ``bincount``; the
    stopping rule is the largest absolute share error across all margins after a sweep.
    """
    total = cell_base.sum()
    goals = [shares * total for shares in plan.shares]
    cell_w = cell_base.astype(float, copy=True)
    history = [margin_error(plan, cell_w)]
    iterations = 0
    while history[-1] > tol and iterations < max_iter:
        for levels, goal in zip(plan.cell_levels, goals):
            got = np.bincount(levels, weights=cell_w, minlength=len(goal))
            ratio = np.divide(goal, got, out=np.zeros_like(goal), where=got > 0)
            cell_w *= ratio[levels]
        iterations += 1
        history.append(margin_error(plan, cell_w))
    return cell_w, history[-1] <= tol, history


def rake_cells_many(
    plan: CellPlan, cell_base: np.ndarray, tol: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`rake_cells` on many cell tables at once (cells × tables), as replicate designs need.

    Every table runs the same sweeps; a table that meets ``tol`` early keeps being swept with the
    others, which only brings it closer to the same fixed point.

    Returns:
        The raked cell weights and, per table, whether it met ``tol``.
    """
    cell_w = cell_base.astype(float, copy=True)
    total = cell_w.sum(axis=0)
    one_hot = [
        sparse.csr_array(
            (np.ones(levels.size), (levels, np.arange(levels.size))), shape=(len(shares), levels.size)
        )
        for levels, shares in zip(plan.cell_levels, plan.shares)
    ]

    def worst() -> np.ndarray:
        errors = [
            np.abs((m @ cell_w) / total - shares[:, None]).max(axis=0)
            for m, shares in zip(one_hot, plan.shares)
        ]
        return np.asarray(np.max(errors, axis=0), dtype=float)

    error = worst()
    for _ in range(max_iter):
        if (error <= tol).all():
            break
        for m, levels, shares in zip(one_hot, plan.cell_levels, plan.shares):
            got = m @ cell_w
            goal = shares[:, None] * total[None, :]
            ratio = np.divide(goal, got, out=np.zeros_like(goal), where=got > 0)
            cell_w *= ratio[levels]
        error = worst()
    return cell_w, error <= tol


def expand(
    plan: CellPlan,
    base: np.ndarray | None,
    cell_base: np.ndarray,
    cell_w: np.ndarray,
    total: float | None = None,
) -> np.ndarray:
    """Respondent weights: base weight times the cell's adjustment factor (one ``take``).

    With ``total``, the factors are scaled so the weights sum to it; ``base=None`` means unit
    base weights (the multiplication is skipped).
    """
    factor = np.divide(cell_w, cell_base, out=np.zeros_like(cell_w), where=cell_base > 0)
    if total is not None:
        factor *= total / cell_w.sum()
    taken = np.asarray(factor[plan.cell_of], dtype=float)
    return taken if base is None else np.asarray(base * taken)
