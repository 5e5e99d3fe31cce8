"""The weighting uses what votes store: generalised values collapse margins, unknowns are a level of
their own at their sample share, and a withheld country counts at its share; all disclosed."""

from __future__ import annotations

import pandas as pd
import pytest

from reports.inputs import check_responses
from reports.synthetic import synthetic_meta, synthetic_responses
from reports.weighting import plan_country, weight_poll
from sampling.generalisation import UNKNOWN, UNKNOWN_COUNTRY, generalise_age_band, generalise_specialty


def _votes(countries: dict[str, int], seed: int = 0) -> tuple[object, pd.DataFrame]:
    meta = synthetic_meta(countries=tuple(countries))
    return meta, check_responses(meta, synthetic_responses(meta, 0, country_n=countries, seed=seed))


def test_votes_storing_only_gp_or_specialist_collapse_the_country_s_specialty_margin() -> None:
    meta, votes = _votes({"US": 400})
    votes.loc[:9, "specialty"] = votes.loc[:9, "specialty"].map(lambda c: generalise_specialty(c, 2))
    targets, _columns, uses, _ = plan_country("US", check_responses(meta, votes), None)
    specialty = next(u for u in uses if u.variable == "specialty")
    assert specialty.coding == "general practice vs specialists"
    assert set(targets["specialty"]) == {"general_practice", "specialist"}
    assert any("anonymity" in note for note in specialty.notes)


def test_unknown_values_are_a_level_at_their_sample_share_and_wide_age_bands_collapse_age() -> None:
    meta, votes = _votes({"ES": 400})
    votes.loc[:39, "sex"] = UNKNOWN
    votes.loc[40:49, "age_band"] = votes.loc[40:49, "age_band"].map(lambda b: generalise_age_band(b, 1))
    targets, _columns, uses, _ = plan_country("ES", check_responses(meta, votes), None)
    assert targets["sex"][UNKNOWN] == pytest.approx(40 / 400)
    assert sum(targets["sex"].values()) == pytest.approx(1.0)
    age = next(u for u in uses if u.variable == "age_band")
    assert set(targets["age_band"]) == {"under 55", "55 and over"}
    assert any("anonymity" in note for note in age.notes)


def test_votes_whose_country_is_withheld_count_at_their_share_of_the_sample() -> None:
    meta, votes = _votes({"US": 300, "UK": 300})
    withheld = votes.index[:12]
    votes.loc[withheld, ["country", "specialty", "sex", "age_band", "practice_band"]] = [
        UNKNOWN_COUNTRY,
        UNKNOWN,
        UNKNOWN,
        UNKNOWN,
        UNKNOWN,
    ]
    weighting = weight_poll(check_responses(meta, votes))
    weights = weighting.weights.reindex(votes.index)
    assert weights.sum() == pytest.approx(600)
    assert weights.loc[withheld].tolist() == [1.0] * 12
    assert any(c.country == UNKNOWN_COUNTRY and "withheld" in c.notes[0] for c in weighting.countries)
