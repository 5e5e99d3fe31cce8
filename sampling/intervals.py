"""Confidence intervals for weighted proportions, and the published precision figures.

Proportions: ``logit``, ``xlogit`` and ``beta`` (Korn-Graubard) follow R's ``svyciprop``;
``wilson``, ``jeffreys`` and ``clopper-pearson`` are the textbook intervals evaluated at the
*effective* sample size ``n/deff`` with ``x = p·n/deff`` successes (Brown, Cai & DasGupta 2001;
Clopper & Pearson 1934), so that an unweighted sample gives exactly statsmodels'
``proportion_confint``; Jeffreys is the equal-tailed Beta(x + ½, n − x + ½) interval, with the
bound at 0 (1) when x = 0 (x = n); ``wald`` is p ± t·se, kept for comparison only (0 of 12 gives
0–0). An undefined standard error (NaN) gives an undefined interval, never a fallback.

At p = 0 or 1 the standard error is 0 and the logit is infinite: ``logit``/``xlogit`` then fall
back to the Korn-Graubard interval and the effective n falls back to ``fallback_n`` (Kish's
effective n of the domain); the method actually used is reported per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

PROPORTION_METHODS = ("logit", "xlogit", "beta", "wilson", "jeffreys", "clopper-pearson", "wald")
#: Quantiles of intervals for means, totals and the t-based proportion intervals.
QUANTILES = ("t", "z")
#: Design effect Ipsos assumes for its opt-in credibility interval.
IPSOS_DESIGN_FACTOR = 1.3


def _check_level(level: float) -> None:
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise ValueError(f"level={level!r}: give the confidence level as a fraction, e.g. 0.95")


def _beta_bounds(p: np.ndarray, n: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson style bounds from beta quantiles, for count p·n out of n (n real)."""
    x = p * n
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(p <= 0, 0.0, stats.beta.ppf(alpha / 2, x, n - x + 1))
        high = np.where(p >= 1, 1.0, stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    return low, high


def proportion_interval(
    estimate: Any,
    se: Any,
    n: Any,
    *,
    method: str = "logit",
    level: float = 0.95,
    df: Any = None,
    fallback_n: Any = None,
) -> pd.DataFrame:
    """Confidence interval for (weighted) proportions.

    Args:
        estimate: proportions, scalar or array-like.
        se: their standard errors (design-based).
        n: unweighted number of respondents in each base.
        method: "logit", "xlogit", "beta", "wilson", "jeffreys", "clopper-pearson" or "wald".
        level: confidence level.
        df: degrees of freedom of the t quantile for logit, xlogit and wald (default n − 1, the
            design degrees of freedom of ``svydesign(ids=~1)``).
        fallback_n: effective n where the design-based one is undefined (p = 0 or 1, se = 0);
            default ``n``.

    Returns:
        DataFrame with ci_low, ci_high, ci_method (the method used) and n_eff, one row per
        estimate (index from ``estimate`` when it is a Series).

    Raises:
        ValueError: an unknown method or a level outside (0, 1).

    Example:
        >>> proportion_interval(0.0, 0.0, 12, method="wilson").round(4).ci_high.tolist()
        [0.2425]

    Reference: R survey ``svyciprop(method="logit"|"xlogit"|"beta")`` (Korn & Graubard 1998);
    statsmodels ``proportion_confint(method="wilson"|"jeffreys"|"beta")`` at the effective n
    (R's ``qbeta(c(α/2, 1−α/2), x + 0.5, n − x + 0.5)`` for Jeffreys).
    """
    if method not in PROPORTION_METHODS:
        raise ValueError(f"ci={method!r}: choose one of {', '.join(PROPORTION_METHODS)}")
    _check_level(level)
    index = estimate.index if isinstance(estimate, pd.Series) else None
    p = np.atleast_1d(np.asarray(estimate, dtype=float))
    se_ = np.broadcast_to(np.asarray(se, dtype=float), p.shape)
    n_ = np.broadcast_to(np.asarray(n, dtype=float), p.shape)
    fb = n_ if fallback_n is None else np.broadcast_to(np.asarray(fallback_n, dtype=float), p.shape)
    dof = n_ - 1 if df is None else np.broadcast_to(np.asarray(df, dtype=float), p.shape)
    alpha = 1 - level
    inner = (p > 0) & (p < 1) & (se_ > 0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # n/deff with deff = v/(p(1−p)/(n−1)): equals n for an unweighted sample.
        n_eff = np.where(inner, n_ * p * (1 - p) / ((n_ - 1) * se_**2), fb)
        # df = inf gives the normal quantile (quantile="z").
        t = stats.t.ppf(1 - alpha / 2, np.maximum(dof, 1))
        z = stats.norm.ppf(1 - alpha / 2)
        used = np.full(p.shape, method, dtype=object)
        if method in ("logit", "xlogit"):
            centre = np.log(p / (1 - p))
            half = t * se_ / (p * (1 - p))
            low, high = 1 / (1 + np.exp(-(centre - half))), 1 / (1 + np.exp(-(centre + half)))
            kg_low, kg_high = _beta_bounds(p, fb, alpha)
            low, high = np.where(inner, low, kg_low), np.where(inner, high, kg_high)
            used[~inner] = "beta"
        elif method == "beta":
            # svyciprop: n.eff = p(1−p)/var times (t(n−1)/t(df))², 1 unless the design is stratified.
            t_rows = stats.t.ppf(alpha / 2, np.maximum(n_ - 1, 1))
            ratio = (t_rows / stats.t.ppf(alpha / 2, np.maximum(dof, 1))) ** 2
            kg_n = np.where(inner, p * (1 - p) / se_**2 * ratio, fb)
            low, high = _beta_bounds(p, kg_n, alpha)
        elif method == "wilson":
            denom = 1 + z**2 / n_eff
            centre = (p + z**2 / (2 * n_eff)) / denom
            half = z / denom * np.sqrt(p * (1 - p) / n_eff + z**2 / (4 * n_eff**2))
            # Exact at the boundary (the formula leaves rounding residue there).
            low, high = np.where(p <= 0, 0.0, centre - half), np.where(p >= 1, 1.0, centre + half)
        elif method == "jeffreys":
            x = p * n_eff
            low = np.where(p <= 0, 0.0, stats.beta.ppf(alpha / 2, x + 0.5, n_eff - x + 0.5))
            high = np.where(p >= 1, 1.0, stats.beta.ppf(1 - alpha / 2, x + 0.5, n_eff - x + 0.5))
        elif method == "clopper-pearson":
            low, high = _beta_bounds(p, n_eff, alpha)
        else:
            low, high = np.clip(p - t * se_, 0, 1), np.clip(p + t * se_, 0, 1)
    undefined = np.isnan(se_)
    low, high = np.where(undefined, np.nan, low), np.where(undefined, np.nan, high)
    return pd.DataFrame(
        {"ci_low": np.clip(low, 0, 1), "ci_high": np.clip(high, 0, 1), "ci_method": used, "n_eff": n_eff},
        index=index,
    )


def mean_interval(estimate: Any, se: Any, df: Any, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """t interval ``estimate ± t(df)·se`` for means and totals (df = inf: the normal interval).

    Args:
        estimate: estimates.
        se: standard errors.
        df: degrees of freedom (n − 1 for ``svydesign(ids=~1)``).
        level: confidence level.

    Returns:
        (low, high) arrays.

    Raises:
        ValueError: a level outside (0, 1).

    Example:
        >>> low, high = mean_interval(10.0, 1.0, 1e9)
        >>> round(float(high[0]), 3)
        11.96

    Reference: R ``confint(svymean(...), df=degf(design))``.
    """
    _check_level(level)
    est = np.atleast_1d(np.asarray(estimate, dtype=float))
    t = stats.t.ppf(1 - (1 - level) / 2, np.maximum(np.asarray(df, dtype=float), 1))
    half = t * np.asarray(se, dtype=float)
    return est - half, est + half


@dataclass(frozen=True)
class PrecisionFigure:
    """A published ± figure with a label saying exactly what it is.

    Attributes:
        value: the half-width, as a proportion (0.031 is ±3.1 points).
        n: the sample size it is for.
        level: confidence or credibility level.
        label: what the figure is and what it assumes.
    """

    value: float
    n: float
    level: float
    label: str

    @property
    def points(self) -> float:
        """The half-width in percentage points."""
        return 100 * self.value


def margin_of_error(n: float, *, p: float = 0.5, deff: float = 1.0, level: float = 0.95) -> PrecisionFigure:
    """Margin of sampling error as Pew publishes it: ``z·sqrt(deff·p(1−p)/n)``.

    At p = 0.5 it is "the poll's" margin of error. It ignores the variance reduction from
    calibration; the linearised SE of :func:`sampling.estimate` is the better figure for one
    estimate. AAPOR calls a margin of sampling error misleading for opt-in samples: use
    :func:`credibility_interval` for those.

    Args:
        n: number of respondents (> 0).
        p: the proportion (0.5 gives the largest margin).
        deff: design effect of the weights (Kish's, or the estimate's own).
        level: confidence level (0.95 gives z = 1.96).

    Returns:
        A :class:`PrecisionFigure`.

    Raises:
        ValueError: n or deff not positive, p outside [0, 1], or a level outside (0, 1).

    Example:
        >>> round(margin_of_error(1000).points, 2)
        3.1

    Reference: Pew Research Center methods (margin of error with design effect); no R function.
    """
    _check_level(level)
    if not n > 0:
        raise ValueError(f"n={n!r}: give the number of respondents (> 0)")
    if not 0 <= p <= 1:
        raise ValueError(f"p={p!r}: give the proportion between 0 and 1")
    if not deff > 0:
        raise ValueError(f"deff={deff!r}: give a positive design effect (1 for no weighting)")
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    value = z * float(np.sqrt(deff * p * (1 - p) / n))
    return PrecisionFigure(
        value=value,
        n=float(n),
        level=level,
        label=f"Margin of sampling error (Pew practice): ±z·√(deff·p(1−p)/n) "
        f"at p = {p:g}, "
        f"deff = {deff:.3g}, {level:.0%} confidence; ignores calibration",
    )


def credibility_interval(
    n: float, *, level: float = 0.95, design_factor: float = IPSOS_DESIGN_FACTOR
) -> PrecisionFigure:
    """Credibility interval for an opt-in sample, Ipsos's formula ``±z·√1.3·1/(2√n)``.

    A Bayesian, model-dependent figure, not a margin of sampling error; AAPOR accepts it for
    self-selected samples when its assumptions are disclosed (here: a design effect of 1.3 and
    p = 0.5).

    Args:
        n: number of respondents (> 0).
        level: credibility level (0.95 gives z = 1.96).
        design_factor: the design effect assumed (Ipsos uses 1.3).

    Returns:
        A :class:`PrecisionFigure`.

    Raises:
        ValueError: n or design_factor not positive, or a level outside (0, 1).

    Example:
        >>> round(credibility_interval(1000).points, 1)
        3.5

    Reference: Ipsos, "Credibility interval for online polling"; AAPOR statement on opt-in
    samples; no R function.
    """
    _check_level(level)
    if not n > 0:
        raise ValueError(f"n={n!r}: give the number of respondents (> 0)")
    if not design_factor > 0:
        raise ValueError(f"design_factor={design_factor!r}: give a positive design effect, Ipsos uses 1.3")
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    value = z * float(np.sqrt(design_factor)) / (2 * float(np.sqrt(n)))
    return PrecisionFigure(
        value=value,
        n=float(n),
        level=level,
        label=f"Credibility interval (Ipsos, Bayesian): ±z·√{design_factor:g}/(2√n), "
        f"{level:.0%} credibility; for opt-in samples, "
        "not a margin of sampling error",
    )
