"""How much the weights cost and how well they fit: Kish design effect, margins, balance.

Pulse names one design effect everywhere: Kish's ``deff = n·Σw²/(Σw)²`` (Kish 1965, *Survey
Sampling*, §11.7), which equals 1 + CV² of the weights with the population (not sample) variance.
Pew's 1 + (sd/mean)² with the sample sd differs by a factor of order 1/n.

Example:
    >>> import pandas as pd
    >>> design_effect(pd.Series([1.0, 1.0, 2.0, 4.0]))
    1.375
    >>> round(effective_n([1.0, 1.0, 2.0, 4.0]), 4)
    2.9091
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "design_effect",
    "effective_n",
    "efficiency",
    "margin_table",
    "standardised_differences",
    "weight_summary",
]


def _array(weights: Any) -> np.ndarray:
    arr = np.asarray(weights, dtype=float)
    if arr.ndim != 1 or len(arr) == 0:
        raise ValueError("weights must be a non-empty one-dimensional sequence")
    if not np.isfinite(arr).all():
        raise ValueError("weights contain missing or infinite values")
    if arr.sum() <= 0:
        raise ValueError("weights must have a positive sum")
    return arr


def design_effect(weights: Any) -> float:
    """Kish's design effect from unequal weighting.

    Args:
        weights: final weights (Series, array or list); zero weights count in n.

    Returns:
        ``n·Σw²/(Σw)²``; 1 for equal weights, larger for more variable weights.

    Raises:
        ValueError: empty weights, missing values, or a non-positive sum.

    Example:
        >>> design_effect([1, 1, 1, 1])
        1.0

    Reference: Kish (1965) §11.7; R ``survey`` has no direct function; ``PracTools::deffK``.
    """
    arr = _array(weights)
    return float(len(arr) * np.dot(arr, arr) / arr.sum() ** 2)


def effective_n(weights: Any) -> float:
    """Kish's effective sample size ``(Σw)²/Σw²`` = n / deff.

    Args:
        weights: final weights.

    Returns:
        The effective number of respondents.

    Raises:
        ValueError: as :func:`design_effect`.

    Example:
        >>> effective_n([2, 2, 2])
        3.0

    Reference: Kish (1965); ``PracTools::deffK`` (n / deffK).
    """
    arr = _array(weights)
    return float(arr.sum() ** 2 / np.dot(arr, arr))


def efficiency(weights: Any) -> float:
    """Weighting efficiency: effective n / n = 1 / deff, between 0 and 1.

    Args:
        weights: final weights.

    Returns:
        The efficiency as a proportion.

    Raises:
        ValueError: as :func:`design_effect`.

    Example:
        >>> efficiency([1, 3])
        0.8

    Reference: Kish (1992) "Weighting for unequal Pi", J. Official Statistics 8(2).
    """
    return 1.0 / design_effect(weights)


def weight_summary(weights: Any) -> pd.Series:
    """Distribution of the weights, for the methods note of a report.

    Args:
        weights: final weights.

    Returns:
        A Series with n, sum, min, p01, p05, median, mean, p95, p99, max, max_min_ratio, cv,
        design_effect, effective_n and efficiency.

    Raises:
        ValueError: as :func:`design_effect`.

    Example:
        >>> float(weight_summary([1, 1, 2, 4])["max_min_ratio"])
        4.0

    Reference: the weight summaries of R ``summary(weights(design))`` plus Kish's deff.
    """
    arr = _array(weights)
    q = np.quantile(arr, [0.01, 0.05, 0.5, 0.95, 0.99])
    mean = arr.mean()
    smallest = arr.min()
    return pd.Series(
        {
            "n": float(len(arr)),
            "sum": float(arr.sum()),
            "min": float(smallest),
            "p01": q[0],
            "p05": q[1],
            "median": q[2],
            "mean": float(mean),
            "p95": q[3],
            "p99": q[4],
            "max": float(arr.max()),
            "max_min_ratio": float(arr.max() / smallest) if smallest > 0 else float("inf"),
            "cv": float(arr.std() / mean),
            "design_effect": design_effect(arr),
            "effective_n": effective_n(arr),
            "efficiency": efficiency(arr),
        },
        name="weights",
    )


def _shares(values: pd.Series, weights: np.ndarray) -> pd.Series:
    total = float(weights.sum())
    summed: pd.Series = pd.Series(weights, index=values.index).groupby(values.to_numpy(), sort=False).sum()
    return summed / total


def margin_table(
    sample: pd.DataFrame, targets: Mapping[str, Mapping[Any, float]], weights: Any, base_weights: Any = None
) -> pd.DataFrame:
    """Target, unweighted and weighted share of every level of every margin.

    Args:
        sample: respondents with one column per margin (already recoded to the targets' levels).
        targets: ``{column: {level: share or count}}``; counts are turned into shares.
        weights: final weights aligned with ``sample``.
        base_weights: optional weights for the "unweighted" column (default: equal).

    Returns:
        DataFrame with columns variable, level, target, unweighted, weighted, error
        (weighted − target). Sample levels without a target appear with target NaN.

    Raises:
        KeyError: a margin names a column the sample lacks.

    Example:
        >>> s = pd.DataFrame({"sex": ["female", "male", "male"]})
        >>> margin_table(s, {"sex": {"female": 0.5, "male": 0.5}}, [1.5, 0.75, 0.75])["weighted"].tolist()
        [0.5, 0.5]

    Reference: the margin check of R ``survey::svytable`` after ``rake``.
    """
    w = _array(weights)
    b = np.ones(len(sample)) if base_weights is None else _array(base_weights)
    rows = []
    for var, levels in targets.items():
        if var not in sample.columns:
            raise KeyError(f"the sample has no column {var!r} for the margin of that name")
        total = float(sum(levels.values()))
        unweighted = _shares(sample[var], b)
        weighted = _shares(sample[var], w)
        for level in list(levels) + [lvl for lvl in unweighted.index if lvl not in levels]:
            target = levels[level] / total if level in levels else np.nan
            rows.append(
                (var, level, target, float(unweighted.get(level, 0.0)), float(weighted.get(level, 0.0)))
            )
    table = pd.DataFrame(rows, columns=["variable", "level", "target", "unweighted", "weighted"])
    table["error"] = table["weighted"] - table["target"]
    return table


def standardised_differences(margins: pd.DataFrame) -> pd.DataFrame:
    """Absolute standardised mean differences of each level's indicator, before and after weighting.

    For a level with target share p, the indicator's standardised difference is
    ``|share − p| / sqrt(p(1 − p))``, the target population's standard deviation as the scale.

    Args:
        margins: a margin table (from :func:`margin_table` or ``WeightingResult.margins``).

    Returns:
        DataFrame with variable, level, asmd_before, asmd_after; plus one row per variable with
        level ``"(mean)"`` holding the mean over its levels.

    Raises:
        KeyError: the table lacks the target, unweighted or weighted column.

    Example:
        >>> m = pd.DataFrame({"variable": ["sex", "sex"], "level": ["female", "male"],
        ...                   "target": [0.5, 0.5], "unweighted": [0.25, 0.75], "weighted": [0.5, 0.5]})
        >>> standardised_differences(m)["asmd_before"].tolist()
        [0.5, 0.5, 0.5]

    Reference: Austin (2009) Stat Med 28:3083 (categorical SMD); ``balance``'s ``asmd``
    (Meta's balance package) scales by the target's standard deviation in the same way.
    """
    table = margins.dropna(subset=["target"])
    p = table["target"].to_numpy(dtype=float)
    scale = np.sqrt(p * (1 - p))
    scale = np.where(scale > 0, scale, 1.0)
    out = pd.DataFrame(
        {
            "variable": table["variable"].to_numpy(),
            "level": table["level"].to_numpy(),
            "asmd_before": np.abs(table["unweighted"].to_numpy(dtype=float) - p) / scale,
            "asmd_after": np.abs(table["weighted"].to_numpy(dtype=float) - p) / scale,
        }
    )
    means = out.groupby("variable", sort=False)[["asmd_before", "asmd_after"]].mean().reset_index()
    means.insert(1, "level", "(mean)")
    return pd.concat([out, means], ignore_index=True)
