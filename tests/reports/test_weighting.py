"""Which margins each country is raked to, and what is collapsed or dropped."""

from __future__ import annotations

import pandas as pd
import pytest

from reports.inputs import check_responses
from reports.synthetic import synthetic_meta, synthetic_responses
from reports.weighting import MIN_LEVEL_RESPONDENTS, plan_country, weight_poll


def _votes(countries: dict[str, int], seed: int = 0, specialties=None) -> pd.DataFrame:
    meta = synthetic_meta(countries=tuple(countries), specialties=specialties)
    return check_responses(meta, synthetic_responses(meta, 0, country_n=countries, seed=seed))


def test_us_specialties_collapse_until_every_level_has_enough_respondents() -> None:
    votes = _votes({"US": 300})
    targets, columns, uses, missing = plan_country("US", votes, None)
    specialty = next(u for u in uses if u.variable == "specialty")
    assert specialty.used and specialty.coding in ("specialty groups", "general practice vs specialists")
    assert any("collapsed from 48 specialties" in note for note in specialty.notes)
    counts = columns["specialty"].value_counts()
    assert (counts >= MIN_LEVEL_RESPONDENTS).all()
    assert sum(targets["specialty"].values()) == pytest.approx(1.0)
    assert missing == ()


def test_countries_use_the_margins_they_have() -> None:
    w = weight_poll(_votes({"NZ": 200, "ES": 200, "ZA": 200}))
    used = {c.country: [u.variable for u in c.margins if u.used] for c in w.countries}
    assert used == {"ES": ["sex", "age_band"], "NZ": ["sex"], "ZA": ["specialty"]} or used == {
        "NZ": ["sex"],
        "ES": ["sex", "age_band"],
        "ZA": ["specialty"],
    }
    missing = {c.country: c.missing for c in w.countries}
    assert missing["NZ"] == ("specialty", "age_band")
    assert w.pooled.weights.sum() == pytest.approx(600)


def test_a_tiny_country_gets_equal_weights_and_says_so() -> None:
    w = weight_poll(_votes({"US": 200, "IE": 6}))
    ie = next(c for c in w.countries if c.country == "IE")
    assert ie.notes and "equal weights" in ie.notes[0]
    assert all(not u.used for u in ie.margins)
    assert ie.design_effect == pytest.approx(1.0)


def test_targeted_specialties_restrict_the_specialty_margin() -> None:
    votes = _votes({"US": 300}, specialties=("cardiology", "family_medicine", "pediatrics"))
    targets, _, uses, _ = plan_country("US", votes, ("cardiology", "family_medicine", "pediatrics"))
    specialty = next(u for u in uses if u.variable == "specialty")
    assert any("outside the poll's target" in n for n in specialty.notes)
    assert set(targets["specialty"]) <= {
        "cardiology",
        "family_medicine",
        "pediatrics",
        "medical",
        "general_practice",
        "paediatrics",
        "specialist",
    }
