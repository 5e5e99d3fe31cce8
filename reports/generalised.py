"""How the weighting reads demographics stored generalised for anonymity (:mod:`sampling.generalisation`).

A vote may store its specialty as a group or only as GP/specialist, its age band as under/over 55,
and any value as unknown. :mod:`reports.weighting` collapses a country's margin to the coarsest
coding among its votes (:func:`stored_rung`, :func:`gp_value`) and treats unknown values as a level
of their own at their sample share (:func:`with_unknown`).

Example:
    >>> gp_value("cardiology"), gp_value("medical"), gp_value("general_practice")
    ('specialist', 'specialist', 'general_practice')

Reference: Kalton & Flores-Cervantes (2003) "Weighting methods", J. Official Statistics 19(2) —
collapsing cells; a missing-category level at its sample share leaves those respondents unadjusted
on that margin, as R ``survey::rake`` does with a level whose target equals its sample total.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from sampling.generalisation import GENERAL_PRACTICE, SPECIALIST, UNKNOWN
from sampling.taxonomy import SPECIALTIES, group_of


def with_unknown(
    shares: dict[str, float], recoded: pd.Series, unknown: pd.Series, notes: list[str]
) -> tuple[dict[str, float], pd.Series]:
    """Votes stored with the value unknown: a level of their own at their sample share.

    Args:
        shares: the margin's target shares (summing to 1).
        recoded: the votes' values on the margin's levels.
        unknown: which votes store the value as unknown.
        notes: the margin's disclosure notes; one is added when some value is unknown.

    Returns:
        (shares with an "unknown" level at its sample share and the others scaled to the rest,
        values with the unknown votes on that level).

    Example:
        >>> with_unknown({"male": .5, "female": .5}, pd.Series(["male", "x"]), pd.Series([False, True]), [])[0]
        {'male': 0.25, 'female': 0.25, 'unknown': 0.5}
    """
    if not unknown.any():
        return shares, recoded
    share = float(unknown.mean())
    notes.append(
        f"{int(unknown.sum())} vote(s) store this value as unknown (anonymity): a level of their own "
        "at their share of the sample, not adjusted on this margin"
    )
    out = {lvl: s * (1 - share) for lvl, s in shares.items()} | {UNKNOWN: share}
    return out, recoded.where(~unknown, UNKNOWN)


def stored_rung(values: pd.Series, rung_of: Callable[[str], int], unknown_rung: int) -> int:
    """The coarsest rung among a country's stored values, unknown aside.

    Args:
        values: stored values of one variable.
        rung_of: :func:`sampling.generalisation.specialty_rung` or ``age_rung``.
        unknown_rung: the rung that means unknown (left out).

    Returns:
        The rung the country's margin must be collapsed to (0: as published).

    Example:
        >>> from sampling.generalisation import age_rung
        >>> stored_rung(pd.Series(["35-44", "under 55", "unknown"]), age_rung, 2)
        1
    """
    rungs = [rung_of(v) for v in values.unique() if v != UNKNOWN]
    return max((r for r in rungs if r < unknown_rung), default=0)


def gp_value(value: str) -> str:
    """A stored specialty (code or group) as general practice or specialist."""
    if value in SPECIALTIES:
        return GENERAL_PRACTICE if group_of(value) == GENERAL_PRACTICE else SPECIALIST
    return GENERAL_PRACTICE if value == GENERAL_PRACTICE else SPECIALIST
