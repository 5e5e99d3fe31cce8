"""Several countries: weight each to its own frame, then pool by physician population share.

Example:
    >>> import pandas as pd
    >>> s = pd.DataFrame({"country": ["ES", "ES", "NZ", "NZ"], "sex": ["female", "male", "female", "male"]})
    >>> frames = {"ES": {"sex": {"female": 0.5, "male": 0.5}}, "NZ": {"sex": {"female": 0.5, "male": 0.5}}}
    >>> r = pool(s, frames, population={"ES": 300.0, "NZ": 100.0})
    >>> r.weights.tolist()
    [1.5, 1.5, 0.5, 0.5]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sampling import diagnostics
from sampling import population as population_module
from sampling.weighting.registry import get_method
from sampling.weighting.result import WeightingResult

COMBINES = ("population_share", "country")


@dataclass(frozen=True)
class PooledResult:
    """Weights for a multi-country sample and each country's own weighting.

    Attributes:
        weights: pooled weights aligned to the sample. With ``combine="population_share"`` each
            country's weights sum to n × its population share (all sum to n); with
            ``combine="country"`` each country keeps the weights of its own weighting.
        by_country: each country's :class:`WeightingResult`.
        population_shares: each country's share of the pooled physician population.
        combine: "population_share" or "country".
        settings: method name, country column and method options, for :meth:`reweight`.
    """

    weights: pd.Series
    by_country: dict[str, WeightingResult]
    population_shares: dict[str, float]
    combine: str
    settings: dict[str, Any]
    # Replicate weights by (kind, replicates, seed), computed once (see sampling.replicates).
    _replicates: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def design_effect(self) -> float:
        """Kish's design effect of the pooled weights."""
        return diagnostics.design_effect(self.weights)

    @property
    def effective_n(self) -> float:
        """Kish's effective sample size of the pooled weights."""
        return diagnostics.effective_n(self.weights)

    @property
    def converged(self) -> bool:
        """Whether every country's weighting converged."""
        return all(r.converged for r in self.by_country.values())

    def countries(self) -> pd.DataFrame:
        """One row per country: n, population share, sample share, weight total and deff."""
        n = len(self.weights)
        rows = []
        for code, result in self.by_country.items():
            w = self.weights.loc[result.weights.index]
            rows.append(
                (code, len(w), self.population_shares[code], len(w) / n, float(w.sum()), result.design_effect)
            )
        return pd.DataFrame(
            rows,
            columns=["country", "n", "population_share", "sample_share", "weight_total", "design_effect"],
        )

    def reweight(self, sample: pd.DataFrame, base_weights: Any) -> PooledResult:
        """Re-run every country's weighting and the pooling with replicate base weights."""
        s = self.settings
        return pool(
            sample,
            s["frames"],
            weights=base_weights,
            method=s["method"],
            country=s["country"],
            population=s["population"],
            combine=self.combine,
            **s["options"],
        )


def pool(
    sample: pd.DataFrame,
    frames: Mapping[str, Any],
    *,
    weights: str | pd.Series | None = None,
    method: str = "rake",
    country: str = "country",
    population: Mapping[str, float] | pd.Series | None = None,
    combine: str = "population_share",
    **options: Any,
) -> PooledResult:
    """Weight each country's respondents to its own frame, then combine.

    Args:
        sample: respondents of several countries.
        frames: country (code or name) → targets (mapping or ``population.Targets``).
        weights: base weights (column name or Series).
        method: registered weighting method applied in every country ("rake" by default).
        country: the column holding each respondent's country (codes or names).
        population: physician count per country; ``population.country_totals()`` by default.
        combine: "population_share" (scale so each country's weights total n × its share of the
            pooled population) or "country" (keep each country's own weights, for side-by-side
            reporting).
        **options: options of the method (tol, max_iter, sparse, ...); unknown ones are refused
            by the method.

    Returns:
        A :class:`PooledResult`.

    Raises:
        ValueError: respondents from a country without a frame, a frame without respondents, a
            country without a population count, or an unknown ``combine``.

    Example:
        >>> pool(s, frames, population={"ES": 3, "NZ": 1}).countries()  # doctest: +SKIP

    Reference: STATS.md "countries are weighted to their own frames, then combined by physician
    population share"; the same as R ``survey`` stratified by country with each stratum raked.
    """
    if combine not in COMBINES:
        raise ValueError(f"combine={combine!r}: use 'population_share' or 'country'")
    if country not in sample.columns:
        raise KeyError(f"the sample has no {country!r} column: name the country column with country=")
    weighting = get_method(method)
    codes_by_value = {v: population_module.country_code(v) for v in sample[country].dropna().unique()}
    if sample[country].isna().any():
        raise ValueError(
            f"{int(sample[country].isna().sum())} respondent(s) have no {country!r}: fix or drop them"
        )
    respondent_country = sample[country].map(codes_by_value)
    frame_by_code = {population_module.country_code(k): v for k, v in frames.items()}
    without_frame = sorted(set(respondent_country) - set(frame_by_code))
    if without_frame:
        raise ValueError(
            f"respondents from {', '.join(without_frame)} have no frame: add their targets to frames "
            "or remove them"
        )
    without_sample = sorted(set(frame_by_code) - set(respondent_country))
    if without_sample:
        raise ValueError(
            f"frames given for {', '.join(without_sample)} but no respondents: drop those frames"
        )
    if population is None:
        totals = population_module.country_totals()
    else:
        totals = pd.Series({population_module.country_code(k): float(v) for k, v in dict(population).items()})
    known: dict[str, float] = {str(k): v for k, v in totals.astype(float).to_dict().items()}
    counts = {c: known[c] for c in frame_by_code if c in known}
    lacking = [c for c in frame_by_code if not counts.get(c, 0.0) > 0]
    if lacking:
        raise ValueError(
            f"no positive physician count for {', '.join(lacking)}: pass population={{country: count}}"
        )
    grand = sum(counts.values())
    shares = {c: counts[c] / grand for c in frame_by_code}
    base = _base_series(sample, weights)
    pooled = np.zeros(len(sample))
    results: dict[str, WeightingResult] = {}
    n = len(sample)
    positions = pd.RangeIndex(n)
    for code, targets in frame_by_code.items():
        mask = (respondent_country == code).to_numpy()
        part = sample.loc[mask]
        result = weighting(part, targets, weights=base.loc[mask] if base is not None else None, **options)
        results[code] = result
        w = result.weights.to_numpy()
        if combine == "population_share":
            w = w * (n * shares[code] / w.sum())
        pooled[positions[mask]] = w
    settings = {
        "frames": dict(frames),
        "method": method,
        "country": country,
        "population": counts,
        "options": dict(options),
    }
    return PooledResult(
        weights=pd.Series(pooled, index=sample.index, name="weight"),
        by_country=results,
        population_shares=shares,
        combine=combine,
        settings=settings,
    )


def _base_series(sample: pd.DataFrame, weights: Any) -> pd.Series | None:
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights not in sample.columns:
            raise KeyError(f"weights={weights!r} names no column of the sample")
        return sample[weights]
    if isinstance(weights, pd.Series):
        return weights.reindex(sample.index)
    return pd.Series(np.asarray(weights, dtype=float), index=sample.index)
