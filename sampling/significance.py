"""Tests for weighted data: Rao-Scott chi-square for crosstabs, difference of two domain means.

Both use the calibration-aware linearised covariance of :mod:`sampling.variance`, so they agree
with R's survey package after ``rake``/``calibrate``/``postStratify``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sampling.estimation import estimands
from sampling.replicates import replicate_cov, replicate_weights
from sampling.variance import (
    VARIANCE_METHODS,
    Array,
    Design,
    design_of,
    influence,
    point,
    residualize,
    with_replacement_cov,
)

RAO_SCOTT_STATISTICS = ("F", "Chisq")


@dataclass(frozen=True)
class RaoScottTest:
    """A design-based test of independence for a weighted two-way table.

    Attributes:
        statistic: the F statistic ("F") or Pearson's X² ("Chisq", compared after dividing by the
            mean generalised design effect).
        df: numerator degrees of freedom (d₀ for "F", (r−1)(c−1) for "Chisq").
        ddf: denominator degrees of freedom for "F" (d₀·ν, ν = n − 1, or n less the number of
            countries for a pooled result, or the replicate design's rank − 1 with replicate
            variances), None for "Chisq".
        p_value: the p-value.
        pearson: Pearson's X² of the weighted table scaled to the sample size, uncorrected.
        mean_deff: mean generalised design effect δ̄ (the eigenvalues of Δ).
        method: "F" or "Chisq".
        label: what the test is.
    """

    statistic: float
    df: float
    ddf: float | None
    p_value: float
    pearson: float
    mean_deff: float
    method: str
    label: str


def _covariance(
    sample: pd.DataFrame,
    result: Any | None,
    design: Design,
    domain: Array,
    values: Array,
    variance: str,
    replicates: int,
    seed: int | None,
) -> tuple[Array, float | None]:
    """Covariance of domain means (linearised, or from the result's replicate weights) and the replicate df."""
    method = VARIANCE_METHODS.get(variance)
    if method is None:
        raise ValueError(f"variance={variance!r}: use 'linearization', 'jackknife' or 'bootstrap'")
    if method == "linearization":
        x = residualize(design, np.nan_to_num(influence(design, domain, values, "mean")))
        return with_replacement_cov(x, design), None
    weights = replicate_weights(sample, result, design, method=method, replicates=replicates, seed=seed)
    return replicate_cov(point(weights.weights, domain, values, "mean"), weights), weights.df


def rao_scott(
    sample: pd.DataFrame,
    result: Any | None,
    row: str,
    column: str,
    *,
    statistic: str = "F",
    variance: str = "linearization",
    replicates: int = 200,
    seed: int | None = None,
    lonely_psu: str = "fail",
) -> RaoScottTest:
    """Rao-Scott corrected chi-square test of independence of ``row`` and ``column``.

    "F" is the second-order (Satterthwaite) correction: X²/tr(Δ) on an F(d₀, d₀ν) with
    d₀ = tr(Δ)²/tr(Δ²). "Chisq" is the first-order correction: X²/δ̄ on χ²((r−1)(c−1)).
    Δ is the generalised design-effect matrix of the interaction contrasts, from the
    calibration-aware linearised covariance of the cell proportions. Respondents missing either
    variable are left out of the table (zero weight), as ``na.rm=TRUE``.

    Args:
        sample: the respondents.
        result: the WeightingResult that weighted them, a Series of design weights, or None.
        row: the row variable (categorical).
        column: the column variable (categorical).
        statistic: "F" (second order) or "Chisq" (first order).
        variance: "linearization", or "jackknife"/"bootstrap" for the covariance of the cell
            proportions from the result's replicate weights (ν is then the replicate design's
            degrees of freedom, the rank of the replicate weights less one).
        replicates: bootstrap replicates.
        seed: seed of the bootstrap draws.
        lonely_psu: see :func:`sampling.variance.design_of`.

    Returns:
        A :class:`RaoScottTest`.

    Raises:
        KeyError: a column is not in the sample.
        ValueError: an unknown statistic, or a variable with fewer than two observed levels.

    Example:
        >>> import pandas as pd
        >>> s = pd.DataFrame({"a": list("xxyy") * 5, "b": list("pqpq") * 5})
        >>> round(rao_scott(s, None, "a", "b").statistic, 6)
        0.0

    Reference: R survey ``svychisq(~row + column, design, statistic="F"|"Chisq")``
    (Rao & Scott 1981, 1984), on a linearised design or a replicate design
    (``svychisq.svyrep.design``).
    """
    if statistic not in RAO_SCOTT_STATISTICS:
        raise ValueError(
            f"statistic={statistic!r}: use 'F' (second-order Rao-Scott) or 'Chisq' (first-order)"
        )
    for name in (row, column):
        if name not in sample.columns:
            raise KeyError(f"column {name!r} not in the sample: choose from {list(sample.columns)}")
    complete = sample[row].notna() & sample[column].notna()
    r_levels = sorted(sample.loc[complete, row].unique().tolist())
    c_levels = sorted(sample.loc[complete, column].unique().tolist())
    if len(r_levels) < 2 or len(c_levels) < 2:
        raise ValueError(f"{row!r} and {column!r} need at least two observed levels each for a crosstab test")
    nr, nc = len(r_levels), len(c_levels)
    design = design_of(sample, result, lonely_psu=lonely_psu)
    n = design.n
    rv, cv = sample[row], sample[column]
    # Cells in R's interaction() order: the row level varies fastest.
    cells = np.column_stack(
        [((rv == r) & (cv == c)).to_numpy(dtype=bool, na_value=False) for c in c_levels for r in r_levels]
    ).astype(float)
    domain = np.repeat(complete.to_numpy(dtype=float)[:, None], nr * nc, axis=1)
    mean = point(design.weights, domain, cells, "mean")
    cov, replicate_df = _covariance(sample, result, design, domain, cells, variance, replicates, seed)
    total = float(complete.sum())
    observed = (mean * total).reshape(nc, nr).T
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / total
    pearson = float(((observed - expected) ** 2 / expected).sum())
    rows_f = np.repeat(np.arange(nr)[None, :], nc, axis=0).ravel()
    cols_f = np.repeat(np.arange(nc)[:, None], nr, axis=1).ravel()
    main = np.column_stack(
        [np.ones(nr * nc)] + [rows_f == i for i in range(1, nr)] + [cols_f == j for j in range(1, nc)]
    ).astype(float)
    inter = np.column_stack(
        [(rows_f == i) & (cols_f == j) for j in range(1, nc) for i in range(1, nr)]
    ).astype(float)
    q, _ = np.linalg.qr(main)
    contrasts = inter - q @ (q.T @ inter)
    inv_d = np.diag(np.where(mean == 0, 0.0, 1 / np.where(mean == 0, 1.0, mean)))
    denom = contrasts.T @ (inv_d / total) @ contrasts
    numer = contrasts.T @ inv_d @ cov @ inv_d @ contrasts
    delta = np.linalg.solve(denom, numer)
    trace, trace2 = float(np.trace(delta)), float(np.trace(delta @ delta))
    d0 = trace**2 / trace2
    nu = float(design.degrees_of_freedom(np.ones((n, 1)))[0]) if replicate_df is None else replicate_df
    k = (nr - 1) * (nc - 1)
    mean_deff = trace / k
    if statistic == "F":
        f = pearson / trace
        return RaoScottTest(
            statistic=f,
            df=d0,
            ddf=d0 * nu,
            p_value=float(stats.f.sf(f, d0, d0 * nu)),
            pearson=pearson,
            mean_deff=mean_deff,
            method="F",
            label="Pearson's X² with second-order Rao-Scott correction (F test)",
        )
    p_first = float(stats.chi2.sf(pearson / mean_deff, k))
    return RaoScottTest(
        statistic=pearson,
        df=float(k),
        ddf=None,
        p_value=p_first,
        pearson=pearson,
        mean_deff=mean_deff,
        method="Chisq",
        label="Pearson's X² with first-order Rao-Scott correction (X²/δ̄ on χ²)",
    )


@dataclass(frozen=True)
class DomainDifference:
    """The difference of a weighted mean (or proportion) between two domains.

    Attributes:
        first: the first domain's value of ``by``.
        second: the second domain's value.
        estimate: mean in ``first`` minus mean in ``second``.
        se: linearised standard error of the difference (covariance between domains included).
        statistic: estimate / se.
        df: degrees of freedom, the design's less one (n − 2 unless pooled; the replicate
            design's rank − 2 with replicate variances), as ``summary(svyglm(y ~ by))``.
        p_value: two-sided p-value from t(df).
        ci_low: lower confidence bound.
        ci_high: upper confidence bound.
        level: confidence level.
    """

    first: Any
    second: Any
    estimate: float
    se: float
    statistic: float
    df: float
    p_value: float
    ci_low: float
    ci_high: float
    level: float


def difference(
    sample: pd.DataFrame,
    result: Any | None,
    variable: str,
    by: str,
    first: Any,
    second: Any,
    *,
    level: float = 0.95,
    variance: str = "linearization",
    replicates: int = 200,
    seed: int | None = None,
    lonely_psu: str = "fail",
) -> DomainDifference:
    """Test the difference of a weighted mean or proportion between two domains.

    Args:
        sample: the respondents.
        result: the WeightingResult that weighted them, a Series of design weights, or None.
        variable: a numeric column (0/1 for a proportion).
        by: the column defining the domains.
        first: the value of ``by`` for the first domain.
        second: the value of ``by`` for the second domain.
        level: confidence level.
        variance: "linearization", or "jackknife"/"bootstrap" (the difference's variance from the
            result's replicate weights; df is then the replicate design's less one, as
            ``svyglm`` on a replicate design).
        replicates: bootstrap replicates.
        seed: seed of the bootstrap draws.
        lonely_psu: see :func:`sampling.variance.design_of`.

    Returns:
        A :class:`DomainDifference`.

    Raises:
        KeyError: a column is not in the sample.
        ValueError: a categorical variable, or a domain without respondents.

    Example:
        >>> import pandas as pd
        >>> s = pd.DataFrame({"y": [1, 0, 1, 1, 0, 0], "g": list("aaabbb")})
        >>> round(difference(s, None, "y", "g", "a", "b").estimate, 4)
        0.3333

    Reference: R survey ``svycontrast(svyby(~y, ~by, design, svymean, covmat=TRUE), c(1, -1))``,
    equal to the ``by`` coefficient of ``svyglm(y ~ by, design)``, on a linearised or a replicate
    design.
    """
    if not 0 < level < 1:
        raise ValueError(f"level={level!r}: give the confidence level as a fraction, e.g. 0.95")
    if by not in sample.columns:
        raise KeyError(f"column {by!r} not in the sample: choose from {list(sample.columns)}")
    est = estimands(sample, variable, by)
    if est.categorical:
        raise ValueError(f"{variable!r} is categorical: make a 0/1 column for the level to compare")
    columns = {key[0]: j for j, key in enumerate(est.keys)}
    for value in (first, second):
        if value not in columns:
            raise ValueError(
                f"no respondent with {by} == {value!r} answered {variable!r}: "
                f"choose among {sorted(columns, key=str)}"
            )
    pick = [columns[first], columns[second]]
    design = design_of(sample, result, lonely_psu=lonely_psu)
    domain, values = est.domain[:, pick], est.values[:, pick]
    means = point(design.weights, domain, values, "mean")
    cov, replicate_df = _covariance(sample, result, design, domain, values, variance, replicates, seed)
    se = float(np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]))
    diff = float(means[0] - means[1])
    design_df = float(design.degrees_of_freedom(np.ones((design.n, 1)))[0])
    df = (design_df if replicate_df is None else replicate_df) - 1
    t = diff / se if se > 0 else np.nan
    q = float(stats.t.ppf(1 - (1 - level) / 2, df))
    return DomainDifference(
        first=first,
        second=second,
        estimate=diff,
        se=se,
        statistic=float(t),
        df=df,
        p_value=float(2 * stats.t.sf(abs(t), df)),
        ci_low=diff - q * se,
        ci_high=diff + q * se,
        level=level,
    )
