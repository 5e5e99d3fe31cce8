"""The studies API: a client creates a draft, uploads a questionnaire, lists versions and submits;
errors name the field by its path; another organisation's client gets a 404 on every call."""

from __future__ import annotations

import pytest

from polling.studies import api
from tests.factories import make_user
from tests.studies.drafting_helpers import brief, fake_quote, questionnaire


@pytest.fixture
def token(session, hasher, auth):  # type: ignore[no-untyped-def]
    user = make_user(session, hasher, "client", organisation="Acme Research")
    return {"Authorization": f"Bearer {auth.token(user.email)}"}


@pytest.fixture
def other_token(session, hasher, auth):  # type: ignore[no-untyped-def]
    user = make_user(session, hasher, "client", organisation="Other Insights")
    return {"Authorization": f"Bearer {auth.token(user.email)}"}


def test_a_client_drafts_uploads_versions_and_submits_through_the_api(client, token, monkeypatch):
    monkeypatch.setattr(api.pricing, "quote", fake_quote)
    created = client.post("/api/v1/studies", json=brief(), headers=token)
    assert created.status_code == 201, created.json
    study = created.json
    assert (study["status"], study["version"], study["has_questionnaire"]) == ("draft", 1, False)
    assert [c["country"] for c in study["cells"]] == ["UK", "ES"]
    sid = study["id"]
    replaced = client.put(
        f"/api/v1/studies/{sid}", json=brief(title="Renamed", sample_size=100), headers=token
    )
    assert (
        replaced.status_code == 200 and replaced.json["title"] == "Renamed" and replaced.json["version"] == 2
    )
    shown = client.get(f"/api/v1/studies/{sid}", headers=token).json
    shown["objectives"] = "Sent back whole, read-only fields and all."
    round_trip = client.put(f"/api/v1/studies/{sid}", json=shown, headers=token)
    assert round_trip.status_code == 200, round_trip.json
    assert round_trip.json["version"] == 3 and round_trip.json["status"] == "draft"
    assert round_trip.json["cells"] == shown["cells"]  # the same rows, ids kept
    uploaded = client.put(f"/api/v1/studies/{sid}/questionnaire", json=questionnaire(), headers=token)
    assert (
        uploaded.status_code == 200 and uploaded.json["has_questionnaire"] and uploaded.json["version"] == 4
    )
    versions = client.get(f"/api/v1/studies/{sid}/versions", headers=token).json
    assert [v["version"] for v in versions] == [4, 3, 2, 1]
    assert versions[3]["document"]["title"] == "Heart failure treatment choices"
    assert versions[1]["document"]["objectives"] == "Sent back whole, read-only fields and all."
    assert versions[0]["document"]["questionnaire"]["languages"] == ["en", "es"]
    submitted = client.post(f"/api/v1/studies/{sid}/submit", json={"comment": "Go"}, headers=token)
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "submitted"
    assert submitted.json["accepted_quote"]["total_minor"] == 1234500
    again = client.post(f"/api/v1/studies/{sid}/submit", json={}, headers=token)
    assert again.status_code == 409
    locked = client.put(f"/api/v1/studies/{sid}", json=brief(), headers=token)
    assert locked.status_code == 409 and "only a draft or a returned study" in locked.json["message"]
    assert [s["id"] for s in client.get("/api/v1/studies", headers=token).json] == [sid]


