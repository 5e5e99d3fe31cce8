"""The surveys API: the questionnaire schema, the list, consent, pages with replays, honoraria and payouts."""

from __future__ import annotations

import jsonschema

from tests.factories import make_member, make_user
from tests.surveys.helpers import AI_PATH, make_survey, questionnaire


def test_the_questionnaire_schema_is_published(client):
    answer = client.get("/api/v1/schemas/questionnaire")
    assert answer.status_code == 200
    jsonschema.validate(questionnaire(), answer.json)


def test_a_member_takes_a_survey_through_the_api(app, client, auth, session, hasher):
    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    make_member(session, hasher, email="api@example.org")
    headers = {"Authorization": f"Bearer {auth.token('api@example.org')}"}
    [card] = client.get("/api/v1/surveys", headers=headers).json
    assert (card["honorarium"], card["length_minutes"], card["response_status"]) == ("50.00 USD", 10, None)
    assert "sponsor" not in card
    assert client.get(f"/api/v1/surveys/{survey.id}", headers=headers).json["status"] == "not_started"
    refused = client.post(f"/api/v1/surveys/{survey.id}/consent", json={"consent": False}, headers=headers)
    assert refused.status_code == 409 and "Tick the consent box" in refused.json["message"]
    view = client.post(f"/api/v1/surveys/{survey.id}/consent", json={"consent": True}, headers=headers).json
    assert view["page"] == "screen" and view["questions"][0]["options"][0] == {"code": "yes", "text": "Yes"}
    for answers in AI_PATH:
        sent = {"page": view["page"], "step": view["step"], "answers": answers}
        if view["page"] == "tools":
            bad = client.post(
                f"/api/v1/surveys/{survey.id}/pages",
                json={**sent, "answers": {"uses": ["ai", "none"]}},
                headers=headers,
            )
            assert bad.status_code == 422
            assert set(bad.json["errors"]) == {"answers.uses", "answers.hours"}
        answer = client.post(
            f"/api/v1/surveys/{survey.id}/pages",
            json=sent,
            headers={**headers, "Idempotency-Key": view["page"]},
        )
        assert answer.status_code == 200, answer.json
        replay = client.post(
            f"/api/v1/surveys/{survey.id}/pages",
            json=sent,
            headers={**headers, "Idempotency-Key": view["page"]},
        )
        assert replay.json == answer.json  # a retried page gets the first answer and changes nothing
        view = answer.json
    assert view["status"] == "complete"
    honoraria = client.get("/api/v1/me/honoraria", headers=headers).json
    assert honoraria["balances"] == [{"currency": "USD", "amount_minor": 5000, "amount": "50.00 USD"}]
    assert honoraria["history"][0]["kind"] == "honorarium"
    payout = client.post("/api/v1/me/payouts", json={}, headers=headers)
    assert payout.status_code == 201 and payout.json["amount_minor"] == 5000
    again = client.post("/api/v1/me/payouts", json={}, headers=headers)
    assert again.status_code == 409 and "0.00 USD" in again.json["message"]
    assert client.get("/api/v1/surveys", headers=headers).json == []


def test_bad_input_is_refused_naming_the_field(app, client, auth, session, hasher):
    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    make_member(session, hasher, email="bad@example.org")
    headers = {"Authorization": f"Bearer {auth.token('bad@example.org')}"}
    client.post(f"/api/v1/surveys/{survey.id}/consent", json={"consent": True}, headers=headers)
    for body, field in [
        ({"page": "screen"}, "step"),
        ({"page": "screen", "step": "x"}, "step"),
        ({"page": "screen", "step": 0, "action": "jump"}, "action"),
        ({"page": "screen", "step": 0, "answers": []}, "answers"),
    ]:
        answer = client.post(f"/api/v1/surveys/{survey.id}/pages", json=body, headers=headers)
        assert answer.status_code == 422 and field in answer.json["errors"], answer.json
    odd = client.post(
        f"/api/v1/surveys/{survey.id}/pages",
        json={"page": "screen", "step": 0, "answers": {"patients": {"x": [1]}}},
        headers=headers,
    )
    assert odd.status_code == 422 and odd.json["errors"]["answers.patients"] == ["Give a single value."]
    assert client.get("/api/v1/surveys/99999", headers=headers).status_code == 404
