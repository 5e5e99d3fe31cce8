"""Replicate variances: JK1 (JKn by stratum) and the bootstrap, each replicate re-weighted.

Each replicate's base weights are re-raked (or re-calibrated) to the same targets with
``WeightingResult.reweight``, as R's survey does for a replicate design built before ``rake``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sampling.variance import Design, point

#: Replicates computed together; bounds memory at n × block floats.
REPLICATE_BLOCK = 128


def _jackknife_blocks(design: Design) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Delete-one factors (n × block) and each replicate's scale (n_h − 1)/n_h: JK1, or JKn by stratum."""
    n = design.n
    stratum_of = (
        np.zeros(n, dtype=np.intp)
        if design.strata is None
        else np.unique(design.strata, return_inverse=True)[1]
    )
    sizes = np.bincount(stratum_of).astype(float)
    for start in range(0, n, REPLICATE_BLOCK):
        stop = min(start + REPLICATE_BLOCK, n)
        deleted = np.arange(start, stop)
        same = stratum_of[:, None] == stratum_of[deleted][None, :]
        factors = np.where(same, (sizes / (sizes - 1))[stratum_of][:, None], 1.0)
        factors[deleted, np.arange(stop - start)] = 0.0
        nh = sizes[stratum_of[deleted]]
        yield factors, (nh - 1) / nh


def _bootstrap_blocks(
    design: Design, replicates: int, seed: int | None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Resampling counts (n × block), n_h draws with replacement within each stratum; scales of 1."""
    rng = np.random.default_rng(seed)
    n = design.n
    strata = design.stratum_rows()
    for start in range(0, replicates, REPLICATE_BLOCK):
        size = min(REPLICATE_BLOCK, replicates - start)
        draws = (
            np.concatenate(
                [rows[rng.integers(0, rows.size, size=(size, rows.size))] for rows in strata], axis=1
            )
            + (np.arange(size) * n)[:, None]
        )
        # Times each respondent is drawn, per replicate (a multinomial(n_h, 1/n_h) vector per stratum).
        counts = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).T.astype(float)
        yield counts, np.ones(size)


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


def replicate_variance(
    sample: pd.DataFrame,
    result: Any | None,
    design: Design,
    domain: np.ndarray,
    values: np.ndarray,
    statistic: str,
    *,
    method: str,
    replicates: int = 200,
    seed: int | None = None,
) -> ReplicateVariance:
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
        >>> from sampling.variance import design_of
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
                    raise RuntimeError(
                        f"{method} replicate {number} could not be re-weighted by "
                        f"{result.method!r}: {error}. Use variance='linearization', "
                        "or loosen the weighting options"
                    ) from error
            weights = np.stack(columns, axis=1)
        thetas.append(point(weights, domain, values, statistic))
    theta = np.concatenate(thetas, axis=0)
    valid = ~np.isnan(theta)
    used = valid.sum(axis=0)
    if used.min(initial=n) < 2:
        raise ValueError(
            f"only {int(used.min())} replicate(s) gave an estimate: "
            "use variance='linearization', or merge sparse levels of the weighting margins "
            "or of by="
        )
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
