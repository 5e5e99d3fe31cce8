"""Staff review of submitted studies: approval fields an invitation-only paid survey; sending back
returns the study to its client with the comment; the web pages and the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from polling.errors import Conflict, InvalidInput
from polling.studies import pricing, review
from polling.studies.models import Study, StudyEvent
from polling.surveys.models import Survey
from tests.factories import make_user
from tests.studies.fielding_helpers import honoraria, submitted_study


@pytest.fixture
def stub_pricing(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pricing, "honorarium_by_country", honoraria)


def test_approval_fields_an_invitation_only_survey_built_from_the_brief(session, hasher):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    study = submitted_study(session, client_user)

    approved = review.approve(session, staff, study.id, honoraria)

    assert approved.status == "field"
    survey = session.get(Survey, approved.survey_id)
    assert survey is not None and survey.invitation_only and survey.status == "field"
    assert survey.topic == {"en": "Heart failure treatment choices", "es": "Heart failure treatment choices"}
    assert survey.length_minutes == 12 and survey.target_completes == 5
    assert survey.opens_at == datetime.combine(study.field_start, datetime.min.time(), UTC)
    assert survey.closes_at == datetime.combine(study.field_end + timedelta(days=1), datetime.min.time(), UTC)
    assert {(h.country, h.currency, h.amount_minor) for h in survey.honoraria} == {
        ("UK", "GBP", 4000),
        ("ES", "EUR", 4500),
    }
    assert survey.country_codes == ("ES", "UK") and survey.specialty_codes == ("cardiology",)
    assert sorted((c.name, c.conditions["country"], c.target, c.hard) for c in survey.quota_cells) == [
        ("ES-cardiology", ["ES"], 2, True),
        ("UK-cardiology", ["UK"], 3, True),
    ]
    assert all(c.conditions["specialty"] == ["cardiology"] for c in survey.quota_cells)
    assert survey.questionnaire["pages"][0]["id"] == "screen"
    kinds = [e.kind for e in session.query(StudyEvent).filter_by(study_id=study.id)]
    assert kinds == ["approved"]


def test_a_cell_with_sex_and_age_band_becomes_those_quota_conditions(session, hasher):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    study = submitted_study(session, client_user, cells=(("UK", "cardiology", 3),))
    study.cells[0].sex, study.cells[0].age_band = "female", "45-54"
    session.commit()
    survey = session.get(Survey, review.approve(session, staff, study.id, honoraria).survey_id)
    (cell,) = survey.quota_cells
    assert cell.name == "UK-cardiology-female-45-54"
    assert cell.conditions == {
        "country": ["UK"],
        "specialty": ["cardiology"],
        "sex": ["female"],
        "age_band": ["45-54"],
    }


def test_a_study_whose_window_starts_later_is_approved_until_its_first_day(session, hasher):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    later = datetime.now(UTC).date() + timedelta(days=5)
    study = submitted_study(session, client_user, field_start=later, field_end=later + timedelta(days=7))
    assert review.approve(session, staff, study.id, honoraria).status == "approved"


def test_only_a_submitted_study_is_decided_and_only_once(session, hasher):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    study = submitted_study(session, client_user)
    review.approve(session, staff, study.id, honoraria)
    with pytest.raises(Conflict, match="Only a submitted study can be reviewed; this one is field"):
        review.approve(session, staff, study.id, honoraria)
    with pytest.raises(Conflict, match="this one is field"):
        review.send_back(session, staff, study.id, "Too late")
    draft = submitted_study(session, client_user, status="draft")
    with pytest.raises(Conflict, match="this one is draft"):
        review.approve(session, staff, draft.id, honoraria)


def test_an_unfieldable_brief_is_refused_naming_the_field_and_nothing_changes(session, hasher):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    ended = datetime.now(UTC).date() - timedelta(days=1)
    study = submitted_study(session, client_user, field_start=ended - timedelta(days=9), field_end=ended)
    with pytest.raises(InvalidInput) as refused:
        review.approve(session, staff, study.id, honoraria)
    assert "field_end" in refused.value.fields
    broken = submitted_study(session, client_user, questionnaire={"pages": []})
    with pytest.raises(InvalidInput) as refused:
        review.approve(session, staff, broken.id, honoraria)
    assert "questionnaire" in refused.value.fields
    session.expire_all()
    assert session.get(Study, study.id).status == "submitted" and session.query(Survey).count() == 0


def test_sending_back_returns_the_study_with_the_comment_for_its_client(session, hasher):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    study = submitted_study(session, client_user)
    with pytest.raises(InvalidInput, match="Say what the client should change"):
        review.send_back(session, staff, study.id, "   ")
    returned = review.send_back(session, staff, study.id, "Add a screener for practising cardiologists.")
    assert returned.status == "returned" and returned.survey_id is None
    assert returned.review_comment == "Add a screener for practising cardiologists."
    events = review.history(session, client_user, study.id)
    assert [(e.kind, e.comment) for e in events] == [
        ("returned", "Add a screener for practising cardiologists.")
    ]


def test_staff_queue_and_decision_pages(client, session, hasher, auth, stub_pricing):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    waiting = submitted_study(session, client_user, title="Statins in the elderly")
    draft = submitted_study(session, client_user, title="Still a draft", status="draft")
    auth.login(staff.email)
    queue = client.get("/staff/studies")
    assert queue.status_code == 200
    assert "Statins in the elderly" in queue.text and "Still a draft" not in queue.text
    page = client.get(f"/staff/studies/{waiting.id}")
    assert page.status_code == 200 and "Approve and field" in page.text and "Send back" in page.text
    assert client.get(f"/staff/studies/{draft.id}").status_code == 200  # staff may read any study

    refused = client.post(f"/staff/studies/{waiting.id}/return", data={"comment": ""})
    assert refused.status_code == 422 and "Say what the client should change" in refused.text
    sent = client.post(f"/staff/studies/{waiting.id}/return", data={"comment": "Shorten page 2."})
    assert sent.status_code == 302
    session.expire_all()
    assert session.get(Study, waiting.id).status == "returned"

    other = submitted_study(session, client_user, title="Anticoagulants")
    approved = client.post(f"/staff/studies/{other.id}/approve")
    assert approved.status_code == 302
    session.expire_all()
    assert session.get(Study, other.id).status == "field"
    again = client.post(f"/staff/studies/{other.id}/approve")
    assert again.status_code == 409 and "Only a submitted study can be reviewed" in again.text


def test_clients_cannot_review_and_members_cannot_see_the_queue(client, session, hasher, auth):
    client_user = make_user(session, hasher, "client")
    study = submitted_study(session, client_user)
    auth.login(client_user.email)
    assert client.get("/staff/studies").status_code == 403
    assert client.post(f"/staff/studies/{study.id}/approve").status_code == 403
    token = auth.token(client_user.email)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post(f"/api/v1/studies/{study.id}/approve", headers=headers).status_code == 403
    assert client.get("/api/v1/staff/studies", headers=headers).status_code == 403
    session.expire_all()
    assert session.get(Study, study.id).status == "submitted"


def test_review_through_the_api(client, session, hasher, auth, stub_pricing):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    first = submitted_study(session, client_user, title="First")
    second = submitted_study(session, client_user, title="Second")
    headers = {"Authorization": f"Bearer {auth.token(staff.email)}"}
    queue = client.get("/api/v1/staff/studies", headers=headers)
    assert queue.status_code == 200 and [s["title"] for s in queue.json] == ["First", "Second"]

    missing = client.post(f"/api/v1/studies/{first.id}/return", json={}, headers=headers)
    assert missing.status_code == 422 and "comment" in str(missing.json)
    returned = client.post(f"/api/v1/studies/{first.id}/return", json={"comment": "Fix Q3."}, headers=headers)
    assert returned.status_code == 200
    assert returned.json["status"] == "returned" and returned.json["review_comment"] == "Fix Q3."

    approved = client.post(f"/api/v1/studies/{second.id}/approve", headers=headers)
    assert approved.status_code == 200 and approved.json["status"] == "field" and approved.json["survey_id"]
    assert client.post("/api/v1/studies/999999/approve", headers=headers).status_code == 404
