"""Replicate weights (JK1, JKn by stratum, the bootstrap), each replicate re-weighted, computed once.

Each replicate's base weights are re-raked (or re-calibrated, or re-post-stratified) to the same
targets, as R's survey does for a replicate design built before ``rake``. The respondents of a
weighting cell share their adjustment, so a replicate is re-weighted on the cell table of the
original weighting (a few hundred rows, the plan built once), not by re-running the method on the
respondents: 2,000 JK1 replicates take well under a second. Methods without a cell-level refit
(trimming) fall back to ``WeightingResult.reweight`` replicate by replicate. The replicate weights
belong to the weighting result, like R's ``svrepdesign``: they are kept on it and reused by every
estimate, test and difference that asks for the same replicates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from sampling.variance import Array, Design, point
from sampling.weighting.calibrate import refit_calibration
from sampling.weighting.common import Prepared, prepare, rake_cells, rake_cells_many
from sampling.weighting.plan import CellPlan

#: Above this many replicate-weight entries (n × R), refuse rather than exhaust memory.
MAX_REPLICATE_ENTRIES = 200_000_000


@dataclass(frozen=True)
class ReplicateWeights:
    """A replicate design: one column of final weights per replicate.

    Attributes:
        method: "jackknife" (JK1, or JKn by stratum) or "bootstrap".
        weights: n × R replicate weights, re-weighted; a column of NaN where a replicate could not
            be re-weighted (a target level left without respondents), dropped as R drops NA.
        rscales: each replicate's scale ((n_h − 1)/n_h for the jackknife, 1 for the bootstrap).
        scale: the overall scale (1 for the jackknife, n/((n − 1)(R − 1)) for the bootstrap, n the
            harmonic mean of the strata's sizes).
        df: degrees of freedom, the rank of the replicate weights less one (R's ``degf``).
    """

    method: str
    weights: Array
    rscales: Array
    scale: float
    df: float

    @property
    def replicates(self) -> int:
        """Number of replicates."""
        return int(self.weights.shape[1])


def _strata(design: Design) -> Array:
    return (
        np.zeros(design.n, dtype=np.intp)
        if design.strata is None
        else np.unique(design.strata, return_inverse=True)[1].astype(np.intp)
    )


def _jackknife_factors(design: Design) -> tuple[Array, Array]:
    """Delete-one factors (n × n) and each replicate's scale (n_h − 1)/n_h: JK1, or JKn by stratum."""
    stratum_of = _strata(design)
    sizes = np.bincount(stratum_of).astype(float)
    with np.errstate(divide="ignore"):
        inflate = (sizes / (sizes - 1))[stratum_of]
    same = stratum_of[:, None] == stratum_of[None, :]
    factors = np.where(same, inflate[:, None], 1.0)
    np.fill_diagonal(factors, 0.0)
    nh = sizes[stratum_of]
    return factors, (nh - 1) / nh


def _bootstrap_factors(design: Design, replicates: int, seed: int | None) -> Array:
    """Resampling counts (n × R): n_h draws with replacement within each stratum."""
    rng = np.random.default_rng(seed)
    n = design.n
    draws = np.concatenate(
        [rows[rng.integers(0, rows.size, size=(replicates, rows.size))] for rows in design.stratum_rows()],
        axis=1,
    )
    # Times each respondent is drawn, per replicate (a multinomial(n_h, 1/n_h) vector per stratum).
    flat = (draws + (np.arange(replicates) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=replicates * n).reshape(replicates, n).T.astype(float)


def _constraints(design: Design) -> int:
    """Independent linear constraints every replicate's weights meet (calibration totals, or the base sums).

    A calibrated replicate meets ``Xᵀw = T`` (rank of X constraints, per country when pooled); an
    uncalibrated jackknife or bootstrap replicate keeps each stratum's sum of ``w/d``.
    """
    if design.calibration == "pooled":
        return sum(_constraints(part) for _rows, part in design.parts)
    if design.calibration == "none":
        return len(design.stratum_rows())
    return int(np.linalg.matrix_rank(design.cells()[1]))


def _rank_df(size: int, design: Design) -> float:
    """R's ``degf`` of a replicate design: the rank of its (re-weighted) replicate weights less one.

    The R columns lie in an affine space of dimension n − c (c independent constraints, see
    :func:`_constraints`), so they span at most n − c + 1 dimensions, and generic replicates span
    that many or R, whichever is smaller; R finds the same rank by a QR decomposition of the n × R
    matrix (``qr(weights(design, "analysis"), tol = 1e-5)``), which this avoids.
    """
    return float(min(size, design.n - _constraints(design) + 1) - 1)


def _margin_frame(sample: pd.DataFrame, result: Any) -> pd.DataFrame:
    """The margin columns as categoricals, so each replicate's re-weighting skips re-factorising text."""
    columns = [c for c in getattr(result, "variables", ()) if c in sample.columns]
    if not columns:
        return sample
    return pd.DataFrame(
        {
            c: sample[c] if isinstance(sample[c].dtype, pd.CategoricalDtype) else sample[c].astype("category")
            for c in columns
        },
        index=sample.index,
    )


def _observed(plan: CellPlan) -> CellPlan:
    """The plan without its empty cells (a small cell space is kept whole by ``build_plan``)."""
    keep = plan.cell_count > 0
    if keep.all():
        return plan
    remap = np.cumsum(keep) - 1
    return replace(
        plan,
        cell_of=remap[plan.cell_of],
        cell_levels=tuple(levels[keep] for levels in plan.cell_levels),
        cell_count=plan.cell_count[keep],
    )


def _refit_cells(prep: Prepared, result: Any, cell_base: Array, warm: Array) -> Array | None:
    """Final weight per unit of base weight, per cell, for replicate cell base weights; None if infeasible.

    Raking starts from the full sample's cell factors (``warm``): they are a product of margin
    factors, so the raking solution is the same as from the replicate's own base weights, reached
    in a few sweeps because a replicate is close to the full sample.
    """
    plan = prep.plan
    for levels, shares in zip(plan.cell_levels, plan.shares):
        if (np.bincount(levels, weights=cell_base, minlength=len(shares)) <= 0).any():
            return None  # the replicate empties a target level: R gives NA
    settings = result.settings
    if result.method == "rake":
        cell_w, converged, history = rake_cells(plan, cell_base * warm, settings["tol"], settings["max_iter"])
        if not converged:
            raise RuntimeError(f"raking did not converge (largest margin error {history[-1]:.3g})")
    elif result.method == "poststratify":
        levels, shares = plan.cell_levels[0], plan.shares[0]
        stratum = np.bincount(levels, weights=cell_base, minlength=len(shares))
        cell_w = cell_base * (shares * cell_base.sum() / stratum)[levels]
    else:
        cell_w = refit_calibration(prep, cell_base, settings)
    total = cell_w.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(cell_base != 0, cell_w / cell_base, 0.0) * (prep.scale_total / total))


def _reweight(sample: pd.DataFrame, result: Any, base: Array, method: str) -> Array:
    """Re-weight every replicate's base weights (n × R) with ``result``'s method and targets.

    Replicates are re-weighted on the cell table; replicates whose cell base weights are the same up
    to rounding (a JK1 deletion of either of two like respondents of one cell) are re-weighted once.
    """
    size = base.shape[1]
    if result.method not in ("rake", "poststratify", "calibrate"):
        return _reweight_respondents(sample, result, base, method)
    prep = prepare(
        sample,
        result.target_counts(),
        None,
        sparse="error",
        collapse=result.settings.get("collapse"),
        min_cell=1,
    )
    prep = replace(prep, plan=_observed(prep.plan))
    cells = prep.plan.cell_of
    count = len(prep.plan.cell_count)
    cell_base = np.stack(
        [np.bincount(cells, weights=base[:, r], minlength=count) for r in range(size)], axis=1
    )
    full_base = np.bincount(
        cells, weights=result.base_weights.reindex(sample.index).to_numpy(), minlength=count
    )
    full = np.bincount(cells, weights=result.weights.reindex(sample.index).to_numpy(), minlength=count)
    with np.errstate(invalid="ignore", divide="ignore"):
        warm = np.where(full_base > 0, full / full_base, 1.0)
        relative = np.round(cell_base / np.where(full_base > 0, full_base, 1.0)[:, None], 12)
    first: dict[bytes, int] = {}
    inverse = np.array([first.setdefault(relative[:, r].tobytes(), len(first)) for r in range(size)])
    representative = np.empty(len(first), dtype=np.intp)
    representative[inverse[::-1]] = np.arange(size)[::-1]
    factors = _refit_many(prep, result, cell_base[:, representative], warm, method, representative)
    return np.asarray(base * factors[cells][:, inverse], dtype=float)


def _refit_many(
    prep: Prepared, result: Any, cell_base: Array, warm: Array, method: str, numbers: Array
) -> Array:
    """Cell factors (cells × replicates) for many replicate cell tables; NaN columns where infeasible."""
    plan = prep.plan
    feasible = np.ones(cell_base.shape[1], dtype=bool)
    for levels, shares in zip(plan.cell_levels, plan.shares):
        level_mass = np.zeros((len(shares), cell_base.shape[1]))
        np.add.at(level_mass, levels, cell_base)
        feasible &= (level_mass > 0).all(axis=0)
    factors = np.full(cell_base.shape, np.nan)
    if result.method == "rake":
        settings = result.settings
        cell_w, converged = rake_cells_many(
            plan, cell_base[:, feasible] * warm[:, None], settings["tol"], settings["max_iter"]
        )
        if not converged.all():
            number = int(numbers[np.flatnonzero(feasible)[np.argmin(converged)]]) + 1
            raise RuntimeError(
                f"{method} replicate {number} could not be re-weighted by 'rake': raking did not converge. "
                "Use variance='linearization', or loosen the weighting options"
            )
        base = cell_base[:, feasible]
        with np.errstate(invalid="ignore", divide="ignore"):
            factors[:, feasible] = np.where(base != 0, cell_w / base, 0.0) * (
                prep.scale_total / cell_w.sum(axis=0)
            )
        return factors
    for u in np.flatnonzero(feasible):
        try:
            factor = _refit_cells(prep, result, cell_base[:, u], warm)
        except RuntimeError as error:
            raise RuntimeError(
                f"{method} replicate {int(numbers[u]) + 1} could not be re-weighted by {result.method!r}: "
                f"{error}. Use variance='linearization', or loosen the weighting options"
            ) from error
        factors[:, u] = np.nan if factor is None else factor
    return factors


def _reweight_respondents(sample: pd.DataFrame, result: Any, base: Array, method: str) -> Array:
    """Re-run the weighting method on the respondents, replicate by replicate (methods without a cell refit)."""
    n, size = base.shape
    frame = _margin_frame(sample, result)
    columns = []
    for r in range(size):
        try:
            columns.append(np.asarray(result.reweight(frame, base[:, r]).weights, dtype=float))
        except ValueError:  # a replicate that empties a target level cannot be re-weighted
            columns.append(np.full(n, np.nan))
        except RuntimeError as error:
            raise RuntimeError(
                f"{method} replicate {r + 1} could not be re-weighted by {result.method!r}: {error}. "
                "Use variance='linearization', or loosen the weighting options"
            ) from error
    return np.stack(columns, axis=1)


def replicate_weights(
    sample: pd.DataFrame,
    result: Any | None,
    design: Design,
    *,
    method: str,
    replicates: int = 200,
    seed: int | None = None,
) -> ReplicateWeights:
    """The replicate weights of ``result`` for ``sample``, computed once and kept on the result.

    Args:
        sample: the respondents that were weighted.
        result: a WeightingResult or PooledResult (each replicate re-weighted), a Series of fixed
            design weights or None (replicates not re-weighted).
        design: the full-sample design (:func:`sampling.variance.design_of`).
        method: "jackknife" (JK1; JKn within countries for a pooled result) or "bootstrap".
        replicates: bootstrap replicates (the jackknife has one per respondent).
        seed: seed of the bootstrap draws.

    Returns:
        A :class:`ReplicateWeights`; the same object on every call with the same arguments.

    Raises:
        ValueError: the replicate weights would not fit in memory (n × R above 2·10⁸).
        RuntimeError: the weighting method failed to converge on a replicate.

    Example:
        >>> import pandas as pd
        >>> from sampling.variance import design_of
        >>> s = pd.DataFrame({"y": [0.0, 1.0, 1.0]})
        >>> rw = replicate_weights(s, None, design_of(s, None), method="jackknife")
        >>> rw.weights[:, 0].tolist(), rw.df
        ([0.0, 1.5, 1.5], 2.0)

    Reference: R survey ``as.svrepdesign(design, type="JK1"|"JKn"|"bootstrap", compress=FALSE)``
    then ``rake``/``calibrate``/``postStratify`` (re-weights every replicate); ``degf``.
    """
    cache = getattr(result, "_replicates", None)
    key = (method, replicates if method == "bootstrap" else None, seed if method == "bootstrap" else None)
    if cache is not None and key in cache and cache[key].weights.shape[0] == design.n:
        return cache[key]  # type: ignore[no-any-return]
    n = design.n
    size = n if method == "jackknife" else replicates
    if n * size > MAX_REPLICATE_ENTRIES:
        raise ValueError(
            f"{method} replicate weights for {n} respondents × {size} replicates would not fit in "
            "memory: use variance='linearization', or the bootstrap with fewer replicates"
        )
    if method == "jackknife":
        factors, rscales = _jackknife_factors(design)
        scale = 1.0
    else:
        factors = _bootstrap_factors(design, replicates, seed)
        rscales = np.ones(replicates)
        sizes = np.array([rows.size for rows in design.stratum_rows()], dtype=float)
        psu = float(1 / np.mean(1 / sizes))  # R's psu.per.strata
        scale = psu / ((psu - 1) * (replicates - 1))
    df = _rank_df(factors.shape[1], design)
    base = design.base[:, None] * factors
    if result is None or isinstance(result, pd.Series):
        weights = base
    elif hasattr(result, "by_country"):
        weights = _pooled(sample, result, design, base, method)
    else:
        weights = _reweight(sample, result, base, method)
    out = ReplicateWeights(method=method, weights=weights, rscales=rscales, scale=scale, df=df)
    if cache is not None:
        cache[key] = out
    return out


def _pooled(sample: pd.DataFrame, result: Any, design: Design, base: Array, method: str) -> Array:
    """Each country re-weighted on its own rows, then scaled to its pooled share, as ``pool`` does."""
    weights = np.tile(design.weights[:, None], (1, base.shape[1]))
    n = design.n
    for (rows, _part), (code, country_result) in zip(design.parts, result.by_country.items()):
        changed = np.flatnonzero((base[rows] != design.base[rows, None]).any(axis=0))
        if changed.size == 0:
            continue
        part = _reweight(sample.iloc[rows], country_result, base[np.ix_(rows, changed)], method)
        if result.combine == "population_share":
            with np.errstate(invalid="ignore", divide="ignore"):
                part = part * (n * result.population_shares[code] / part.sum(axis=0))
        weights[np.ix_(rows, changed)] = part
    return weights


@dataclass(frozen=True)
class ReplicateVariance:
    """Replicate estimates and the variance they give.

    Attributes:
        method: "jackknife" (JK1) or "bootstrap".
        replicates: fewest replicates any estimate used (replicates without an estimate are dropped,
            as R does with NA).
        dropped: most replicates any estimate lost (a level or domain left without respondents).
        variance: variance of each estimate.
        df: the replicate design's degrees of freedom (rank of the replicate weights − 1).
    """

    method: str
    replicates: int
    dropped: int
    variance: Array
    df: float = float("nan")


def variance_of(thetas: Array, weights: ReplicateWeights) -> ReplicateVariance:
    """Covariance-free replicate variance of R × k replicate estimates, R's ``svrVar``.

    Replicates without an estimate (NaN) are dropped estimate by estimate; estimates centre on the
    mean of the replicates (``options(survey.replicates.mse = FALSE)``).

    Raises:
        ValueError: fewer than two replicates gave an estimate.

    Reference: R survey ``svrVar(thetas, scale, rscales, mse = FALSE)``. Differs on purpose: the
    bootstrap's scale uses the replicates that gave an estimate, per estimate.
    """
    valid = ~np.isnan(thetas)
    used = valid.sum(axis=0)
    if used.min(initial=thetas.shape[0]) < 2:
        raise ValueError(
            f"only {int(used.min())} replicate(s) gave an estimate: "
            "use variance='linearization', or merge sparse levels of the weighting margins or of by="
        )
    mean = np.nanmean(thetas, axis=0)
    scale = weights.scale * (weights.replicates - 1) / (used - 1) if weights.method == "bootstrap" else 1.0
    variance = np.nansum(weights.rscales[:, None] * (thetas - mean) ** 2, axis=0) * scale
    return ReplicateVariance(
        method=weights.method,
        replicates=int(used.min()),
        dropped=int((~valid).sum(axis=0).max()),
        variance=np.asarray(variance, dtype=float),
        df=weights.df,
    )


def replicate_cov(thetas: Array, weights: ReplicateWeights) -> Array:
    """Replicate covariance matrix (k × k) of R × k replicate estimates (complete replicates only).

    Reference: the ``var`` attribute of R survey's ``svymean`` on a replicate design (``svrVar``),
    which ``svychisq`` and ``svycontrast`` use.
    """
    keep = ~np.isnan(thetas).any(axis=1)
    centred = thetas[keep] - thetas[keep].mean(axis=0)
    used = int(keep.sum())
    scale = weights.scale * (weights.replicates - 1) / (used - 1) if weights.method == "bootstrap" else 1.0
    return np.asarray((centred * weights.rscales[keep, None]).T @ centred * scale, dtype=float)


def replicate_variance(
    sample: pd.DataFrame,
    result: Any | None,
    design: Design,
    domain: Array,
    values: Array,
    statistic: str,
    *,
    method: str,
    replicates: int = 200,
    seed: int | None = None,
) -> ReplicateVariance:
    """Variance of domain means or totals (dense n × k columns) from the result's replicate weights.

    JK1 deletes one respondent at a time (others ×n/(n−1)), variance ``(n−1)/n·Σ(θᵣ − θ̄)²``; the
    bootstrap draws n respondents with replacement (weights × counts), variance
    ``n/((n−1)(R−1))·Σ(θᵣ − θ̄)²``. A stratified (pooled) design gets JKn (deletion within the
    stratum, others there ×n_h/(n_h−1), replicate scale (n_h−1)/n_h) and the bootstrap resamples
    n_h within each stratum, with n the harmonic mean of the n_h: survey 4.x's ``bootweights``.
    R's draws cannot be reproduced (different RNG).

    Args:
        sample: the respondents.
        result: see :func:`replicate_weights`.
        design: the full-sample design.
        domain: domain membership, n × k.
        values: values, n × k.
        statistic: "mean" or "total".
        method: "jackknife" or "bootstrap".
        replicates: bootstrap replicates.
        seed: seed of the bootstrap's draws.

    Returns:
        A :class:`ReplicateVariance`.

    Raises:
        ValueError: fewer than two replicates gave an estimate.
        RuntimeError: the weighting method failed to converge on a replicate.

    Example:
        >>> import numpy as np, pandas as pd
        >>> from sampling.variance import design_of
        >>> s = pd.DataFrame({"y": [0.0, 1.0, 1.0]})
        >>> d = design_of(s, None)
        >>> y = s[["y"]].to_numpy()
        >>> rv = replicate_variance(s, None, d, np.ones((3, 1)), y, "mean", method="jackknife")
        >>> round(float(rv.variance[0]), 6)  # p(1−p)/(n−1) = (2/9)/2
        0.111111

    Reference: R survey ``svymean``/``svytotal`` on ``as.svrepdesign(type="JK1"|"JKn"|"bootstrap",
    compress=FALSE)`` then ``rake``.
    """
    weights = replicate_weights(sample, result, design, method=method, replicates=replicates, seed=seed)
    return variance_of(point(weights.weights, domain, values, statistic), weights)
