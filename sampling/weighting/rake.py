"""Raking (iterative proportional fitting) to marginal targets, honouring base weights."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from sampling.weighting.common import check_common, expand, finish, prepare, rake_cells
from sampling.weighting.result import WeightingResult
from sampling.weighting.trim import trim as trim_method


def rake(
    sample: pd.DataFrame,
    targets: Any,
    *,
    weights: str | pd.Series | None = None,
    tol: float = 1e-6,
    max_iter: int = 100,
    trim: Mapping[str, Any] | None = None,
    sparse: str = "error",
    collapse: Mapping[str, Mapping[Any, Any]] | None = None,
    on_nonconvergence: str = "raise",
    min_cell: int = 1,
) -> WeightingResult:
    """Rake base weights to marginal targets by iterative proportional fitting.

    Respondents are compressed to their observed cells (unique combinations of the margins'
    levels); each sweep scales every margin in turn to its targets. Within a cell all
    respondents get the same factor, so base weights' ratios within a cell are preserved.

    Args:
        sample: respondents, one row each, with a column per margin.
        targets: ``{column: {level: share or count}}`` or a ``population.Targets`` (whose
            recoding maps are applied to the sample's columns first).
        weights: base/design weights: a column name or a Series aligned to ``sample``.
        tol: stop when the largest absolute margin error, in share units, is at most ``tol``.
        max_iter: most sweeps over the margins.
        trim: options of :func:`sampling.weighting.trim.trim` (for example
            ``{"ratio_to_mean": 5}``) to trim and re-rake until caps and margins both hold.
        sparse: what to do with a target level that has fewer than ``min_cell`` respondents:
            "error" (refuse), "collapse" (refuse unless ``collapse`` maps it), "drop" (drop the
            level and rescale the margin's other targets; reported in ``notes``).
        collapse: ``{column: {rare_level: neighbour_level}}``, applied to respondents and to targets.
        on_nonconvergence: "raise" (ConvergenceError) or "warn" (ConvergenceWarning, and the
            result has ``converged=False``).
        min_cell: smallest number of respondents a target level may have.

    Returns:
        A :class:`~sampling.result.WeightingResult`. Weights sum to n for share targets and to
        the population total for count targets.

    Raises:
        InfeasibleTargetsError: a target level with no respondents, a respondent level with no
            target, a zero or negative target, or count margins with different totals.
        ConvergenceError: the tolerance was not met in ``max_iter`` sweeps.

    Example:
        >>> import pandas as pd
        >>> s = pd.DataFrame({"sex": ["f", "f", "m", "m", "m", "m"], "age": ["y", "o", "y", "o", "o", "o"]})
        >>> r = rake(s, {"sex": {"f": 0.5, "m": 0.5}, "age": {"y": 0.5, "o": 0.5}}, tol=1e-10)
        >>> r.weights.round(4).tolist()  # (f,y) = 3√3/(1+√3): raking keeps the odds ratio 3
        [1.9019, 1.0981, 1.0981, 0.634, 0.634, 0.634]

    Reference: Deming & Stephan (1940); agrees with R ``survey::rake`` (and
    ``calibrate(calfun="raking")``) when both iterate to convergence.
    """
    check_common(tol, max_iter, on_nonconvergence)
    if trim is not None:
        if not isinstance(trim, Mapping):
            raise TypeError("trim must be a mapping of trim() options, e.g. {'ratio_to_mean': 5}")
        return trim_method(
            sample,
            targets,
            weights=weights,
            tol=tol,
            max_iter=max_iter,
            sparse=sparse,
            collapse=collapse,
            on_nonconvergence=on_nonconvergence,
            min_cell=min_cell,
            **trim,
        )
    prep = prepare(sample, targets, weights, sparse=sparse, collapse=collapse, min_cell=min_cell)
    cell_base = prep.cell_base()
    cell_w, converged, history = rake_cells(prep.plan, cell_base, tol, max_iter)
    final = expand(
        prep.plan, None if prep.unit_base else prep.base, cell_base, cell_w, total=prep.scale_total
    )
    settings = {
        "tol": tol,
        "max_iter": max_iter,
        "sparse": sparse,
        "collapse": prep.normalised.collapse or None,
        "on_nonconvergence": on_nonconvergence,
        "min_cell": min_cell,
    }
    return finish(
        prep,
        final,
        method="rake",
        settings=settings,
        converged=converged,
        iterations=len(history) - 1,
        history=history,
        tol=tol,
        on_nonconvergence=on_nonconvergence,
        rerun=rake,
        cell_final=cell_w * (prep.scale_total / cell_w.sum()),
    )
