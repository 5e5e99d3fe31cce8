"""Feasibility of a study's cells from the database: eligible now, past response, what would fill it."""

from __future__ import annotations

import math
from datetime import date

from polling.studies.feasibility import feasibility
from tests.factories import make_user
from tests.studies.pricing_helpers import TODAY, add_members, invite, make_study


def _organisation(session, hasher, name: str = "Acme Research") -> int:  # type: ignore[no-untyped-def]
    return int(make_user(session, hasher, "client", organisation=name).organisation_id)


def test_eligible_members_and_past_response_by_country_and_specialty(session, hasher):
    org = _organisation(session, hasher)
    uk = add_members(session, 100, "UK", "cardiology")
    add_members(session, 5, "UK", "cardiology", status="pending")  # not verified: not eligible
    add_members(session, 7, "UK", "neurology")  # another specialty
    earlier = make_study(
        session, org, [{"country": "UK", "specialty": "cardiology", "target": 10}], title="Earlier"
    )
    # 50 invitations of the earlier study: 15 complete, 3 removed for quality (not usable), the rest not.
    invite(session, earlier, uk, {"complete": 15, "removed": 3, "refused": 7, "invited": 25})
    study = make_study(session, org, [{"country": "UK", "specialty": "cardiology", "target": 20}])
    invite(session, study, uk[60:], {"complete": 10})  # this study's own invitations never count

    (cell,) = feasibility(session, study, TODAY).cells
    e = cell.estimate
    assert e.eligible == 100
    assert (e.invitations, e.completes) == (50, 15)
    assert not cell.from_prior_only
    # Beta(2 + 15, 8 + 35) = Beta(17, 43): rate 17/60; 20 completes need ceil(20·60/17) = 71 invitations.
    assert e.response_rate == 17 / 60
    assert e.expected_completes == 100 * 17 / 60
    assert e.invitations_needed == math.ceil(20 * 60 / 17) == 71
    assert e.field_days == 13  # waves of 25: 3 waves, (3 − 1)·3 + 7 days
    assert cell.label == "United Kingdom · Cardiology"


def test_sex_and_age_band_narrow_the_eligible(session, hasher):
    org = _organisation(session, hasher)
    add_members(session, 4, "ES", "cardiology", sex="female", birth_year=1975)  # 51 in 2026: 45-54
    add_members(session, 3, "ES", "cardiology", sex="female", birth_year=1990)  # 36: 35-44
    add_members(session, 2, "ES", "cardiology", sex="male", birth_year=1975)
    study = make_study(
        session,
        org,
        [
            {"country": "ES", "specialty": "cardiology", "sex": "female", "age_band": "45-54", "target": 2},
            {"country": "ES", "specialty": "cardiology", "sex": "male", "target": 1},
        ],
    )
    by_sex = {c.sex: c.estimate.eligible for c in feasibility(session, study, TODAY).cells}
    assert by_sex == {"female": 4, "male": 2}


def test_a_cell_that_cannot_be_filled_says_what_would_fill_it(session, hasher):
    org = _organisation(session, hasher)
    add_members(session, 30, "ES", "cardiology")
    add_members(session, 12, "MX", "cardiology")
    add_members(session, 40, "UK", "cardiology")
    add_members(session, 25, "ES", "internal_medicine")  # same specialty group (medical)
    add_members(session, 9, "ES", "general_surgery")  # another group: not suggested
    study = make_study(
        session,
        org,
        [{"country": "ES", "specialty": "cardiology", "target": 50}],
        field_start=date(2027, 1, 4),
        field_end=date(2027, 1, 8),
    )
    result = feasibility(session, study, TODAY)
    (cell,) = result.cells
    # 30 eligible at a 20 % prior rate: 6 expected completes, 250 invitations needed.
    assert cell.estimate.expected_completes == 6
    assert cell.status == "short" and not cell.estimate.fillable
    assert cell.estimate.field_days is None
    text = " ".join(cell.suggestions)
    assert f"Lower the target to {cell.estimate.completes_low}" in text
    assert "Add countries: United Kingdom (40), Mexico (12)" in text
    assert "Add related specialties in Spain: Internal medicine (25)" in text
    assert "General surgery" not in text
    assert result.window_days == 5
    assert result.short_cells == (cell,)


def test_a_short_field_window_asks_for_more_days(session, hasher):
    org = _organisation(session, hasher)
    add_members(session, 400, "US", "family_medicine")
    study = make_study(
        session,
        org,
        [{"country": "US", "specialty": "family_medicine", "target": 50}],
        field_start=date(2027, 1, 4),
        field_end=date(2027, 1, 10),
    )
    (cell,) = feasibility(session, study, TODAY).cells
    # 250 invitations in waves of 100: 13 days expected, more than the 7-day window.
    assert cell.estimate.field_days == 13
    assert cell.status == "short"
    # The prior alone is vague: at its 10th percentile the 400 cannot give 50, so the advice is 13 days.
    assert cell.estimate.field_days_high is None
    assert "Extend the field window to 13 days (it is 7 days now)." in cell.suggestions


def test_a_comfortable_cell_is_fillable_with_no_advice(session, hasher):
    org = _organisation(session, hasher)
    members = add_members(session, 300, "AU", "psychiatry")
    earlier = make_study(
        session, org, [{"country": "AU", "specialty": "psychiatry", "target": 5}], title="Earlier"
    )
    invite(session, earlier, members, {"complete": 120, "refused": 80})
    study = make_study(session, org, [{"country": "AU", "specialty": "psychiatry", "target": 30}])
    (cell,) = feasibility(session, study, TODAY).cells
    assert cell.status == "fillable" and cell.suggestions == ()
    assert cell.estimate.completes_low >= 30
