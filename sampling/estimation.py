"""Weighted estimates with design-based standard errors, intervals and design effects.

:func:`estimate` gives the share of each level of a categorical question (or the weighted mean of
a numeric one, a proportion when it is 0/1), overall or within domains (``by=``), with a standard
error that accounts for raking or calibration (see :mod:`sampling.variance`), a confidence
interval (see :mod:`sampling.intervals`) and the design effect of each estimate.

The design effect is R's ``svymean(..., deff="replace")``: the estimate's variance over the
variance of the same estimate from a simple random sample of the same size drawn *with
replacement*, ``s²_w/n`` with ``s²_w`` the weighted variance of the variable (×n/(n−1)). It is
not Kish's weighting design effect (``WeightingResult.design_effect``): it is specific to each
estimate and is below 1 when calibration helps. R's ``deff=TRUE`` (without replacement) is
undefined here because the weights sum to the sample size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sampling.intervals import PROPORTION_METHODS, mean_interval, proportion_interval
from sampling.replicates import replicate_variance
from sampling.variance import (
    VARIANCE_METHODS,
    Design,
    design_of,
    linearized_se,
    point,
)

STATISTICS = ("mean", "total")
DEFF_LABEL = (
    "design effect: variance / with-replacement SRS variance of the same estimate (R svymean deff='replace')"
)


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

    keys: list[tuple]
    domain: np.ndarray
    values: np.ndarray
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
    keys, dom_cols, val_cols = [], [], []
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


def _srs_variance(design: Design, est: Estimands, theta: np.ndarray, statistic: str) -> np.ndarray:
    """With-replacement SRS variance of each estimate (the denominator of the design effect)."""
    w = design.weights
    counts = est.domain.sum(axis=0)
    wsum = w @ est.domain
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (w @ (est.domain * est.values)) / wsum if statistic == "total" else theta
        s2 = (w @ (est.domain * (est.values - mean) ** 2)) / wsum * counts / (counts - 1)
        srs = s2 / counts
        return srs * wsum**2 if statistic == "total" else srs


def linearized_variance(design: Design, est: Estimands, statistic: str) -> np.ndarray:
    """Diagonal of the linearised covariance, without forming the m × m matrix."""
    return linearized_se(design, est.domain, est.values, statistic) ** 2


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
        variance: "linearization" (Taylor, calibration-aware), "jackknife" (JK1 delete-one,
            each replicate re-weighted with ``result.reweight``) or "bootstrap" (``replicates``
            with-replacement resamples, each re-weighted).
        ci: interval for proportions: "logit" (default), "xlogit", "beta", "wilson",
            "clopper-pearson" or "wald". Means and totals always get "wald" (t with the design
            df: respondents in the domain less strata, n − 1 unless the result is pooled).
        level: confidence level.
        replicates: number of bootstrap replicates.
        seed: seed of the bootstrap draws.

    Returns:
        DataFrame, one row per domain (and level): the by-columns, ``level`` (categorical
        variables), estimate, se, ci_low, ci_high, deff (see the module docstring), n (respondents
        in the domain who answered), n_eff (n/deff; Kish's for a proportion of 0 or 1) and
        ci_method. ``attrs`` records the statistic, variance method and design-effect definition.

    Raises:
        KeyError: a column is not in the sample.
        ValueError: an unknown option, or an interval that does not apply (a proportion interval
            for a non-0/1 mean, or for a total).

    Example:
        >>> import pandas as pd, sampling
        >>> s = pd.DataFrame({"agree": [1, 0, 1, 1]})
        >>> row = estimate(s, None, "agree").iloc[0]
        >>> float(row.estimate), round(float(row.se), 4)  # se = sqrt(p(1-p)/(n-1)) = sqrt(.1875/3)
        (0.75, 0.25)

    Reference: R survey ``svymean``/``svytotal``/``svyby`` on ``svydesign(ids=~1, weights=~w)``
    after ``rake``/``calibrate``/``postStratify``; ``svyciprop`` for intervals;
    ``as.svrepdesign(type="JK1"|"bootstrap")`` for replicate variances.
    """
    if not isinstance(sample, pd.DataFrame):
        raise TypeError("sample must be a pandas DataFrame of respondents")
    if statistic not in STATISTICS:
        raise ValueError(f"statistic={statistic!r}: use 'mean' (shares and means) or 'total'")
    if variance not in VARIANCE_METHODS:
        raise ValueError(f"variance={variance!r}: use 'linearization', 'jackknife' or 'bootstrap'")
    method = VARIANCE_METHODS[variance]
    if ci is not None and ci not in PROPORTION_METHODS:
        raise ValueError(f"ci={ci!r}: choose one of {', '.join(PROPORTION_METHODS)}")
    if not (isinstance(replicates, (int, np.integer)) and replicates >= 2):
        raise ValueError(
            f"replicates={replicates!r}: give a whole number of bootstrap replicates (≥ 2, e.g. 200)"
        )
    design = design_of(sample, result)
    est = estimands(sample, variable, by)
    proportion_ci = est.proportion and statistic == "mean"
    if ci not in (None, "wald") and not proportion_ci:
        what = "a total" if statistic == "total" else f"the mean of non-0/1 {variable!r}"
        raise ValueError(
            f"ci={ci!r} is an interval for proportions, not for {what}: leave ci unset (t interval)"
        )
    theta = point(design.weights, est.domain, est.values, statistic)
    replicate_info = None
    if method == "linearization":
        var = linearized_variance(design, est, statistic)
    else:
        replicate_info = replicate_variance(
            sample,
            result,
            design,
            est.domain,
            est.values,
            statistic,
            method=method,
            replicates=replicates,
            seed=seed,
        )
        var = replicate_info.variance
    se = np.sqrt(var)
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = var / _srs_variance(design, est, theta, statistic)
    n = est.domain.sum(axis=0)
    df = design.degrees_of_freedom(est.domain)
    w = design.weights[:, None] * est.domain
    with np.errstate(invalid="ignore", divide="ignore"):
        kish_n = w.sum(axis=0) ** 2 / (w**2).sum(axis=0)
    if proportion_ci:
        intervals = proportion_interval(
            theta, se, n, method=ci or "logit", level=level, df=df, fallback_n=kish_n
        )
        low, high = intervals.ci_low.to_numpy(), intervals.ci_high.to_numpy()
        n_eff, used = intervals.n_eff.to_numpy(), intervals.ci_method.to_numpy()
    else:
        low, high = mean_interval(theta, se, df, level=level)
        with np.errstate(invalid="ignore", divide="ignore"):
            n_eff = np.where(deff > 0, n / deff, kish_n)
        used = np.full(theta.shape, "wald", dtype=object)
    by_cols = _as_list(by)
    names = by_cols + (["level"] if est.categorical else [])
    frame = pd.DataFrame(est.keys, columns=names) if names else pd.DataFrame(index=range(len(est.keys)))
    frame = frame.assign(
        estimate=theta,
        se=se,
        ci_low=low,
        ci_high=high,
        deff=deff,
        n=n.astype(int),
        n_eff=n_eff,
        ci_method=used,
    )
    frame.attrs = {
        "variable": variable,
        "statistic": statistic,
        "variance": method,
        "level": level,
        "deff": DEFF_LABEL,
        "weighting": getattr(result, "method", "none"),
    }
    if replicate_info is not None:
        frame.attrs.update(replicates=replicate_info.replicates, replicates_dropped=replicate_info.dropped)
    return frame
