"""Weighted estimates with design-based standard errors, intervals and design effects.

:func:`estimate` gives the share of each level of a categorical question (or the weighted mean of
a numeric one, a proportion when it is 0/1), overall or within domains (``by=``), with a standard
error that accounts for raking or calibration (see :mod:`sampling.variance`), a confidence
interval (see :mod:`sampling.intervals`) and the design effect of each estimate.

The design effect is by default R's ``svymean(..., deff="replace")``: the estimate's variance
over the variance of the same estimate from a simple random sample of the same size drawn *with
replacement*, ``s²_w/n`` with ``s²_w`` the weighted variance of the variable (×n/(n−1)). It is
not Kish's weighting design effect (``WeightingResult.design_effect``): it is specific to each
estimate and is below 1 when calibration helps. ``deff="fpc"`` is R's ``deff=TRUE``: the
simple random sample is drawn *without* replacement from a population of N, the weights' total,
so ``s²_w/n·(N − n)/N``; it needs weights that sum to a population (count targets).

Estimates, linearised variances and replicate estimates are computed from group sums
(:mod:`sampling.grouped`): a million respondents cost a few passes over integer codes, never an
n × k matrix. :func:`estimands` still builds the dense matrices, for the tests of
:mod:`sampling.significance` and for callers of :mod:`sampling.variance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sampling import grouped
from sampling.intervals import PROPORTION_METHODS, QUANTILES, mean_interval, proportion_interval
from sampling.replicates import replicate_weights, variance_of
from sampling.variance import LONELY_PSU, VARIANCE_METHODS, Array, design_of, linearized_se
from sampling.weighting.coding import column_codes

STATISTICS = ("mean", "total")
DEFF_METHODS = ("replace", "fpc")
DEFF_LABELS = {
    "replace": "design effect: variance / with-replacement SRS variance of the same estimate "
    "(R svymean deff='replace')",
    "fpc": "design effect: variance / without-replacement SRS variance of the same estimate, N the "
    "weights' total (R svymean deff=TRUE)",
}
DEFF_LABEL = DEFF_LABELS["replace"]


@dataclass(frozen=True)
class Estimands:
    """Domain × level columns to estimate, as the arrays :mod:`sampling.variance` takes.

    Attributes:
        keys: one tuple per column: the by-values, then the level (categorical variables).
        domain: n × m membership (in the domain, value not missing).
        values: n × m values (0/1 indicators for a categorical variable's levels).
        proportion: whether the estimates are proportions (categorical or 0/1 variable).
        categorical: whether the variable is categorical (a ``level`` column is reported).
    """

    keys: list[tuple[Any, ...]]
    domain: Array
    values: Array
    proportion: bool
    categorical: bool


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _is_categorical(column: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column))


def estimands(sample: pd.DataFrame, variable: str, by: str | Sequence[str] | None = None) -> Estimands:
    """Build the domain and value matrices for ``variable`` within the domains of ``by``.

    Args:
        sample: the respondents.
        variable: the column to estimate.
        by: column(s) defining domains, or None for the whole sample.

    Returns:
        An :class:`Estimands`.

    Raises:
        KeyError: a column is missing from the sample.
        ValueError: the variable has no non-missing value.

    Example:
        >>> import pandas as pd
        >>> e = estimands(pd.DataFrame({"q": ["yes", "no", "yes"]}), "q")
        >>> e.keys, e.values.sum(axis=0).tolist()
        ([('no',), ('yes',)], [1.0, 2.0])

    Reference: R survey ``svyby(~variable, ~by, design, svymean)`` (domains as zero-weighted subsets).
    """
    by_cols = _as_list(by)
    missing = [c for c in [variable, *by_cols] if c not in sample.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in the sample: choose from {list(sample.columns)}")
    column = sample[variable]
    present = column.notna().to_numpy()
    if not present.any():
        raise ValueError(f"{variable!r} has no answers: every value is missing")
    categorical = _is_categorical(column)
    if categorical:
        if isinstance(column.dtype, pd.CategoricalDtype):
            levels = list(column.cat.categories)
        else:
            levels = sorted(column[present].unique().tolist(), key=lambda v: (str(type(v)), v))
        level_values = [(column == lv).to_numpy(dtype=bool, na_value=False).astype(float) for lv in levels]
        proportion = True
    else:
        y = column.to_numpy(dtype=float, na_value=np.nan)
        levels = [None]
        level_values = [np.nan_to_num(y)]
        proportion = bool(np.isin(y[present], (0.0, 1.0)).all())
    if by_cols:
        groups = sample.groupby(by_cols, sort=True, dropna=True, observed=True).indices
        domains = [(k if isinstance(k, tuple) else (k,), idx) for k, idx in groups.items()]
    else:
        domains = [((), np.arange(len(sample)))]
    keys: list[tuple[Any, ...]] = []
    dom_cols: list[Array] = []
    val_cols: list[Array] = []
    n = len(sample)
    for key, idx in domains:
        member = np.zeros(n)
        member[idx] = 1.0
        member *= present
        if not member.any():
            continue
        for level, vals in zip(levels, level_values, strict=True):
            keys.append(key + ((level,) if categorical else ()))
            dom_cols.append(member)
            val_cols.append(vals)
    return Estimands(
        keys=keys,
        domain=np.column_stack(dom_cols),
        values=np.column_stack(val_cols),
        proportion=proportion,
        categorical=categorical,
    )


def _sorted_codes(column: pd.Series) -> tuple[Array, list[Any]]:
    """Codes of a column in sorted order of its values (categories in their own order); -1 missing."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.array.codes, dtype=np.intp), list(column.cat.categories)
    codes, uniques = column_codes(column)
    order = sorted(range(len(uniques)), key=lambda i: (str(type(uniques[i])), uniques[i]))
    rank = np.empty(len(uniques) + 1, dtype=np.intp)
    rank[order] = np.arange(len(uniques))
    rank[-1] = -1  # code -1 (missing) indexes the last entry
    return rank[codes], [uniques[i] for i in order]


@dataclass(frozen=True)
class Coded:
    """One variable within domains, as codes: what :mod:`sampling.grouped` takes."""

    keys: list[tuple[Any, ...]]
    domain: Array  # domain of each respondent, -1 outside every domain or without an answer
    level: Array | None  # level of each respondent (categorical variables)
    y: Array | None  # the values, 0 where missing (numeric variables)
    columns: grouped.Columns
    proportion: bool
    categorical: bool


def coded(sample: pd.DataFrame, variable: str, by: str | Sequence[str] | None = None) -> Coded:
    """The codes :func:`estimate` works on; the same domains, levels and order as :func:`estimands`.

    Raises:
        KeyError: a column is missing from the sample.
        ValueError: the variable has no non-missing value.
    """
    by_cols = _as_list(by)
    missing = [c for c in [variable, *by_cols] if c not in sample.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in the sample: choose from {list(sample.columns)}")
    column = sample[variable]
    categorical = _is_categorical(column)
    level: Array | None = None
    y: Array | None = None
    if categorical:
        level, levels = _sorted_codes(column)
        present = level >= 0
        proportion = True
    else:
        values = column.to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(values)
        levels = [None]
        y = np.where(present, values, 0.0)
        proportion = bool(np.isin(values[present], (0.0, 1.0)).all())
    if not present.any():
        raise ValueError(f"{variable!r} has no answers: every value is missing")
    combined = np.zeros(len(sample), dtype=np.int64)
    by_levels = []
    for name in by_cols:
        codes, uniques = _sorted_codes(sample[name])
        present &= codes >= 0
        combined = combined * max(len(uniques), 1) + np.maximum(codes, 0)
        by_levels.append(uniques)
    space = int(np.prod([max(len(u), 1) for u in by_levels], dtype=np.float64))
    domain = np.full(len(sample), -1, dtype=np.intp)
    if space <= max(len(sample), 1 << 16):
        seen = np.bincount(combined[present], minlength=space)
        observed = np.flatnonzero(seen)
        rank = np.zeros(space, dtype=np.intp)
        rank[observed] = np.arange(observed.size)
        domain[present] = rank[combined[present]]
    else:
        observed, inverse = np.unique(combined[present], return_inverse=True)
        domain[present] = inverse
    keys_by = []
    for combination in observed.tolist():
        parts = []
        rest = int(combination)
        for uniques in reversed(by_levels):
            rest, r = divmod(rest, max(len(uniques), 1))
            parts.append(uniques[r])
        keys_by.append(tuple(reversed(parts)))
    m, n_levels = len(keys_by), len(levels)
    if categorical:
        keys = [(*key, lv) for key in keys_by for lv in levels]
        columns = grouped.Columns(
            domain=np.repeat(np.arange(m), n_levels), level=np.tile(np.arange(n_levels), m)
        )
    else:
        keys = list(keys_by)
        columns = grouped.Columns(domain=np.arange(m), level=np.full(m, -1))
    return Coded(keys, domain, level, y, columns, proportion, categorical)


def _check_options(
    statistic: str, variance: str, ci: str | None, replicates: Any, deff: str, quantile: str, lonely_psu: str
) -> str:
    if statistic not in STATISTICS:
        raise ValueError(f"statistic={statistic!r}: use 'mean' (shares and means) or 'total'")
    if variance not in VARIANCE_METHODS:
        raise ValueError(f"variance={variance!r}: use 'linearization', 'jackknife' or 'bootstrap'")
    if ci is not None and ci not in PROPORTION_METHODS:
        raise ValueError(f"ci={ci!r}: choose one of {', '.join(PROPORTION_METHODS)}")
    if not (isinstance(replicates, (int, np.integer)) and replicates >= 2):
        raise ValueError(
            f"replicates={replicates!r}: give a whole number of bootstrap replicates (≥ 2, e.g. 200)"
        )
    if deff not in DEFF_METHODS:
        raise ValueError(
            f"deff={deff!r}: use 'replace' (with replacement, R's default) or 'fpc' (R's deff=TRUE)"
        )
    if quantile not in QUANTILES:
        raise ValueError(f"quantile={quantile!r}: use 't' (design degrees of freedom) or 'z' (normal)")
    if lonely_psu not in LONELY_PSU:
        raise ValueError(f"lonely_psu={lonely_psu!r}: use one of {', '.join(map(repr, LONELY_PSU))}")
    return VARIANCE_METHODS[variance]


def estimate(
    sample: pd.DataFrame,
    result: Any | None,
    variable: str,
    *,
    by: str | Sequence[str] | None = None,
    statistic: str = "mean",
    variance: str = "linearization",
    ci: str | None = None,
    level: float = 0.95,
    replicates: int = 200,
    seed: int | None = None,
    deff: str = "replace",
    quantile: str = "t",
    lonely_psu: str = "fail",
) -> pd.DataFrame:
    """Weighted shares, means or totals with design-based SE, CI and design effect.

    Args:
        sample: the respondents, one row each.
        result: the ``WeightingResult`` that weighted them; a ``PooledResult`` of
            ``sampling.pooling.pool`` (countries then act as strata, each calibrated to its own
            frame); a Series of fixed design weights (not calibrated, as
            ``svydesign(weights=~w)``); or None for equal weights.
        variable: the column to estimate. Categorical (text, category): the share of each level.
            Numeric: the weighted mean (a proportion when the values are 0/1).
        by: column(s) whose combinations are the domains, as R's ``svyby``.
        statistic: "mean" (shares and means) or "total" (weighted totals, in the units of the
            weights: sample-size units when the targets were shares).
        variance: "linearization" (Taylor, calibration-aware), "jackknife" (JK1 delete-one, JKn
            within countries of a pooled result) or "bootstrap" (``replicates`` resamples); each
            replicate is re-weighted, once per result (the replicate weights are kept on it).
        ci: interval for proportions: "logit" (default), "xlogit", "beta", "wilson", "jeffreys",
            "clopper-pearson" or "wald". Means and totals always get "wald". "logit" is refused
            where a domain holds negative weights (R's ``svyciprop`` fits a GLM, which refuses
            them); the default then falls back to "xlogit".
        level: confidence level.
        replicates: number of bootstrap replicates.
        seed: seed of the bootstrap draws.
        deff: "replace" (R's ``deff="replace"``) or "fpc" (R's ``deff=TRUE``, weights summing to
            a population total).
        quantile: "t" (t with the design's degrees of freedom: respondents in the domain less
            strata for linearisation, the rank of the replicate weights less one for replicates,
            as R's ``degf``) or "z" (normal quantiles, R's ``confint`` default).
        lonely_psu: what a country of one respondent in a pooled result contributes to variances
            (see :func:`sampling.variance.design_of`); "fail" refuses, as R does by default.

    Returns:
        DataFrame, one row per domain (and level): the by-columns, ``level`` (categorical
        variables), estimate, se, ci_low, ci_high, deff (see the module docstring), n (respondents
        in the domain who answered), n_eff (n/deff; Kish's for a proportion of 0 or 1), ci_method
        and df. ``attrs`` records the statistic, variance method and design-effect definition.
        Where the SE is undefined (NaN), so are the interval and the design effect.

    Raises:
        KeyError: a column is not in the sample.
        ValueError: an unknown option; an interval that does not apply (a proportion interval
            for a non-0/1 mean, or for a total); "logit" with negative weights; deff="fpc"
            with weights that do not sum to more than the number of respondents.
        sampling.variance.LonelyStratumError: a country of one respondent, ``lonely_psu="fail"``.

    Example:
        >>> import pandas as pd, sampling
        >>> s = pd.DataFrame({"agree": [1, 0, 1, 1]})
        >>> row = estimate(s, None, "agree").iloc[0]
        >>> float(row.estimate), round(float(row.se), 4)  # se = sqrt(p(1-p)/(n-1)) = sqrt(.1875/3)
        (0.75, 0.25)

    Reference: R survey ``svymean``/``svytotal``/``svyby`` on ``svydesign(ids=~1, weights=~w)``
    after ``rake``/``calibrate``/``postStratify``; ``svyciprop`` for intervals (Jeffreys, Wilson
    and Clopper-Pearson at the effective n, which R does not offer); ``as.svrepdesign(type="JK1"|
    "bootstrap")`` for replicate variances. Differs on purpose: a domain whose SE is undefined
    gets no interval (R's ``svyciprop`` returns one from a NaN).
    """
    if not isinstance(sample, pd.DataFrame):
        raise TypeError("sample must be a pandas DataFrame of respondents")
    method = _check_options(statistic, variance, ci, replicates, deff, quantile, lonely_psu)
    design = design_of(sample, result, lonely_psu=lonely_psu)
    est = coded(sample, variable, by)
    proportion_ci = est.proportion and statistic == "mean"
    if ci not in (None, "wald") and not proportion_ci:
        what = "a total" if statistic == "total" else f"the mean of non-0/1 {variable!r}"
        raise ValueError(
            f"ci={ci!r} is an interval for proportions, not for {what}: leave ci unset (t interval)"
        )
    # Means are shift-invariant: centring y keeps the sums of squares well conditioned.
    shift = float(est.y[est.domain >= 0].mean()) if est.y is not None and statistic == "mean" else 0.0
    y = None if est.y is None else est.y - shift
    groups = grouped.group(design, est.domain, est.level, y)
    theta = grouped.estimates(groups, est.columns, statistic)
    figures = grouped.domain_figures(groups, est.columns)
    logit_se: Array | None = None
    if method == "linearization" and design.calibrated is not None:
        # Weights changed after raking (R's trimWeights): the backfitting divides by the raked
        # weights, not the final ones, so the respondents of a cell no longer share a residual.
        dense = estimands(sample, variable, by)
        var = linearized_se(design, dense.domain, dense.values, statistic) ** 2
        df = figures["df"]
        attrs: dict[str, Any] = {}
    elif method == "linearization":
        var = grouped.linearized_variance(groups, est.columns, theta, statistic, design)
        df = figures["df"]
        attrs = {}
    else:
        rw = replicate_weights(sample, result, design, method=method, replicates=replicates, seed=seed)
        sums = grouped.replicate_sums(groups, rw.weights, y)
        thetas = grouped.estimates(groups, est.columns, statistic, sums)
        info = variance_of(thetas, rw)
        var, df = info.variance, np.full(theta.shape, info.df)
        if est.proportion and statistic == "mean":
            # R's logit interval on a replicate design refits the GLM per replicate: the variance
            # of the replicates' logits, not the delta method's.
            with np.errstate(invalid="ignore", divide="ignore"):
                logits = np.log((thetas + shift) / (1 - thetas - shift))
            logits[~np.isfinite(logits)] = np.nan
            logits[:, (~np.isnan(logits)).sum(axis=0) < 2] = 0.0  # p of 0 or 1: no logit interval
            with np.errstate(invalid="ignore"):
                logit_se = np.sqrt(variance_of(logits, rw).variance)
        attrs = {"replicates": info.replicates, "replicates_dropped": info.dropped}
    theta = theta + shift
    se = np.sqrt(var)
    if quantile == "z":
        df = np.full(theta.shape, np.inf)
    negative = _negative_domains(design.weights, est)
    interval = ci or ("xlogit" if negative.any() else "logit")
    if proportion_ci and interval == "logit" and negative.any():
        raise ValueError(
            "ci='logit' needs non-negative weights, as R's svyciprop (a quasi-binomial GLM): "
            f"{int(negative.sum())} domain(s) hold negative weights; use ci='xlogit' or 'beta', or "
            "calibrate with bounds"
        )
    if deff == "fpc" and not (figures["weight"] > figures["n"] * (1 + 1e-6)).all():
        raise ValueError(
            "deff='fpc' needs weights that sum to the population (weight with count targets): "
            "these sum to no more than the respondents; use deff='replace'"
        )
    srs = grouped.srs_variance(groups, est.columns, theta - shift, statistic, fpc=deff == "fpc")
    with np.errstate(invalid="ignore", divide="ignore"):
        design_effect = var / srs
    n, kish_n = figures["n"], figures["kish_n"]
    if proportion_ci:
        intervals = proportion_interval(theta, se, n, method=interval, level=level, df=df, fallback_n=kish_n)
        low, high = intervals.ci_low.to_numpy(), intervals.ci_high.to_numpy()
        if interval == "logit" and logit_se is not None:
            refit = proportion_interval(
                theta,
                logit_se * theta * (1 - theta),
                n,
                method="logit",
                level=level,
                df=df,
                fallback_n=kish_n,
            )
            inner = (theta > 0) & (theta < 1) & (se > 0)
            low = np.where(inner, refit.ci_low.to_numpy(), low)
            high = np.where(inner, refit.ci_high.to_numpy(), high)
        n_eff, used = intervals.n_eff.to_numpy(), intervals.ci_method.to_numpy()
    else:
        low, high = mean_interval(theta, se, df, level=level)
        with np.errstate(invalid="ignore", divide="ignore"):
            n_eff = np.where(design_effect > 0, n / design_effect, kish_n)
        used = np.full(theta.shape, "wald", dtype=object)
    by_cols = _as_list(by)
    names = by_cols + (["level"] if est.categorical else [])
    frame = pd.DataFrame(est.keys, columns=names) if names else pd.DataFrame(index=range(len(est.keys)))
    frame = frame.assign(
        estimate=theta,
        se=se,
        ci_low=low,
        ci_high=high,
        deff=design_effect,
        n=n.astype(int),
        n_eff=n_eff,
        ci_method=used,
        df=df,
    )
    frame.attrs.update(
        variable=variable,
        statistic=statistic,
        variance=method,
        level=level,
        deff=DEFF_LABELS[deff],
        quantile=quantile,
        weighting=getattr(result, "method", "none"),
    )
    frame.attrs.update(attrs)
    return frame


def _negative_domains(weights: Array, est: Coded) -> Array:
    """Whether each column's domain holds a negative weight."""
    if not (weights < 0).any():
        return np.zeros(est.columns.domain.size, dtype=bool)
    inside = est.domain[weights < 0]
    hit = np.zeros(int(est.domain.max(initial=-1)) + 1, dtype=bool)
    hit[inside[inside >= 0]] = True
    return np.asarray(hit[est.columns.domain], dtype=bool)
