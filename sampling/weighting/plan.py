"""Targets checked and respondents compressed to cells: what every weighting method starts from.

A *margin* is one column of the sample with a target share per level. Every method here needs
only, for each respondent, the level of each margin; respondents who share all their levels fall
in one *cell* and get the same adjustment factor. So each column is factorised once into integer
codes, the observed cells (unique combinations) are found with one ``bincount`` over a mixed-radix
key, and the methods work on the cell table (counts and summed base weights), which has at most a
few thousand rows even for a million respondents. Weights are expanded back with one ``take``.

Infeasible targets are refused here, before any iteration, with the variable and level named.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sampling.weighting.coding import column_codes, lookup_table

#: Largest margin-total disagreement tolerated between count margins (relative).
COUNT_TOTAL_RTOL = 1e-6
#: How close to 1 the levels of a share margin must sum to be taken as they are.
SHARE_SUM_ATOL = 1e-6
#: Shares summing to within this of 1 are rescaled to sum to 1, with a :class:`TargetsWarning`.
SHARE_SUM_NORMALISE = 0.01
#: Count targets describe a population: a margin summing to less than this is not a set of counts.
COUNT_TOTAL_MIN = 2.0
SPARSE_POLICIES = ("error", "collapse", "drop")

MarginKey = Hashable  # a column name, or a tuple of column names for a joint table


class InfeasibleTargetsError(ValueError):
    """Targets that no set of positive weights can meet; the message names variable and level."""


class TargetsWarning(UserWarning):
    """Share targets that sum to nearly 1 were rescaled to sum to exactly 1."""


def _label(key: MarginKey) -> str:
    return " × ".join(map(str, key)) if isinstance(key, tuple) else str(key)


@dataclass(frozen=True)
class NormalisedTargets:
    """Targets as shares per margin, with the population total when they were given as counts."""

    shares: dict[MarginKey, dict[Any, float]]
    total: float | None
    collapse: dict[str, dict[Any, Any]]


def normalise_targets(targets: Any, collapse: Mapping[str, Mapping[Any, Any]] | None) -> NormalisedTargets:
    """Check targets and turn them into shares; merge collapsed levels into their neighbours.

    A ``population.Targets`` object contributes its own recoding maps (canonical specialty codes
    to the frame's levels, Pulse's age bands to the source's bands); the caller's ``collapse``
    applies after them.
    """
    composed: dict[str, dict[Any, Any]] = {}
    frame_maps = getattr(targets, "collapse_maps", None)
    if callable(frame_maps):
        for var, mapping in frame_maps().items():
            composed[var] = dict(mapping)
    if collapse is not None:
        if not isinstance(collapse, Mapping):
            raise TypeError("collapse must be a mapping {column: {rare_level: neighbour_level}}")
        for var, mapping in collapse.items():
            if not isinstance(mapping, Mapping):
                raise TypeError(f"collapse[{var!r}] must be a mapping {{rare_level: neighbour_level}}")
            base = composed.setdefault(var, {})
            for key, value in list(base.items()):
                base[key] = mapping.get(value, value)
            for rare, neighbour in mapping.items():
                if rare == neighbour:
                    raise ValueError(f"collapse[{var!r}] maps level {rare!r} onto itself: remove that entry")
                base[rare] = neighbour
    if not isinstance(targets, Mapping) or len(targets) == 0:
        raise TypeError(
            "targets must be a non-empty mapping {column: {level: share or count}} or population.Targets"
        )
    raw: dict[MarginKey, dict[Any, float]] = {}
    for key, levels in targets.items():
        if not isinstance(levels, Mapping) or len(levels) == 0:
            raise TypeError(f"targets[{_label(key)!r}] must be a non-empty mapping {{level: share or count}}")
        margin: dict[Any, float] = {}
        for level, value in levels.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"target for {_label(key)}={level!r} is {value!r}, not a number") from None
            if not np.isfinite(number) or number <= 0:
                raise InfeasibleTargetsError(
                    f"target for {_label(key)}={level!r} is {number!r}: targets must be positive; "
                    "remove the level (and its respondents) or merge it with collapse="
                )
            margin[level] = number
        mapping = composed.get(key) if isinstance(key, str) else None
        if mapping:
            merged: dict[Any, float] = {}
            for level, number in margin.items():
                target_level = mapping.get(level, level)
                merged[target_level] = merged.get(target_level, 0.0) + number
            margin = merged
        raw[key] = margin
    # fsum is exactly rounded: the shares do not depend on the order the levels were given in.
    sums = {key: math.fsum(m.values()) for key, m in raw.items()}
    total = _population_total(sums)
    shares = {key: {lvl: v / sums[key] for lvl, v in m.items()} for key, m in raw.items()}
    return NormalisedTargets(shares=shares, total=total, collapse=composed)


def _population_total(sums: dict[MarginKey, float]) -> float | None:
    """None when the margins are shares, else their common population total.

    A margin is read as shares when it sums to 1 within :data:`SHARE_SUM_NORMALISE` (rescaled, with a
    :class:`TargetsWarning`, beyond :data:`SHARE_SUM_ATOL`), and as counts when it sums to at least
    :data:`COUNT_TOTAL_MIN`. Anything in between is refused: shares summing to 0.9 are a mistake to
    fix, never a population of 0.9.
    """
    near_one = {key: s for key, s in sums.items() if abs(s - 1.0) <= SHARE_SUM_NORMALISE}
    if near_one:
        others = {key: s for key, s in sums.items() if key not in near_one}
        if others:
            listing = ", ".join(f"{_label(k)} sums to {v:.10g}" for k, v in sums.items())
            raise InfeasibleTargetsError(
                f"some margins are shares and others are not ({listing}): give every margin as shares "
                "summing to 1, or every margin as counts of one population"
            )
        off = {key: s for key, s in near_one.items() if abs(s - 1.0) > SHARE_SUM_ATOL}
        if off:
            listing = ", ".join(f"{_label(k)} sums to {v:.10g}" for k, v in off.items())
            warnings.warn(
                f"share targets rescaled to sum to 1 ({listing}); fix the shares to silence this warning",
                TargetsWarning,
                stacklevel=4,
            )
        return None
    small = {key: s for key, s in sums.items() if s < COUNT_TOTAL_MIN}
    if small:
        key, s = next(iter(small.items()))
        raise InfeasibleTargetsError(
            f"targets of {_label(key)} sum to {s:.10g}: shares must sum to 1 (within "
            f"{SHARE_SUM_NORMALISE:g}) and counts to a population total; fix the shares or give counts"
        )
    first_key, first = next(iter(sums.items()))
    for key, s in sums.items():
        if abs(s - first) > COUNT_TOTAL_RTOL * max(abs(first), 1.0):
            listing = ", ".join(f"{_label(k)} sums to {v:.10g}" for k, v in sums.items())
            raise InfeasibleTargetsError(
                f"margin totals disagree ({listing}): {_label(key)} and {_label(first_key)} must have "
                "the same total; give shares that sum to 1 or counts from one population"
            )
    return float(first)


@dataclass(frozen=True)
class CellPlan:
    """The sample compressed to observed cells, for one set of margins.

    Attributes:
        keys: margin keys, in order.
        levels: for each margin, its target levels (tuples of levels for a joint margin).
        shares: for each margin, target shares aligned with ``levels``.
        cell_of: the cell index of each respondent (length n).
        cell_levels: for each margin, the level index of each cell (length m).
        cell_count: respondents per cell.
        n: number of respondents.
        dropped: levels dropped under ``sparse="drop"``, as (margin, level) pairs.
    """

    keys: tuple[MarginKey, ...]
    levels: tuple[tuple[Any, ...], ...]
    shares: tuple[np.ndarray, ...]
    cell_of: np.ndarray
    cell_levels: tuple[np.ndarray, ...]
    cell_count: np.ndarray
    n: int
    dropped: tuple[tuple[MarginKey, Any], ...] = field(default=())

    def cell_base(self, base: np.ndarray) -> np.ndarray:
        """Summed base weights per cell."""
        return np.bincount(self.cell_of, weights=base, minlength=len(self.cell_count))


def _column_codes(
    sample: pd.DataFrame,
    column: str,
    coded: dict[str, tuple[np.ndarray, list[Any]]] | None = None,
) -> tuple[np.ndarray, list[Any]]:
    """A column's codes and distinct values, coded once per call (``coded`` caches them by column)."""
    if coded is not None and column in coded:
        return coded[column]
    if column not in sample.columns:
        raise KeyError(
            f"the sample has no column {column!r}, which the targets name: add it, or leave that margin out"
        )
    codes, uniques = column_codes(sample[column])
    if len(codes) and codes.min() < 0:
        missing = int((codes < 0).sum())
        raise ValueError(
            f"{missing} respondent(s) have no value for {column!r}: impute or drop them before weighting"
        )
    if coded is not None:
        coded[column] = (codes, uniques)
    return codes, uniques


def margin_codes(
    sample: pd.DataFrame,
    key: MarginKey,
    levels: list[Any],
    collapse: Mapping[str, Mapping[Any, Any]],
    coded: dict[str, tuple[np.ndarray, list[Any]]] | None = None,
) -> np.ndarray:
    """Each respondent's position in ``levels`` for one margin (after ``collapse``).

    ``coded`` caches each column's codes across the margins of one call, so a column that appears
    in several margins (a joint table and its own margin) is coded once.

    Raises:
        InfeasibleTargetsError: a respondent's level (or joint cell) is not in ``levels``.
    """
    columns = key if isinstance(key, tuple) else (key,)
    index = {lvl: i for i, lvl in enumerate(levels)}
    per_column = [_column_codes(sample, c, coded) for c in columns]
    if len(columns) == 1:
        codes, uniques = per_column[0]
        mapping = collapse.get(columns[0])
        lut = lookup_table(uniques, index, mapping)
        if (lut < 0).any():
            u = uniques[int(np.argmax(lut < 0))]
            raise InfeasibleTargetsError(
                f"respondents have {_label(key)}={u!r}, a level with no target: add it to the targets, "
                f"recode it with collapse={{{_label(key)!r}: {{{u!r}: <neighbour>}}}}, or remove those respondents"
            )
        if (
            len(lut)
            and lut.dtype.itemsize >= codes.dtype.itemsize
            and np.array_equal(lut, np.arange(len(lut)))
        ):
            return codes  # the column's codes are already the target levels' positions
        return lut[codes] if len(lut) else codes
    # A joint table: combine the columns' codes, then look up each observed combination.
    combined = np.zeros(len(sample), dtype=np.int64)
    for codes, uniques in per_column:
        combined = combined * len(uniques) + codes
    comb_codes, comb_uniques = pd.factorize(combined, sort=False)
    lut = np.empty(len(comb_uniques), dtype=np.intp)
    for i, combination in enumerate(np.asarray(comb_uniques)):
        parts = []
        rest = int(combination)
        for (_codes, uniques), column in zip(reversed(per_column), reversed(columns)):
            rest, r = divmod(rest, len(uniques))
            mapping = collapse.get(column)
            parts.append(mapping.get(uniques[r], uniques[r]) if mapping else uniques[r])
        combo = tuple(reversed(parts))
        if combo not in index:
            raise InfeasibleTargetsError(
                f"respondents have {_label(key)}={combo!r}, a cell with no target: add it to the joint table "
                "or recode one of its levels with collapse="
            )
        lut[i] = index[combo]
    return np.asarray(lut[comb_codes])


def observed_cells(
    codes: list[np.ndarray], sizes: list[int], n: int
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Observed cells: (cell index per respondent, level index per cell per margin, count per cell)."""
    strides = np.cumprod([1, *sizes[:0:-1]])[::-1]
    space = int(np.prod(sizes, dtype=np.float64))
    # 32-bit keys halve the memory traffic when the cell space allows it.
    dtype = np.int32 if space < 2**31 else np.int64
    key: np.ndarray = codes[0].astype(dtype)
    for c, size in zip(codes[1:], sizes[1:]):
        key *= size
        key += c
    if space <= 1 << 16:
        # A small cell space is kept whole: empty cells carry zero weight, and the key is the cell.
        cell_of = key
        cell_count = np.bincount(key, minlength=space)
        observed = np.arange(space)
    elif space <= 4 * n:
        counts = np.bincount(key, minlength=space)
        observed = np.flatnonzero(counts)
        remap = np.zeros(space, dtype=np.intp)
        remap[observed] = np.arange(len(observed))
        cell_of = remap[key]
        cell_count = counts[observed]
    else:
        observed, cell_of, cell_count = np.unique(key, return_inverse=True, return_counts=True)
    cell_levels = [(observed // int(s)) % size for s, size in zip(strides, sizes)]
    return cell_of, cell_levels, cell_count


def build_plan(
    sample: pd.DataFrame,
    targets: NormalisedTargets,
    *,
    sparse: str = "error",
    min_cell: int = 1,
    base: np.ndarray | None = None,
) -> tuple[CellPlan, dict[MarginKey, dict[Any, float]]]:
    """Compress the sample to cells and check every target level is reachable.

    Returns the plan and the targets actually used (after ``sparse="drop"``).

    Raises:
        InfeasibleTargetsError: a target level has fewer than ``min_cell`` respondents (or only
            zero base weights) and ``sparse`` is "error" or "collapse" without a mapping for it.
    """
    if sparse not in SPARSE_POLICIES:
        raise ValueError(f"sparse={sparse!r}: use one of {', '.join(map(repr, SPARSE_POLICIES))}")
    if not isinstance(sample, pd.DataFrame):
        raise TypeError("sample must be a pandas DataFrame of respondents")
    n = len(sample)
    if n == 0:
        raise ValueError("the sample has no respondents")
    keys = tuple(targets.shares)
    levels = [list(targets.shares[k]) for k in keys]
    coded: dict[str, tuple[np.ndarray, list[Any]]] = {}
    codes = [margin_codes(sample, k, lv, targets.collapse, coded) for k, lv in zip(keys, levels)]
    sizes = [len(lv) for lv in levels]
    cell_of, cell_levels, cell_count = observed_cells(codes, sizes, n)
    base_cell = None if base is None else np.bincount(cell_of, weights=base, minlength=len(cell_count))
    used: dict[MarginKey, dict[Any, float]] = {}
    dropped: list[tuple[MarginKey, Any]] = []
    for j, key in enumerate(keys):
        count = np.bincount(cell_levels[j], weights=cell_count, minlength=sizes[j])
        mass = (
            count if base_cell is None else np.bincount(cell_levels[j], weights=base_cell, minlength=sizes[j])
        )
        sparse_idx = np.flatnonzero((count < min_cell) | (mass <= 0))
        shares = dict(targets.shares[key])
        if len(sparse_idx):
            if sparse != "drop":
                bad = [levels[j][i] for i in sparse_idx]
                shown = ", ".join(
                    f"{lvl!r} ({int(count[levels[j].index(lvl)])} respondents)" for lvl in bad[:5]
                )
                how = (
                    f"map each to a neighbouring level with collapse={{{_label(key)!r}: {{level: neighbour}}}}"
                    if sparse == "collapse"
                    else "collapse it into a neighbouring level (sparse='collapse', collapse={...}) or drop it (sparse='drop')"
                )
                raise InfeasibleTargetsError(
                    f"{_label(key)} has target level(s) with too few respondents (fewer than {min_cell}): {shown}; {how}"
                )
            populated = [levels[j][i] for i in sparse_idx if mass[i] > 0]
            if populated:
                raise InfeasibleTargetsError(
                    f"sparse='drop' drops only levels without respondents, but {_label(key)}={populated[0]!r} has "
                    f"{int(count[levels[j].index(populated[0])])} (fewer than min_cell={min_cell}): merge it into a "
                    f"neighbour with sparse='collapse', collapse={{{_label(key)!r}: {{{populated[0]!r}: <neighbour>}}}}"
                )
            keep = np.setdiff1d(np.arange(sizes[j]), sparse_idx)
            for i in sparse_idx:
                dropped.append((key, levels[j][i]))
                del shares[levels[j][i]]
            remaining = sum(shares.values())
            shares = {lvl: v / remaining for lvl, v in shares.items()}
            renumber = np.full(sizes[j], -1, dtype=np.intp)
            renumber[keep] = np.arange(len(keep))
            cell_levels[j] = renumber[cell_levels[j]]
            levels[j] = [levels[j][i] for i in keep]
        used[key] = shares
    if dropped:
        # Cells at a dropped level hold no respondents: remove them so every cell has valid levels.
        keep_cells = np.logical_and.reduce([cl >= 0 for cl in cell_levels])
        remap = np.cumsum(keep_cells) - 1
        cell_of = remap[cell_of]
        cell_levels = [cl[keep_cells] for cl in cell_levels]
        cell_count = cell_count[keep_cells]
    plan = CellPlan(
        keys=keys,
        levels=tuple(tuple(lv) for lv in levels),
        shares=tuple(np.array([used[k][lvl] for lvl in lv]) for k, lv in zip(keys, levels)),
        cell_of=cell_of,
        cell_levels=tuple(cell_levels),
        cell_count=cell_count,
        n=n,
        dropped=tuple(dropped),
    )
    return plan, used


def base_weights_array(sample: pd.DataFrame, weights: str | pd.Series | None) -> np.ndarray:
    """Base (design) weights as a float array aligned with the sample's rows.

    Raises:
        ValueError: a weight is missing, negative or infinite, or all are zero.
    """
    if weights is None:
        return np.ones(len(sample))
    if isinstance(weights, str):
        if weights not in sample.columns:
            raise KeyError(
                f"weights={weights!r} names no column of the sample: give a column name or a Series"
            )
        series = sample[weights]
    elif isinstance(weights, pd.Series):
        if not weights.index.equals(sample.index):
            if len(weights) != len(sample) or not weights.index.isin(sample.index).all():
                raise ValueError(
                    "the base weights Series is not indexed like the sample: align it to sample.index"
                )
            weights = weights.reindex(sample.index)
        series = weights
    else:
        arr = np.asarray(weights, dtype=float)
        if arr.shape != (len(sample),):
            raise ValueError(f"base weights have shape {arr.shape}, the sample has {len(sample)} rows")
        series = pd.Series(arr)
    arr = np.asarray(series, dtype=float)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} base weight(s) are missing, negative or infinite: fix them before weighting"
        )
    if not (arr > 0).any():
        raise ValueError("every base weight is zero")
    return arr
