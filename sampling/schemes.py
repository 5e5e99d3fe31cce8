"""Codings of frame levels: specialty and age-band schemes of the sources, and recoding to them.

A source may publish coarser levels than Pulse codes respondents in (general practice against
the rest, taxonomy groups, under/over 55). These are the collapsing maps from Pulse's codes to
each scheme, and the recoding that applies them; :mod:`sampling.population` builds frames and
targets with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sampling.codes import AGE_BANDS
from sampling.taxonomy import SPECIALTIES, group_of, is_general_practice

DATA_DIR = Path(__file__).parent / "data"


@lru_cache(maxsize=1)
def specialty_schemes() -> dict[str, dict[str, str]]:
    """Collapsing maps from canonical specialty codes to each frame scheme's levels.

    Schemes: "canonical" (identity), "gp_specialist" and "gp_other" (general practice against the
    rest, as in Canada, South Africa, Mexico and the UK GP register), "group" (taxonomy groups),
    "au_mba" (Medical Board of Australia specialist registrations), "ie_mc2009" (Irish specialist
    register divisions). The last two are in ``data/specialty_schemes.csv``.
    """
    table = pd.read_csv(DATA_DIR / "specialty_schemes.csv", dtype=str)
    gp = {c: "general_practice" if is_general_practice(c) else "specialist" for c in SPECIALTIES}
    schemes = {
        "canonical": {c: c for c in SPECIALTIES},
        "gp_specialist": gp,
        "gp_other": {c: "other" if v == "specialist" else v for c, v in gp.items()},
        "group": {c: group_of(c) for c in SPECIALTIES},
    }
    for column in ("au_mba", "ie_mc2009"):
        schemes[column] = dict(zip(table["code"], table[column]))
    return schemes


def age_schemes() -> dict[str, dict[str, str]]:
    return {
        "pulse": {b: b for b in AGE_BANDS},
        "under_55": {b: ("under 55" if b in AGE_BANDS[:3] else "55 and over") for b in AGE_BANDS},
    }


def scheme_for(variable: str, levels: set[str]) -> tuple[str | None, dict[str, str]]:
    """The first scheme whose levels include all of ``levels`` (None and {} if no scheme applies)."""
    if variable == "specialty":
        candidates = specialty_schemes()
    elif variable == "age_band":
        candidates = age_schemes()
    else:
        return None, {}
    for name, mapping in candidates.items():
        if levels <= set(mapping.values()):
            return name, mapping
    return "", {}


def collapse_age_band(series: pd.Series, bands: str = "under_55") -> pd.Series:
    """Recode Pulse's age bands to a source's coarser bands.

    Args:
        series: respondents' ``age_band`` in :data:`AGE_BANDS`.
        bands: "under_55" ('under 55'/'55 and over') or "pulse" (unchanged).

    Returns:
        The recoded Series (values already in the coarse bands pass through).

    Raises:
        ValueError: an unknown scheme or a value that is not one of Pulse's bands.

    Example:
        >>> collapse_age_band(pd.Series(["35-44", "65 and over"])).tolist()
        ['under 55', '55 and over']

    Reference: US AAMC and Irish Medical Council publish only under/over 55.
    """
    schemes = age_schemes()
    if bands not in schemes:
        raise ValueError(f"bands={bands!r}: use one of {', '.join(schemes)}")
    return recode(series, schemes[bands], "age_band")


def recode(series: pd.Series, mapping: Mapping[str, str], variable: str) -> pd.Series:
    known = set(mapping) | set(mapping.values())
    bad = sorted({v for v in series.dropna().unique() if v not in known}, key=str)
    if bad:
        raise ValueError(
            f"{variable} has values {bad[:5]} outside the frame's coding: use canonical codes "
            f"(sampling.taxonomy) or Pulse's bands {AGE_BANDS}"
            if variable == "age_band"
            else f"{variable} has values {bad[:5]} that are not canonical codes of sampling.taxonomy"
        )
    return series.map(lambda v: mapping.get(v, v))
