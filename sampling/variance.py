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
over countries (``svydesign(ids=~1, strata=~country)``); its replicates are JKn and a bootstrap
within countries.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

#: Backfitting sweeps R's ``svyrecvar`` runs for a raked design (survey 4.x).
RAKING_SWEEPS = 10
VARIANCE_METHODS = {
    "linearization": "linearization", "linearisation": "linearization", "taylor": "linearization",
    "jackknife": "jackknife", "jk1": "jackknife", "bootstrap": "bootstrap",
}
#: Replicates computed together; bounds memory at n × block floats.
REPLICATE_BLOCK = 128


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
            raise ValueError(f"{what} is not aligned to sample.index: pass the same respondents "
                             "(same index) that were weighted")
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
            raise ValueError("weights must be finite and non-negative: "
                             "fix or drop the respondents without one")
        return Design(weights=weights, base=weights, calibration="none")
    if not all(hasattr(result, a) for a in ("weights", "base_weights", "method", "targets", "design_matrix")):
        raise TypeError("result must be a sampling.WeightingResult (from rake, calibrate, poststratify or "
                        f"trim), a Series of design weights, or None, not {type(result).__name__}")
    weights = _aligned(result.weights, sample, "result.weights")
    base = _aligned(result.base_weights, sample, "result.base_weights")
    indicators = np.asarray(result.design_matrix(sample), dtype=float)
    if result.method == "rake":
        codes, start = [], 0
        for levels in result.targets.values():
            block = indicators[:, start:start + len(levels)]
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
            raise ValueError("the pooled result covers respondents missing from the sample: pass the sample "
                             "that was weighted")
        part = design_of(sample.iloc[rows], country_result)
        base[rows] = part.base
        strata[rows] = h
        # The pooled weights are the country's weights times a constant: residuals are unchanged.
        parts.append((rows, replace(part, weights=weights[rows])))
    if (strata < 0).any():
        raise ValueError("some respondents belong to no country of the pooled result: pass the sample that "
                         "was weighted")
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
        x = x.copy()
        for _ in range(RAKING_SWEEPS):
            for codes in design.margins:
                counts = np.bincount(codes).astype(float)
                z = x / psw
                means = np.stack([np.bincount(codes, weights=z[:, j], minlength=counts.size) for j in
                                  range(x.shape[1])], axis=1) / np.maximum(counts, 1.0)[:, None]
                x = x - psw * means[codes]
        return x
    root = np.sqrt(np.clip(design.base, 0.0, None))
    scale = np.divide(w, root, out=np.zeros_like(w), where=root > 0)[:, None]
    a = design.model * root[:, None]
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    q = u[:, s > s[0] * max(a.shape) * np.finfo(float).eps] if s.size else u[:, :0]
    z = np.divide(x, scale, out=np.zeros_like(x), where=scale > 0)
    return (z - q @ (q.T @ z)) * scale


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
    for rows in design.stratum_rows():
        n = rows.size
        if n < 2:
            return np.full(x.shape[1], np.nan)
        var += ((x[rows] - x[rows].mean(axis=0)) ** 2).sum(axis=0) * n / (n - 1)
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
    denom = (design.weights @ domain)
    estimate = point(design.weights, domain, values, "mean")
    with np.errstate(invalid="ignore", divide="ignore"):
        return w * domain * (values - estimate) / denom


def linearized_cov(design: Design, domain: np.ndarray, values: np.ndarray, statistic: str) -> np.ndarray:
    """Linearised covariance matrix of the estimates (k × k), calibration accounted for."""
    x = np.nan_to_num(influence(design, domain, values, statistic))
    return with_replacement_cov(residualize(design, x), design)


def _jackknife_blocks(design: Design) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Delete-one factors (n × block) and each replicate's scale (n_h − 1)/n_h: JK1, or JKn by stratum."""
    n = design.n
    stratum_of = np.zeros(n, dtype=np.intp) if design.strata is None else np.unique(design.strata,
                                                                                   return_inverse=True)[1]
    sizes = np.bincount(stratum_of).astype(float)
    for start in range(0, n, REPLICATE_BLOCK):
        stop = min(start + REPLICATE_BLOCK, n)
        deleted = np.arange(start, stop)
        same = stratum_of[:, None] == stratum_of[deleted][None, :]
        factors = np.where(same, (sizes / (sizes - 1))[stratum_of][:, None], 1.0)
        factors[deleted, np.arange(stop - start)] = 0.0
        nh = sizes[stratum_of[deleted]]
        yield factors, (nh - 1) / nh


