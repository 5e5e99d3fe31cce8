"""Weighting demographics derived from what a member enters: age band and years-in-practice band.

Age bands and sexes are the codes of ``sampling.population``'s frames, so votes match the targets.
"""

from __future__ import annotations

from sampling.population import AGE_BANDS, SEXES

PRACTICE_BANDS = ("under 5", "5-9", "10-19", "20-29", "30 and over")
PRACTICE_SETTINGS = ("hospital", "office", "academic", "community", "other")


__all__ = ["AGE_BANDS", "PRACTICE_BANDS", "PRACTICE_SETTINGS", "SEXES", "age_band", "practice_band"]


def age_band(birth_year: int, year: int) -> str:
    """The frame's age band (``AGE_BANDS``) of someone born in ``birth_year``, in ``year``."""
    age = year - birth_year
    for limit, band in zip((35, 45, 55, 65), AGE_BANDS):
        if age < limit:
            return band
    return AGE_BANDS[-1]


def practice_band(licence_year: int, year: int) -> str:
    years = year - licence_year
    for limit, band in ((5, "under 5"), (10, "5-9"), (20, "10-19"), (30, "20-29")):
        if years < limit:
            return band
    return "30 and over"
