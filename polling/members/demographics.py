"""Weighting demographics derived from what a member enters: age band and years-in-practice band.

Age bands follow the bands ``sampling.population`` uses for frames.
"""
from __future__ import annotations

AGE_BANDS = ("under 35", "35-44", "45-54", "55-64", "65 and over")
PRACTICE_BANDS = ("under 5", "5-9", "10-19", "20-29", "30 and over")
SEXES = ("female", "male")
PRACTICE_SETTINGS = ("hospital", "office", "academic", "community", "other")


def age_band(birth_year: int, year: int) -> str:
    age = year - birth_year
    for limit, band in ((35, "under 35"), (45, "35-44"), (55, "45-54"), (65, "55-64")):
        if age < limit:
            return band
    return "65 and over"


def practice_band(licence_year: int, year: int) -> str:
    years = year - licence_year
    for limit, band in ((5, "under 5"), (10, "5-9"), (20, "10-19"), (30, "20-29")):
        if years < limit:
            return band
    return "30 and over"
