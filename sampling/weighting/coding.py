"""Respondents' levels as integer codes: each margin column turned into positions in its targets.

Hashing a million Python strings is most of the cost of weighting from pandas text columns
(``pd.factorize`` takes about 45 ms a column). But a text column read by pandas, built from a
list of labels or recoded with ``map`` holds few distinct string *objects*, each shared by many
rows. So a column of Python objects is coded by the objects' addresses first (a hash of 8-byte
integers, several times faster than hashing the strings), and only the few distinct objects are
then compared as values: equal strings held in different objects end up with one code. A column
of distinct objects (one per row) is coded as ``pd.factorize`` would; no column gets a wrong code.
Categorical columns are coded by their own codes, without hashing; other dtypes (numbers,
pyarrow-backed strings) by ``pd.factorize``. Whether a column shares its objects is judged on its
first rows; one that does not is hashed by value straight away.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd


class _Addresses:
    """The object pointers of an object array, seen as integers (numpy's array interface).

    Numpy refuses to view an object array as integers; this exposes the same buffer under the
    integer type instead. The array is held as an attribute, and numpy keeps this object as the
    view's base, so the objects outlive the view and their addresses stay valid and distinct.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self.__array_interface__ = {
            "data": (values.ctypes.data, True),
            "typestr": np.dtype(np.intp).str,
            "shape": values.shape,
            "version": 3,
        }


#: Rows looked at to tell whether a column shares its string objects between rows.
PROBE_ROWS = 4096


def _object_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of an object array by identity, then merged by value; -1 for a missing value."""
    address = np.asarray(_Addresses(values))
    probe = address[:PROBE_ROWS]
    if len(pd.unique(probe)) > len(probe) // 4:
        # Objects are hardly shared (text built row by row): hashing the addresses would only add work.
        codes, uniques = pd.factorize(values, sort=False)
        return codes, np.asarray(uniques, dtype=object)
    codes, addresses = pd.factorize(address, sort=False)
    # Any row holding an address holds its object: scatter row numbers, keep whichever lands.
    row = np.empty(len(addresses), dtype=np.intp)
    row[codes] = np.arange(len(codes))
    by_value, uniques = pd.factorize(values[row], sort=False)
    if not np.array_equal(by_value, np.arange(len(addresses))):
        codes = by_value[codes]
    return codes, np.asarray(uniques, dtype=object)


def column_codes(series: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Integer codes of one column and the distinct values they index (-1: missing).

    Args:
        series: one margin column of the sample.

    Returns:
        ``(codes, uniques)`` as ``pd.factorize`` returns them (uniques distinct by value, in no
        promised order; for a categorical column, its categories).

    Example:
        >>> codes, uniques = column_codes(pd.Series(["b", "a", "b", None], dtype=object))
        >>> [uniques[c] if c >= 0 else None for c in codes]
        ['b', 'a', 'b', None]

    Reference: ``pandas.factorize`` (same result, up to the order of the uniques).
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        return np.asarray(series.array.codes), list(series.cat.categories)  # a view: .cat.codes would copy
    values = series.to_numpy() if series.dtype == object or _python_strings(series.dtype) else None
    if values is not None and values.dtype == object and values.flags.c_contiguous and len(values):
        codes, uniques = _object_codes(values)
        return codes, list(uniques)
    factorized, distinct = pd.factorize(series, sort=False)
    return np.asarray(factorized), list(distinct)


def _python_strings(dtype: Any) -> bool:
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "python"


def lookup_table(
    uniques: list[Any], index: Mapping[Hashable, int], mapping: Mapping[Any, Any] | None
) -> np.ndarray:
    """Position in the target levels (``index``) of each distinct value, after ``collapse``; -1 if none."""
    lut: np.ndarray = np.empty(len(uniques), dtype=_smallest_int(len(index)))
    for i, value in enumerate(uniques):
        level = mapping.get(value, value) if mapping else value
        lut[i] = index.get(level, -1)
    return lut


def _smallest_int(levels: int) -> type:
    """The narrowest signed integer that holds ``levels`` codes, to keep later passes cheap."""
    for dtype in (np.int8, np.int16, np.int32):
        if levels < np.iinfo(dtype).max:
            return dtype
    return np.int64