def _bootstrap_blocks(design: Design, replicates: int,
                      seed: int | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Resampling counts (n × block), n_h draws with replacement within each stratum; scales of 1."""
    rng = np.random.default_rng(seed)
    n = design.n
    strata = design.stratum_rows()
    for start in range(0, replicates, REPLICATE_BLOCK):
        size = min(REPLICATE_BLOCK, replicates - start)
        draws = np.concatenate([rows[rng.integers(0, rows.size, size=(size, rows.size))] for rows in strata],
                               axis=1) + (np.arange(size) * n)[:, None]
        # Times each respondent is drawn, per replicate (a multinomial(n_h, 1/n_h) vector per stratum).
        counts = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).T.astype(float)
        yield counts, np.ones(size)


def _margin_frame(sample: pd.DataFrame, result: Any) -> pd.DataFrame:
    """The margin columns as categoricals, so each replicate's re-weighting skips re-factorising text."""
    columns = [c for c in getattr(result, "variables", ()) if c in sample.columns]
    if not columns:
        return sample
    return pd.DataFrame({c: sample[c] if isinstance(sample[c].dtype, pd.CategoricalDtype)
                         else sample[c].astype("category") for c in columns}, index=sample.index)


@dataclass(frozen=True)
class ReplicateVariance:
    """Replicate estimates and the variance they give.

    Attributes:
        method: "jackknife" (JK1) or "bootstrap".
        replicates: fewest replicates any estimate used (replicates without an estimate are dropped,
            as R does with NA).
        dropped: most replicates any estimate lost (a level or domain left without respondents).
        variance: variance of each estimate.
    """

    method: str
    replicates: int
    dropped: int
    variance: np.ndarray


def replicate_variance(sample: pd.DataFrame, result: Any | None, design: Design, domain: np.ndarray,
                       values: np.ndarray, statistic: str, *, method: str, replicates: int = 200,
                       seed: int | None = None) -> ReplicateVariance:
    """Variance from replicate weights, each replicate re-weighted by ``result.reweight``.

    JK1 deletes one respondent at a time (others ×n/(n−1)), variance ``(n−1)/n·Σ(θᵣ − θ̄)²``; the
    bootstrap draws n respondents with replacement (weights × counts), variance
    ``n/((n−1)(R−1))·Σ(θᵣ − θ̄)²``. Both centre on the mean of the replicates, R's default
    (``options(survey.replicates.mse = FALSE)``). A stratified (pooled) design gets JKn
    (deletion within the stratum, others there ×n_h/(n_h−1), replicate scale (n_h−1)/n_h) and
    the bootstrap resamples n_h within each stratum, with n the harmonic mean of the n_h. This is
    survey 4.x's ``bootweights`` (n_h of n_h drawn, variance scaled by n/(n−1)); Rao-Wu's n_h − 1
    draws give the same variance to O(1/n). R's draws cannot be reproduced (different RNG).

    Args:
        sample: the respondents (passed to ``result.reweight``).
        result: the WeightingResult whose method and targets each replicate re-runs; a Series of
            fixed design weights or None (replicates are then not re-weighted).
        design: the full-sample design.
        domain: domain membership, n × k.
        values: values, n × k.
        statistic: "mean" or "total".
        method: "jackknife" or "bootstrap".
        replicates: bootstrap replicates (ignored by the jackknife, which has n).
        seed: seed of the bootstrap's random draws.

    Returns:
        A :class:`ReplicateVariance`.

    Raises:
        ValueError: fewer than two replicates gave an estimate.
        RuntimeError: the weighting method failed to converge on a replicate.

    Example:
        >>> import numpy as np, pandas as pd
        >>> s = pd.DataFrame({"y": [0.0, 1.0, 1.0]})
        >>> d = design_of(s, None)
        >>> y = s[["y"]].to_numpy()
        >>> rv = replicate_variance(s, None, d, np.ones((3, 1)), y, "mean", method="jackknife")
        >>> round(float(rv.variance[0]), 6)  # p(1−p)/(n−1) = (2/9)/2
        0.111111

    Reference: R survey ``as.svrepdesign(type="JK1"|"JKn"|"bootstrap", compress=FALSE)`` then ``rake``.
    """
    n = design.n
    reweighted = result is not None and not isinstance(result, pd.Series)
    frame = _margin_frame(sample, result) if reweighted else sample
    if method == "jackknife":
        blocks = _jackknife_blocks(design)
    else:
        blocks = _bootstrap_blocks(design, replicates, seed)
    thetas: list[np.ndarray] = []
    scales: list[np.ndarray] = []
    for factors, rscales in blocks:
        scales.append(rscales)
        base = design.base[:, None] * factors
        if not reweighted:
            weights = base
        else:
            columns = []
            for r in range(base.shape[1]):
                try:
                    columns.append(np.asarray(result.reweight(frame, base[:, r]).weights, dtype=float))
                except ValueError:  # a replicate that empties a target level cannot be re-weighted
                    columns.append(np.full(n, np.nan))
                except RuntimeError as error:  # the method did not converge on this replicate
                    number = len(thetas) * REPLICATE_BLOCK + r + 1
                    raise RuntimeError(f"{method} replicate {number} could not be re-weighted by "
                                       f"{result.method!r}: {error}. Use variance='linearization', "
                                       "or loosen the weighting options") from error
            weights = np.stack(columns, axis=1)
        thetas.append(point(weights, domain, values, statistic))
    theta = np.concatenate(thetas, axis=0)
    valid = ~np.isnan(theta)
    used = valid.sum(axis=0)
    if used.min(initial=n) < 2:
        raise ValueError(f"only {int(used.min())} replicate(s) gave an estimate: "
                         "use variance='linearization', or merge sparse levels of the weighting margins "
                         "or of by=")
    # As R's svrVar, a replicate without an estimate (NA) is dropped, estimate by estimate.
    mean = np.nanmean(theta, axis=0)
    rscales = np.concatenate(scales)[:, None]
    if method == "jackknife":
        scale = np.ones(theta.shape[1])
    else:
        sizes = np.array([rows.size for rows in design.stratum_rows()], dtype=float)
        psu = 1 / np.mean(1 / sizes)  # R's psu.per.strata
        scale = psu / ((psu - 1) * (used - 1))
    variance = np.nansum(rscales * (theta - mean) ** 2, axis=0) * scale
    dropped = int((~valid).sum(axis=0).max())
    return ReplicateVariance(method=method, replicates=int(used.min()), dropped=dropped, variance=variance)
