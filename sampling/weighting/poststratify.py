"""Post-stratification to one margin or to a joint table of crossed variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sampling.weighting.common import check_common, expand, finish, margin_error, prepare
from sampling.weighting.result import WeightingResult


def poststratify(
    sample: pd.DataFrame,
    targets: Any,
    *,
    weights: str | pd.Series | None = None,
    tol: float = 1e-6,
    max_iter: int = 100,
    sparse: str = "error",
    collapse: Mapping[str, Mapping[Any, Any]] | None = None,
    on_nonconvergence: str = "raise",
    min_cell: int = 1,
) -> WeightingResult:
    """Post-stratify: scale base weights within each stratum so strata match their targets.

    Args:
        sample: respondents.
        targets: one margin, ``{column: {level: share}}``, or a joint table keyed by a tuple of
            columns with tuple levels: ``{("specialty", "sex"): {("cardiology", "female"): 0.02, ...}}``.
            Counts are accepted (weights then sum to the population total).
        weights: base weights (column name or Series).
        tol: the fit is exact; ``tol`` only checks it.
        max_iter: accepted for the common signature; post-stratification takes one step.
        sparse: "error", "collapse" or "drop" for strata without respondents (see ``rake``).
        collapse: ``{column: {rare_level: neighbour_level}}``.
        on_nonconvergence: "raise" or "warn" (only reachable through rounding).
        min_cell: smallest number of respondents a stratum may have.

    Returns:
        A :class:`~sampling.result.WeightingResult` with ``iterations == 1``.

    Raises:
        ValueError: more than one margin was given (use ``rake`` or a joint table).
        InfeasibleTargetsError: as for ``rake``.

    Example:
        >>> import pandas as pd
        >>> s = pd.DataFrame({"sex": ["f", "m", "m", "m"]})
        >>> poststratify(s, {"sex": {"f": 0.5, "m": 0.5}}).weights.round(4).tolist()
        [2.0, 0.6667, 0.6667, 0.6667]

    Reference: Holt & Smith (1979); agrees with R ``survey::postStratify``.
    """
    check_common(tol, max_iter, on_nonconvergence)
    if isinstance(targets, Mapping) and len(targets) != 1:
        raise ValueError(
            f"poststratify takes one margin or one joint table, got {len(targets)} "
            f"({', '.join(map(str, targets))}): cross them in a tuple key or use rake()"
        )
    prep = prepare(sample, targets, weights, sparse=sparse, collapse=collapse, min_cell=min_cell)
    plan = prep.plan
    cell_base = prep.cell_base()
    history = [margin_error(plan, cell_base)]
    levels, shares = plan.cell_levels[0], plan.shares[0]
    stratum = np.bincount(levels, weights=cell_base, minlength=len(shares))
    goal = shares * cell_base.sum()
    ratio = np.divide(goal, stratum, out=np.zeros_like(goal), where=stratum > 0)
    cell_w = cell_base * ratio[levels]
    history.append(margin_error(plan, cell_w))
    final = expand(plan, None if prep.unit_base else prep.base, cell_base, cell_w, total=prep.scale_total)
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
        method="poststratify",
        settings=settings,
        converged=history[-1] <= tol,
        iterations=1,
        history=history,
        tol=tol,
        on_nonconvergence=on_nonconvergence,
        rerun=poststratify,
        cell_final=cell_w * (prep.scale_total / cell_w.sum()),
    )
