"""Fielding staff create, revise, field and close paid surveys through the API and the manage page."""

from __future__ import annotations

import io
import json

from polling.surveys.models import Survey
from tests.factories import make_member, make_user
from tests.surveys.helpers import questionnaire, survey_file


def _staff_headers(session, hasher, auth) -> dict[str, str]:  # type: ignore[no-untyped-def]
    staff = make_user(session, hasher)
    return {"Authorization": f"Bearer {auth.token(staff.email)}"}


def test_staff_create_revise_field_and_close_a_survey_through_the_api(app, client, auth, session, hasher):
    headers = _staff_headers(session, hasher, auth)
    created = client.post("/api/v1/staff/surveys", json=survey_file(), headers=headers)
    assert created.status_code == 201, created.json
    survey_id = created.json["id"]
    assert (created.json["status"], created.json["sponsor"], created.json["questionnaire_version"]) == (
        "draft",
        "Acme Pharma",
        1,
    )
    changed = questionnaire()
    changed["pages"][0]["questions"][0]["text"]["en"] = "Do you treat patients?"
    revised = client.put(f"/api/v1/staff/surveys/{survey_id}/questionnaire", json=changed, headers=headers)
    assert revised.status_code == 200 and revised.json["questionnaire_version"] == 2
    assert session.get(Survey, survey_id).questionnaire["pages"][0]["questions"][0]["text"]["en"] == (
        "Do you treat patients?"
    )
    fielded = client.post(f"/api/v1/staff/surveys/{survey_id}/status", json={"to": "field"}, headers=headers)
    assert fielded.json["status"] == "field"
    frozen = client.put(f"/api/v1/staff/surveys/{survey_id}/questionnaire", json=changed, headers=headers)
    assert frozen.status_code == 409 and "frozen" in frozen.json["message"]
    closed = client.post(f"/api/v1/staff/surveys/{survey_id}/status", json={"to": "closed"}, headers=headers)
    assert closed.json["status"] == "closed"
    listed = client.get("/api/v1/staff/surveys", headers=headers).json
    assert [s["id"] for s in listed] == [survey_id]


def test_bad_survey_files_are_refused_with_their_paths(app, client, auth, session, hasher):
    headers = _staff_headers(session, hasher, auth)
    not_json = client.post("/api/v1/staff/surveys", data="topic=x", headers=headers)
    assert not_json.status_code == 422 and "JSON object" in str(not_json.json)
    broken = questionnaire()
    broken["pages"][2]["show_if"] = "any(q7, 'ai')"
    refused = client.post("/api/v1/staff/surveys", json=survey_file(questionnaire=broken), headers=headers)
    assert refused.status_code == 422
    assert any(
        "pages[2].show_if" in problem and "q7" in problem
        for problem in refused.json["errors"]["questionnaire"]
    )
    assert session.query(Survey).count() == 0
    wrong = client.post("/api/v1/staff/surveys/1/status", json={"to": "paused"}, headers=headers)
    assert wrong.status_code == 422


def test_members_and_clients_cannot_reach_the_staff_survey_api(app, client, auth, session, hasher):
    member = make_member(session, hasher)
    client_user = make_user(session, hasher, "client")
    for email in (member.user.email, client_user.email):
        headers = {"Authorization": f"Bearer {auth.token(email)}"}
        assert client.post("/api/v1/staff/surveys", json=survey_file(), headers=headers).status_code == 403
    assert session.query(Survey).count() == 0


def test_staff_replace_a_draft_questionnaire_on_the_manage_page(app, client, auth, session, hasher):
    staff = make_user(session, hasher)
    auth.login(staff.email)
    from polling.surveys import service

    draft = service.create_survey(session, staff, survey_file())
    page = client.get("/surveys/manage")
    assert b"Replace questionnaire" in page.data
    broken = questionnaire()
    del broken["pages"][0]["questions"][0]["options"]
    refused = client.post(
        f"/surveys/{draft.id}/questionnaire",
        data={"file": (io.BytesIO(json.dumps(broken).encode()), "q.json")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and b"pages[0].questions[0]" in refused.data
    changed = questionnaire()
    changed["pages"][0]["questions"][0]["text"]["es"] = "¿Trata pacientes?"
    moved = client.post(
        f"/surveys/{draft.id}/questionnaire",
        data={"file": (io.BytesIO(json.dumps(changed).encode()), "q.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert b"questionnaire version 2" in moved.data
    session.expire_all()
    assert session.get(Survey, draft.id).questionnaire_version == 2
