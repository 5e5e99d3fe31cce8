"""Design-based variances: Taylor linearisation after calibration, and replicate weights.

Everything here works on numpy arrays. An *estimand* is a weighted domain mean (a ratio) or a
weighted domain total of some column: ``domain`` holds each respondent's membership (1 in the
domain with a non-missing value, else 0) and ``values`` the value (0 where missing), one column
per estimate. The design is one stage, each respondent its own sampling unit, as R's
``svydesign(ids=~1, weights=~w)``; calibration is then accounted for as R's ``svyrecvar`` does:

* ``rake``: ten sweeps of backfitting over the margins, ``x - w·ave(x/w, margin)`` (the unweighted
  mean within each margin level), exactly the code R's survey package runs for a ``rake()``d design;
* ``calibrate``, ``poststratify`` and ``trim``: the GREG residual, ``x/(g·√d)`` regressed on
  ``√d·X`` (``d`` the base weights, ``X`` the margin indicators) by least squares, times ``g·√d``,
  as survey does for ``calibrate()`` (its post-stratification formula gives the same residual).

The variance of the residualised influence values is then the with-replacement formula,
``n/(n−1)·Σ(x − x̄)²``. A pooled weighting (``sampling.pooling.pool``) is a design stratified by
country: each country's rows are residualised on its own calibration and the formula is summed
over countries (``svydesign(ids=~1, strata=~country)``). Replicate variances (JK1, JKn and the
bootstrap, each replicate re-weighted) are in :mod:`sampling.replicates`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

#: Backfitting sweeps R's ``svyrecvar`` runs for a raked design (survey 4.x).
RAKING_SWEEPS = 10
VARIANCE_METHODS = {
    "linearization": "linearization",
    "linearisation": "linearization",
    "taylor": "linearization",
    "jackknife": "jackknife",
    "jk1": "jackknife",
    "bootstrap": "bootstrap",
}


@dataclass(frozen=True)
class Design:
    """The numbers a variance needs: final and base weights and the calibration model.

    Attributes:
        weights: final weights (length n).
        base: base (design) weights before calibration.
        calibration: "none", "raking" (R's backfitting), "greg" (regression residuals) or
            "pooled" (each country's own calibration, countries as strata).
        margins: integer level codes per raking margin, in the order raked.
        model: calibration model matrix (n × p indicator columns) for "greg".
        strata: stratum code per respondent (countries of a pooled weighting), or None.
        parts: for "pooled", each country's row positions and its own design.
    """

    weights: np.ndarray
    base: np.ndarray
    calibration: str
    margins: tuple[np.ndarray, ...] = ()
    model: np.ndarray | None = None
    strata: np.ndarray | None = None
    parts: tuple[tuple[np.ndarray, Design], ...] = ()
    # What residualising needs from the margins or the model alone, built on first use.
    _calibration_basis: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of respondents (sampling units)."""
        return int(self.weights.shape[0])

    def stratum_rows(self) -> list[np.ndarray]:
        """Row positions of each stratum (one stratum, everyone, when unstratified)."""
        if self.strata is None:
            return [np.arange(self.n)]
        return [np.flatnonzero(self.strata == h) for h in np.unique(self.strata)]

    def degrees_of_freedom(self, domain: np.ndarray) -> np.ndarray:
        """Design df of each domain column: its respondents less its strata (R's ``degf``)."""
        members = domain != 0
        strata = self.stratum_rows()
        present = sum(members[rows].any(axis=0).astype(float) for rows in strata)
        return members.sum(axis=0) - present


def _aligned(series: pd.Series, sample: pd.DataFrame, what: str) -> np.ndarray:
    if not series.index.equals(sample.index):
        if len(series) != len(sample) or not series.index.sort_values().equals(sample.index.sort_values()):
            raise ValueError(
                f"{what} is not aligned to sample.index: pass the same respondents "
                "(same index) that were weighted"
            )
        series = series.reindex(sample.index)
    return np.asarray(series, dtype=float)


def design_of(sample: pd.DataFrame, result: Any | None) -> Design:
    """Build the variance design for ``sample`` weighted by ``result`` (None: equal weights).

    Args:
        sample: the respondents.
        result: a ``WeightingResult``; a Series of fixed (design) weights aligned to the sample,
            taken as not calibrated; or None for an unweighted sample.

    Returns:
        A :class:`Design`.

    Raises:
        ValueError: the result's weights are not aligned to the sample.
        TypeError: ``result`` is none of WeightingResult, PooledResult, Series or None.

    Example:
        >>> import pandas as pd
        >>> design_of(pd.DataFrame({"a": [1, 2]}), None).calibration
        'none'

    A ``PooledResult`` (countries weighted to their own frames, then pooled) gives a design
    stratified by country, each country calibrated as its own result was, as R's
    ``svydesign(ids=~1, strata=~country, weights=~w)`` raked to country-by-variable margins.

    Reference: the design R's survey builds with ``svydesign(ids=~1, weights=~w)`` then rake/calibrate.
    """
    n = len(sample)
    if result is not None and hasattr(result, "by_country"):
        return _pooled_design(sample, result)
    if result is None:
        ones = np.ones(n)
        return Design(weights=ones, base=ones, calibration="none")
    if isinstance(result, pd.Series):
        weights = _aligned(result, sample, "weights")
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise ValueError(
                "weights must be finite and non-negative: fix or drop the respondents without one"
            )
        return Design(weights=weights, base=weights, calibration="none")
    if not all(hasattr(result, a) for a in ("weights", "base_weights", "method", "targets", "design_matrix")):
        raise TypeError(
            "result must be a sampling.WeightingResult (from rake, calibrate, poststratify or "
            f"trim), a Series of design weights, or None, not {type(result).__name__}"
        )
    weights = _aligned(result.weights, sample, "result.weights")
    base = _aligned(result.base_weights, sample, "result.base_weights")
    indicators = np.asarray(result.design_matrix(sample), dtype=float)
    if result.method == "rake":
        codes, start = [], 0
        for levels in result.targets.values():
            block = indicators[:, start : start + len(levels)]
            start += len(levels)
            # A respondent outside every level (dropped by the method) forms a level of their own.
            code = np.where(block.any(axis=1), block.argmax(axis=1), len(levels))
            codes.append(code.astype(np.intp))
        return Design(weights=weights, base=base, calibration="raking", margins=tuple(codes))
    return Design(weights=weights, base=base, calibration="greg", model=indicators)


def _pooled_design(sample: pd.DataFrame, result: Any) -> Design:
    if not sample.index.is_unique:
        raise ValueError("sample.index has duplicate labels: give each respondent a unique index")
    weights = _aligned(result.weights, sample, "result.weights")
    base = np.ones(len(sample))
    strata = np.full(len(sample), -1)
    parts = []
    for h, country_result in enumerate(result.by_country.values()):
        rows = sample.index.get_indexer(country_result.weights.index)
        if (rows < 0).any():
            raise ValueError(
                "the pooled result covers respondents missing from the sample: pass the sample "
                "that was weighted"
            )
        part = design_of(sample.iloc[rows], country_result)
        base[rows] = part.base
        strata[rows] = h
        # The pooled weights are the country's weights times a constant: residuals are unchanged.
        parts.append((rows, replace(part, weights=weights[rows])))
    if (strata < 0).any():
        raise ValueError(
            "some respondents belong to no country of the pooled result: pass the sample that was weighted"
        )
    return Design(weights=weights, base=base, calibration="pooled", strata=strata, parts=tuple(parts))


def residualize(design: Design, x: np.ndarray) -> np.ndarray:
    """Remove from influence values ``x`` (n × k) the part the calibration fixes.

    Args:
        design: the variance design.
        x: weighted influence values, one column per estimate.

    Returns:
        The calibration residuals, same shape as ``x``.

    Example:
        >>> import numpy as np
        >>> d = Design(np.ones(2), np.ones(2), "none")
        >>> residualize(d, np.array([[1.0], [-1.0]])).ravel().tolist()
        [1.0, -1.0]

    Reference: R survey ``svyrecvar`` (postStrata handling for "raking" and "greg_calibration").
    """
    if design.calibration == "none":
        return x
    if design.calibration == "pooled":
        out = np.array(x, dtype=float)
        for rows, part in design.parts:
            out[rows] = residualize(part, x[rows])
        return out
    w = design.weights
    if design.calibration == "raking":
        psw = np.where(w == 0, 1.0, w)[:, None]
        return _backfit(design, x / psw) * psw
    root = np.sqrt(np.clip(design.base, 0.0, None))
    scale = np.divide(w, root, out=np.zeros_like(w), where=root > 0)[:, None]
    q = _greg_basis(design, root)
    z = np.divide(x, scale, out=np.zeros_like(x), where=scale > 0)
    return (z - q @ (q.T @ z)) * scale


def _backfit(design: Design, z: np.ndarray) -> np.ndarray:
    """R's raking backfitting, ``z − ave(z, margin)`` margin after margin for ten sweeps, on all columns.

    Every sweep subtracts level means, so the result is ``z − Σⱼ Mⱼaⱼ`` (``Mⱼ`` the indicators of
    margin j, ``aⱼ`` a correction per level and column). The sweeps are run on the corrections:
    margin j's level sums are ``Mⱼᵀz − Σᵢ MⱼᵀMᵢaᵢ``, which needs only the level sums of ``z`` and the
    cross-counts of the margins' levels. So the respondents are visited twice (level sums, then the
    corrections), not twice per margin per sweep, and the arithmetic is R's sweep for sweep.
    """
    basis = design._calibration_basis
    if "indicators" not in basis:
        sizes = [int(codes.max(initial=-1)) + 1 for codes in design.margins]
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        columns = np.stack([codes + offset for codes, offset in zip(design.margins, offsets)], axis=1)
        indicators = sparse.csr_array(
            (np.ones(columns.size), columns.ravel(), np.arange(0, columns.size + 1, len(sizes))),
            shape=(design.n, int(offsets[-1])),
        )
        cross = (indicators.T @ indicators).toarray()
        basis.update(
            indicators=indicators,
            cross=cross,
            counts=np.maximum(np.diag(cross), 1.0),
            blocks=list(itertools.pairwise(offsets)),
        )
    indicators, cross, counts = basis["indicators"], basis["cross"], basis["counts"]
    sums = indicators.T @ z
    corrections = np.zeros_like(sums)
    for _ in range(RAKING_SWEEPS):
        for lo, hi in basis["blocks"]:
            corrections[lo:hi] += (sums[lo:hi] - cross[lo:hi] @ corrections) / counts[lo:hi, None]
    return z - indicators @ corrections


def _greg_basis(design: Design, root: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the columns of ``√d·X`` (the GREG regression), computed once per design."""
    basis = design._calibration_basis
    if "q" not in basis:
        a = design.model * root[:, None]
        u, s, _ = np.linalg.svd(a, full_matrices=False)
        basis["q"] = u[:, s > s[0] * max(a.shape) * np.finfo(float).eps] if s.size else u[:, :0]
    return basis["q"]


def with_replacement_cov(x: np.ndarray, design: Design | None = None) -> np.ndarray:
    """Covariance of totals of ``x`` over n sampling units drawn with replacement.

    Args:
        x: influence values, n × k.
        design: gives the strata, if any (the sum of the formula over strata).

    Returns:
        k × k matrix ``n/(n−1)·Σ(x − x̄)(x − x̄)ᵀ`` (summed over strata, n and x̄ per stratum).

    Example:
        >>> import numpy as np
        >>> float(with_replacement_cov(np.array([[1.0], [-1.0]]))[0, 0])
        4.0

    Reference: R survey ``onestage`` for ``svydesign(ids=~1, ...)``.
    """
    strata = [np.arange(x.shape[0])] if design is None else design.stratum_rows()
    cov = np.zeros((x.shape[1], x.shape[1]))
    for rows in strata:
        n = rows.size
        if n < 2:
            return np.full((x.shape[1], x.shape[1]), np.nan)
        xc = x[rows] - x[rows].mean(axis=0)
        cov += xc.T @ xc * (n / (n - 1))
    return cov


def with_replacement_var(x: np.ndarray, design: Design) -> np.ndarray:
    """Diagonal of :func:`with_replacement_cov`, without forming the k × k matrix."""
    var = np.zeros(x.shape[1])
    strata = [slice(None)] if design.strata is None else design.stratum_rows()
    for rows in strata:
        centred = x[rows] - x[rows].mean(axis=0)
        n = centred.shape[0]
        if n < 2:
            return np.full(x.shape[1], np.nan)
        var += np.einsum("ij,ij->j", centred, centred) * (n / (n - 1))  # no n × k temporary for the squares
    return var


def point(weights: np.ndarray, domain: np.ndarray, values: np.ndarray, statistic: str) -> np.ndarray:
    """Weighted domain means or totals for one weight vector (n,) or several (n × R → R × k)."""
    totals = weights.T @ (domain * values)
    if statistic == "total":
        return totals
    with np.errstate(invalid="ignore", divide="ignore"):
        return totals / (weights.T @ domain)


def influence(design: Design, domain: np.ndarray, values: np.ndarray, statistic: str) -> np.ndarray:
    """Weighted influence values of domain means (``w·1_d·(y − ȳ_d)/Σw1_d``) or totals (``w·1_d·y``)."""
    w = design.weights[:, None]
    if statistic == "total":
        return w * domain * values
    denom = design.weights @ domain
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = (design.weights @ (domain * values)) / denom
        # In place: n × k arrays are a survey's whole answer matrix; one is allocated, not four.
        x = values - estimate
        x *= domain
        x *= w
        x /= denom
    return x


def linearized_se(
    design: Design, domain: np.ndarray, values: np.ndarray, statistic: str = "mean"
) -> np.ndarray:
    """Linearised standard errors of many domain means or totals in one pass, calibration accounted for.

    All columns are residualised together (one backfitting or one projection for the lot), so a
    survey's every question, option and breakdown costs about as much as a few.

    Args:
        design: from :func:`design_of` (build it once per weighting and reuse it: the margins'
            indicators are kept on it after the first call).
        domain: n × k membership, 1 where the respondent is in the estimate's domain and answered.
        values: n × k values (0/1 for an option's share); 0 where missing.
        statistic: "mean" (shares and means) or "total".

    Returns:
        The k standard errors, as :func:`sampling.estimate` reports them one variable at a time.

    Example:
        >>> import numpy as np, pandas as pd
        >>> s = pd.DataFrame({"a": [1.0, 0.0, 1.0, 1.0], "b": [0.0, 0.0, 1.0, 1.0]})
        >>> se = linearized_se(design_of(s, None), np.ones((4, 2)), s.to_numpy())
        >>> se.round(4).tolist()  # sqrt(p(1−p)/(n−1)): sqrt(.1875/3), sqrt(.25/3)
        [0.25, 0.2887]

    Reference: R survey ``svymean``/``svytotal`` (``svyrecvar``) on a raked or calibrated design,
    for several variables in one call.
    """
    x = np.nan_to_num(influence(design, domain, values, statistic))
    return np.sqrt(with_replacement_var(residualize(design, x), design))


def linearized_cov(design: Design, domain: np.ndarray, values: np.ndarray, statistic: str) -> np.ndarray:
    """Linearised covariance matrix of the estimates (k × k), calibration accounted for."""
    x = np.nan_to_num(influence(design, domain, values, statistic))
    return with_replacement_cov(residualize(design, x), design)
