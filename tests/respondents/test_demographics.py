"""A member's weighting snapshot: age and years-in-practice bands at their boundaries, in the frames'
own codes, taken on the day of the answer."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from polling.respondents.demographics import snapshot
from sampling.codes import AGE_BANDS, PRACTICE_BANDS, age_band, practice_band
from sampling.population import targets


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (25, "under 35"),
        (34, "under 35"),
        (35, "35-44"),
        (44, "35-44"),
        (45, "45-54"),
        (55, "55-64"),
        (64, "55-64"),
        (65, "65 and over"),
        (90, "65 and over"),
    ],
)
def test_age_band(age, band):
    assert age_band(2026 - age, 2026) == band
    assert band in AGE_BANDS


@pytest.mark.parametrize(
    ("years", "band"),
    [(0, "under 5"), (4, "under 5"), (5, "5-9"), (19, "10-19"), (20, "20-29"), (30, "30 and over")],
)
def test_practice_band(years, band):
    assert practice_band(2026 - years, 2026) == band
    assert band in PRACTICE_BANDS


def test_snapshot_takes_the_bands_of_the_answer_day():
    member = SimpleNamespace(
        country="UK", specialty="cardiology", sex="female", birth_year=1991, licence_year=2021
    )
    assert snapshot(member, date(2025, 12, 31)).as_columns() == {
        "country": "UK",
        "specialty": "cardiology",
        "sex": "female",
        "age_band": "under 35",
        "practice_band": "under 5",
    }
    assert snapshot(member, date(2026, 1, 1)).age_band == "35-44"  # 35 in 2026
    assert snapshot(member, date(2026, 1, 1)).practice_band == "5-9"


def test_one_coding_shared_by_frames_and_members():
    # A frame's age levels are the members' bands (or their documented under/over-55 collapse).
    spain = targets("ES", variables=["age_band"])
    assert set(spain["age_band"]) == set(AGE_BANDS)
