"""Linearised variances of pooled (multi-country) estimates, countries as independent strata.

``sampling.estimate`` and ``sampling.significance.difference`` take one ``WeightingResult``;
a pooled sample has one per country. This module composes :mod:`sampling.variance`'s primitives
the way R's survey package treats ``svydesign(ids=~1, strata=~country, weights=~w)`` with each
stratum raked: influence values from the pooled weights, residualised on each country's own
raking, then the with-replacement variance summed over countries. With one country it gives
exactly ``sampling.estimate`` and ``sampling.significance.difference`` (tested).

TODO(sampling): this belongs in ``sampling.pooling`` (``PooledResult.estimate``); the lead will move it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sampling.pooling import PooledResult
from sampling.variance import design_of, influence, point, residualize, Design


@dataclass(frozen=True)
class PooledEstimates:
    """Domain means of several 0/1 columns with their linearised standard errors.

    Attributes:
        estimate: weighted means, one per column.
        se: linearised standard errors.
        n: respondents in each domain.
        kish_n: Kish's effective n of each domain's weights, (Σw)²/Σw².
    """

    estimate: np.ndarray
    se: np.ndarray
    n: np.ndarray
    kish_n: np.ndarray


Strata = tuple[tuple[np.ndarray, Design], ...]


def strata_of(sample: pd.DataFrame, pooled: PooledResult, *, country: str = "country") -> Strata:
    """Each country's row positions and its calibration design, built once per weighting.

    Example:
        >>> strata = strata_of(sample, pooled)  # doctest: +SKIP
    """
    codes = sample[country].to_numpy()
    out = []
    for code, result in pooled.by_country.items():
        positions = np.flatnonzero(codes == code)
        out.append((positions, design_of(sample.iloc[positions], result)))
    return tuple(out)


def _stratified_variance(strata: Strata, x: np.ndarray) -> np.ndarray:
    """Σ over countries of the with-replacement variance of x residualised on that country's raking."""
    total = np.zeros(x.shape[1])
    for positions, design in strata:
        n_c = len(positions)
        if n_c < 2:
            continue
        r = residualize(design, x[positions])
        total += ((r - r.mean(axis=0)) ** 2).sum(axis=0) * n_c / (n_c - 1)
    return total


def pooled_means(sample: pd.DataFrame, pooled: PooledResult, domain: np.ndarray, values: np.ndarray, *,
                 country: str = "country", strata: Strata | None = None) -> PooledEstimates:
    """Weighted domain means of ``values`` under pooled weights, with stratified linearised SEs.

    Args:
        sample: the weighted respondents (margin columns as weighted, and ``country``).
        pooled: the :class:`sampling.pooling.PooledResult` that weighted them.
        domain: n × k 0/1 domain membership.
        values: n × k values (0/1 for proportions).
        country: the country column.
        strata: :func:`strata_of` the same sample and weighting, to reuse across calls.

    Returns:
        A :class:`PooledEstimates`.

    Example:
        >>> pooled_means(sample, pooled, np.ones((n, 1)), yes[:, None]).estimate  # doctest: +SKIP

    Reference: R survey ``svymean`` on ``svydesign(ids=~1, strata=~country, weights=~w)`` with each
    stratum raked (``svyrecvar``); Lumley (2010) §7.
    """
    w = pooled.weights.to_numpy(dtype=float)
    design = Design(weights=w, base=np.ones_like(w), calibration="none")
    estimate = point(w, domain, values, "mean")
    x = np.nan_to_num(influence(design, domain, values, "mean"))
    strata = strata_of(sample, pooled, country=country) if strata is None else strata
    se = np.sqrt(_stratified_variance(strata, x))
    wd = w[:, None] * domain
    with np.errstate(invalid="ignore", divide="ignore"):
        kish = wd.sum(axis=0) ** 2 / (wd ** 2).sum(axis=0)
    return PooledEstimates(estimate=estimate, se=se, n=domain.sum(axis=0).astype(int), kish_n=kish)


@dataclass(frozen=True)
class PooledDifference:
    """Domain minus complement, per column: estimate, linearised SE and two-sided p-value."""

    estimate: np.ndarray
    se: np.ndarray
    p_value: np.ndarray


def domain_vs_rest(sample: pd.DataFrame, pooled: PooledResult, members: np.ndarray, values: np.ndarray, *,
                   country: str = "country", strata: Strata | None = None) -> PooledDifference:
    """Test each column's mean in each domain against the rest of the sample (two-sided t, df = n − 2).

    Args:
        sample: the weighted respondents.
        pooled: their :class:`sampling.pooling.PooledResult`.
        members: 0/1 membership, length n (one domain) or n × m (m domains).
        values: n × k 0/1 values.
        country: the country column.
        strata: :func:`strata_of` the same sample and weighting, to reuse across calls.

    Returns:
        A :class:`PooledDifference`, arrays of m × k (flattened to k for one domain); NaN where
        the domain or the rest is empty or the SE is 0.

    Example:
        >>> domain_vs_rest(sample, pooled, is_us, yes[:, None]).p_value  # doctest: +SKIP

    Reference: R survey ``svycontrast(svyby(~y, ~g, design, svymean, covmat=TRUE), c(1, -1))``, as
    ``sampling.significance.difference``.
    """
    single = members.ndim == 1
    members = members.reshape(len(sample), -1).astype(float)
    m, k = members.shape[1], values.shape[1]
    inside = np.repeat(members, k, axis=1)            # column j*k + o: domain j, option o
    outside = 1.0 - inside
    tiled = np.tile(values, (1, m))
    w = pooled.weights.to_numpy(dtype=float)
    design = Design(weights=w, base=np.ones_like(w), calibration="none")
    both_dom = np.concatenate([inside, outside], axis=1)
    both_val = np.concatenate([tiled, tiled], axis=1)
    means = point(w, both_dom, both_val, "mean")
    x = np.nan_to_num(influence(design, both_dom, both_val, "mean"))
    strata = strata_of(sample, pooled, country=country) if strata is None else strata
    var = _stratified_variance(strata, x[:, :m * k] - x[:, m * k:])
    diff = means[:m * k] - means[m * k:]
    se = np.sqrt(var)
    df = max(len(sample) - 2, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(se > 0, diff / se, np.nan)
    p = 2 * stats.t.sf(np.abs(t), df)
    shape = (k,) if single else (m, k)
    return PooledDifference(estimate=diff.reshape(shape), se=se.reshape(shape), p_value=p.reshape(shape))
