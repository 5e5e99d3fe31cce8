"""The JSON API's base: tokens, the caller's profile, the OpenAPI document."""

from __future__ import annotations

from tests.factories import PASSWORD, make_member, make_user


def test_token_for_right_credentials_then_me(client, session, hasher):
    member = make_member(session, hasher, country="UK", specialty="psychiatry", licence_number="1234567")
    answer = client.post("/api/v1/tokens", json={"email": member.user.email, "password": PASSWORD})
    assert answer.status_code == 201
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {answer.json['token']}"})
    assert me.status_code == 200
    assert me.json == {
        "role": "member",
        "handle": member.handle,
        "country": "UK",
        "specialty": "psychiatry",
        "verification_status": "verified",
        "locale": None,
        "organisation": None,
    }


def test_wrong_password_is_401_with_a_message(client, session, hasher):
    member = make_member(session, hasher)
    answer = client.post("/api/v1/tokens", json={"email": member.user.email, "password": "not the password"})
    assert answer.status_code == 401
    assert answer.json["message"] == "Wrong e-mail address or password. Check both and try again."


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client):
    answer = client.post("/api/v1/tokens", json={"email": "nobody@example.org", "password": "whatever123"})
    assert answer.status_code == 401
    assert answer.json["message"] == "Wrong e-mail address or password. Check both and try again."


def test_missing_fields_are_named(client):
    answer = client.post("/api/v1/tokens", json={})
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == {"email", "password"}


def test_me_without_token_is_401_json(client):
    answer = client.get("/api/v1/me")
    assert answer.status_code == 401
    assert "Bearer" in answer.json["message"]


def test_me_with_forged_token_is_401(client):
    answer = client.get("/api/v1/me", headers={"Authorization": "Bearer forged"})
    assert answer.status_code == 401


def test_client_sees_its_organisation_and_no_member_fields(client, session, hasher, auth):
    user = make_user(session, hasher, "client", organisation="Acme Research")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {auth.token(user.email)}"})
    assert me.json["role"] == "client"
    assert me.json["organisation"] == "Acme Research"
    assert me.json["handle"] is None


def test_openapi_document_lists_the_routes(client):
    document = client.get("/api/v1/openapi.json").json
    assert {"/api/v1/tokens", "/api/v1/me"} <= set(document["paths"])
    assert document["paths"]["/api/v1/tokens"]["post"]["summary"]
