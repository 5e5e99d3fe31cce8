"""Age and years-in-practice bands at their boundaries, in the frames' own codes."""

from __future__ import annotations

import pytest

from polling.members.demographics import age_band, practice_band
from sampling.population import AGE_BANDS


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