def test_api_errors_name_the_field_by_its_path(client, token):
    bad = brief(
        cells=[
            {"country": "UK", "specialty": "cardiology", "target": 5},
            {"country": "XX", "specialty": "cardiology", "target": 5},
        ]
    )
    answer = client.post("/api/v1/studies", json=bad, headers=token)
    assert answer.status_code == 422
    assert answer.json["errors"]["cells[1].country"] == ['unknown country "XX"']
    sid = client.post("/api/v1/studies", json=brief(), headers=token).json["id"]
    document = questionnaire()
    del document["pages"][0]["questions"][0]["text"]["es"]
    refused = client.put(f"/api/v1/studies/{sid}/questionnaire", json=document, headers=token)
    assert refused.status_code == 422
    assert refused.json["errors"]["questionnaire"] == [
        "pages[0].questions[0].text: add the es text (the questionnaire lists en, es)"
    ]
    document = questionnaire()
    document["pages"][1]["questions"][0]["text"]["en"] = "Patients\u0000 per month?"
    unstorable = client.put(f"/api/v1/studies/{sid}/questionnaire", json=document, headers=token)
    assert unstorable.status_code == 422
    assert unstorable.json["errors"]["questionnaire"] == [
        "pages[1].questions[0].text.en: remove the control characters"
    ]
    odd = client.post(
        "/api/v1/studies",
        json=brief(cells=[{"country": "\ud800X", "specialty": "cardiology", "target": 1}]),
        headers=token,
    )
    assert odd.status_code == 422 and odd.json["errors"]["cells[0].country"] == ['unknown country "\\ud800X"']
    incomplete = client.post(f"/api/v1/studies/{sid}/submit", json={}, headers=token)
    assert incomplete.status_code == 422 and "questionnaire" in incomplete.json["errors"]


def test_another_organisations_client_gets_404_on_every_study_call(client, token, other_token):
    sid = client.post("/api/v1/studies", json=brief(title="Acme's secret"), headers=token).json["id"]
    calls = [
        ("GET", f"/api/v1/studies/{sid}", None),
        ("PUT", f"/api/v1/studies/{sid}", brief()),
        ("PUT", f"/api/v1/studies/{sid}/questionnaire", questionnaire()),
        ("GET", f"/api/v1/studies/{sid}/versions", None),
        ("POST", f"/api/v1/studies/{sid}/submit", {}),
    ]
    for method, url, body in calls:
        answer = client.open(url, method=method, json=body, headers=other_token)
        assert answer.status_code == 404, (method, url, answer.status_code)
        assert "Acme's secret" not in answer.text
    assert client.get("/api/v1/studies", headers=other_token).json == []
    assert client.get(f"/api/v1/studies/{sid}", headers=token).json["title"] == "Acme's secret"


def test_another_organisations_client_gets_404_on_every_study_page(client, session, hasher, auth, token):
    sid = client.post("/api/v1/studies", json=brief(title="Acme's secret"), headers=token).json["id"]
    other = make_user(session, hasher, "client", organisation="Other Insights")
    auth.login(other.email)
    for method, url in [
        ("GET", f"/studies/{sid}"),
        ("GET", f"/studies/{sid}/edit"),
        ("POST", f"/studies/{sid}/edit"),
        ("GET", f"/studies/{sid}/questionnaire"),
        ("POST", f"/studies/{sid}/questionnaire"),
        ("GET", f"/studies/{sid}/preview?lang=es"),
        ("POST", f"/studies/{sid}/submit"),
    ]:
        answer = client.open(url, method=method, data={"action": "add"} if method == "POST" else None)
        assert answer.status_code == 404, (method, url, answer.status_code)
        assert "Acme's secret" not in answer.text
    assert "Acme's secret" not in client.get("/studies").text
    assert "Acme's secret" not in client.get("/").text


def test_the_openapi_document_describes_the_study_calls(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, method in [
        ("/api/v1/studies", "post"),
        ("/api/v1/studies/{study_id}", "put"),
        ("/api/v1/studies/{study_id}/questionnaire", "put"),
        ("/api/v1/studies/{study_id}/versions", "get"),
        ("/api/v1/studies/{study_id}/submit", "post"),
    ]:
        assert method in spec["paths"][path], path
    brief_schema = spec["components"]["schemas"]["Brief"]
    assert {"title", "cells", "field_start", "languages", "length_minutes"} <= set(brief_schema["properties"])
