"""Drafting a study: briefs checked field by field, every save a version, questionnaire through the
surveys' validator, submitting freezes the quote; the web pages a research client uses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from polling.errors import Conflict, Forbidden, InvalidInput, NotFound
from polling.studies import service
from polling.studies.models import Study, StudyEvent, StudyVersion
from tests.factories import make_user
from tests.studies.drafting_helpers import brief, fake_quote, questionnaire


@pytest.fixture
def client_user(session, hasher):  # type: ignore[no-untyped-def]
    return make_user(session, hasher, "client", organisation="Acme Research")


def test_a_brief_with_bad_cells_is_refused_naming_each_field_by_its_path(session, client_user):
    bad = brief(
        cells=[
            {"country": "UK", "specialty": "cardiology", "target": 40},
            {"country": "XX", "specialty": "cardiology", "target": 40},
            {"country": "ES", "specialty": "astrology", "target": 0},
        ]
    )
    with pytest.raises(InvalidInput, match=r'cells\[1\]\.country: unknown country "XX"') as refused:
        service.create_draft(session, client_user, bad)
    assert refused.value.fields == {
        "cells[1].country": ['unknown country "XX"'],
        "cells[2].specialty": ['unknown specialty "astrology"'],
        "cells[2].target": ["give a target from 1 to 100000"],
    }
    assert session.scalar(select(Study.id)) is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"field_start": "2020-01-01"}, "field_start", "start the field window today or later"),
        (
            {"field_end": None, "field_start": None, "languages": ["fr"]},
            "languages[0]",
            "choose one of en, es",
        ),
        ({"sponsor_type": "tobacco"}, "sponsor_type", "choose one of pharmaceutical"),
        ({"sample_size": 50}, "sample_size", "the hard quotas add up to 80"),
        ({"title": ""}, "title", "give a title"),
        ({"length_minutes": 0}, "length_minutes", "from 1 to 120 minutes"),
    ],
)
def test_each_brief_rule_names_its_field(session, client_user, overrides, field, message):
    with pytest.raises(InvalidInput) as refused:
        service.create_draft(session, client_user, brief(**overrides))
    assert field in refused.value.fields, refused.value.fields
    assert message in refused.value.fields[field][0]


def test_the_field_window_must_end_after_it_starts(session, client_user):
    start = brief()["field_start"]
    with pytest.raises(InvalidInput, match="field_end: end the field window after it starts"):
        service.create_draft(session, client_user, brief(field_end=start))


def test_every_save_is_a_new_version_holding_the_whole_brief(session, client_user):
    study = service.create_draft(session, client_user, brief())
    assert study.version == 1 and study.status == "draft"
    changed = brief(
        title="Heart failure: second thoughts",
        cells=[{"country": "UK", "specialty": "cardiology", "target": 60}],
        sample_size=60,
    )
    service.save_draft(session, client_user, study.id, changed, base_version=1)
    service.set_questionnaire(session, client_user, study.id, questionnaire())
    saved = service.versions(session, client_user, study.id)
    assert [v.version for v, _ in saved] == [3, 2, 1]
    assert {email for _, email in saved} == {client_user.email}
    first, second, third = (saved[2][0].document, saved[1][0].document, saved[0][0].document)
    assert first["title"] == "Heart failure treatment choices" and len(first["cells"]) == 2
    assert second["title"] == "Heart failure: second thoughts" and second["cells"] == [
        {
            "country": "UK",
            "specialty": "cardiology",
            "sex": None,
            "age_band": None,
            "target": 60,
            "hard": True,
        }
    ]
    assert second["questionnaire"] is None and third["questionnaire"]["pages"][1]["id"] == "p2"
    assert session.get(Study, study.id).version == 3


def test_a_save_from_an_old_version_is_a_conflict_not_an_overwrite(session, client_user):
    study = service.create_draft(session, client_user, brief())
    service.save_draft(session, client_user, study.id, brief(title="Mine"), base_version=1)
    with pytest.raises(Conflict, match="saved again \\(version 2\\) since you opened version 1"):
        service.save_draft(session, client_user, study.id, brief(title="Theirs"), base_version=1)
    assert session.get(Study, study.id).title == "Mine"


def test_the_questionnaire_goes_through_the_surveys_validator(session, client_user):
    study = service.create_draft(session, client_user, brief())
    broken = questionnaire()
    broken["pages"][1]["questions"][0]["show_if"] = "years > 3"
    with pytest.raises(InvalidInput) as refused:
        service.set_questionnaire(session, client_user, study.id, broken)
    assert refused.value.fields["questionnaire"] == [
        "pages[1].questions[0].show_if: refers to unknown question years"
    ]
    assert session.get(Study, study.id).questionnaire is None


def test_submitting_freezes_the_quote_and_records_the_event(session, client_user):
    study = service.create_draft(session, client_user, brief())
    service.set_questionnaire(session, client_user, study.id, questionnaire())
    submitted = service.submit(session, client_user, study.id, fake_quote, "Please start on Monday")
    assert submitted.status == "submitted" and submitted.submitted_at is not None
    assert submitted.accepted_quote == {
        "total_minor": 1234500,
        "currency": "EUR",
        "rate_date": "2026-11-27",
        "cells": 2,
    }
    event = session.scalar(select(StudyEvent).where(StudyEvent.study_id == study.id))
    assert (event.kind, event.comment, event.actor_id) == (
        "submitted",
        "Please start on Monday",
        client_user.id,
    )
    with pytest.raises(Conflict, match="only a draft or a returned study can be changed"):
        service.submit(session, client_user, study.id, fake_quote)
    with pytest.raises(Conflict):
        service.save_draft(session, client_user, study.id, brief())


def test_a_study_without_questionnaire_or_cells_cannot_be_submitted(session, client_user):
    study = service.create_draft(session, client_user, brief(cells=[], sample_size=0))
    with pytest.raises(InvalidInput) as refused:
        service.submit(session, client_user, study.id, fake_quote)
    assert set(refused.value.fields) == {"questionnaire", "cells", "sample_size"}
    assert session.get(Study, study.id).status == "draft"


def test_a_returned_study_can_be_changed_and_submitted_again(session, client_user):
    study = service.create_draft(session, client_user, brief())
    service.set_questionnaire(session, client_user, study.id, questionnaire())
    service.submit(session, client_user, study.id, fake_quote)
    study.status, study.review_comment = "returned", "Add a screener for cardiologists."
    session.commit()
    service.save_draft(session, client_user, study.id, brief(title="With a screener"))
    again = service.submit(session, client_user, study.id, fake_quote)
    assert again.status == "submitted" and again.title == "With a screener"


def test_another_organisations_client_cannot_tell_a_study_exists(session, hasher, client_user):
    study = service.create_draft(session, client_user, brief())
    other = make_user(session, hasher, "client", organisation="Other Insights")
    for call in (
        lambda: service.get_study(session, other, study.id),
        lambda: service.save_draft(session, other, study.id, brief()),
        lambda: service.set_questionnaire(session, other, study.id, questionnaire()),
        lambda: service.versions(session, other, study.id),
        lambda: service.submit(session, other, study.id, fake_quote),
    ):
        with pytest.raises(NotFound, match="No study with this number"):
            call()
    assert service.studies_of(session, other) == []


def test_staff_may_read_but_not_edit_a_draft(session, hasher, client_user):
    study = service.create_draft(session, client_user, brief())
    staff = make_user(session, hasher, "staff")
    assert service.get_study(session, staff, study.id).id == study.id
    with pytest.raises(Forbidden, match="Only your organisation's clients may change a study"):
        service.save_draft(session, staff, study.id, brief())
    with pytest.raises(InvalidInput, match="Only research clients"):
        service.create_draft(session, staff, brief())


def test_versions_are_kept_as_rows(session, client_user):
    study = service.create_draft(session, client_user, brief())
    service.save_draft(session, client_user, study.id, brief(title="Two"))
    rows = session.scalars(select(StudyVersion.version).where(StudyVersion.study_id == study.id)).all()
    assert sorted(rows) == [1, 2]
