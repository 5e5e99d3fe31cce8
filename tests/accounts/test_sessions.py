"""Sessions and tokens that can be ended: log-out, log-out everywhere, password change, token
list/renew/revoke, short token lifetimes, no-store on pages that show who is logged in."""

from __future__ import annotations

from datetime import timedelta

from polling.accounts.models import ApiToken
from polling.db import utcnow
from tests.factories import PASSWORD, make_member, make_user


def _cookie(client) -> str:  # type: ignore[no-untyped-def]
    return client.get_cookie("session").value


def test_a_session_cookie_copied_before_log_out_no_longer_works(app, client, session, hasher, auth):
    user = make_user(session, hasher, "journalist")
    auth.login(user.email)
    copied = _cookie(client)
    assert client.get("/account").status_code == 200
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", copied)
    answer = thief.get("/account")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_log_out_everywhere_ends_every_session_and_token(app, client, session, hasher, auth):
    user = make_user(session, hasher, "journalist")
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    token = auth.token(user.email)
    auth.login(user.email)
    assert client.post("/account/sessions/end").status_code == 302
    assert other.get("/account").status_code == 302
    assert client.get("/account").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_password_change_ends_other_sessions_and_tokens_but_keeps_this_one(
    app, client, session, hasher, auth
):
    user = make_user(session, hasher, "journalist")
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    token = auth.token(user.email)
    auth.login(user.email)
    wrong = client.post(
        "/account/password", data={"current_password": "not it at all", "new_password": "a new long secret"}
    )
    assert wrong.status_code == 422 and "Your current password is not right." in wrong.text
    changed = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "a new long secret"}
    )
    assert changed.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    mails = [m["Subject"] for m in app.extensions["pulse.outbox"] if m["To"] == user.email]
    assert "Your Pulse password was changed" in mails
    auth.logout()
    assert auth.login(user.email).status_code == 401  # the old password is gone
    assert auth.login(user.email, "a new long secret").status_code == 302


def test_weak_new_password_is_refused_naming_the_field(client, session, hasher, auth):
    user = make_user(session, hasher, "journalist")
    auth.login(user.email)
    answer = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "Password1!"}
    )
    assert answer.status_code == 422
    assert 'id="new_password-error"' in answer.text


def test_tokens_are_listed_renewed_and_revoked(client, session, hasher, auth):
    member = make_member(session, hasher)
    first = auth.token(member.user.email)
    second = auth.token(member.user.email)
    bearer = {"Authorization": f"Bearer {first}"}
    listed = client.get("/api/v1/tokens", headers=bearer)
    assert listed.status_code == 200
    assert len(listed.json) == 2 and sum(t["current"] for t in listed.json) == 1
    renewed = client.post("/api/v1/tokens/renew", headers=bearer)
    assert renewed.status_code == 201
    assert client.get("/api/v1/me", headers=bearer).status_code == 401  # the renewed token stopped
    fresh = {"Authorization": f"Bearer {renewed.json['token']}"}
    assert client.get("/api/v1/me", headers=fresh).status_code == 200
    second_id = next(t["id"] for t in client.get("/api/v1/tokens", headers=fresh).json if not t["current"])
    assert client.post(f"/api/v1/tokens/{second_id}/revoke", headers=fresh).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code == 401


def test_someone_elses_token_cannot_be_revoked(client, session, hasher, auth):
    mine = make_member(session, hasher)
    theirs = make_member(session, hasher)
    auth.token(theirs.user.email)
    their_id = session.query(ApiToken.id).filter(ApiToken.user_id == theirs.user.id).scalar()
    bearer = {"Authorization": f"Bearer {auth.token(mine.user.email)}"}
    assert client.post(f"/api/v1/tokens/{their_id}/revoke", headers=bearer).status_code == 404


def test_tokens_live_an_hour_and_expire(client, session, hasher, auth):
    member = make_member(session, hasher)
    answer = client.post("/api/v1/tokens", json={"email": member.user.email, "password": PASSWORD})
    session.expire_all()
    row = session.get(ApiToken, answer.json["id"])
    assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(minutes=60)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    bearer = {"Authorization": f"Bearer {answer.json['token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_settings_list_tokens_and_revoke_one(client, session, hasher, auth):
    member = make_member(session, hasher)
    token = auth.token(member.user.email)
    auth.login(member.user.email)
    page = client.get("/account")
    assert "Log out everywhere" in page.text and "Revoke" in page.text
    token_id = session.query(ApiToken.id).filter(ApiToken.user_id == member.user.id).scalar()
    client.post(f"/account/tokens/{token_id}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_identity_pages_are_never_cached(client, session, hasher, auth):
    member = make_member(session, hasher)
    auth.login(member.user.email)
    for path in ("/account", "/membership", "/press"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    bearer = {"Authorization": f"Bearer {auth.token(member.user.email)}"}
    assert client.get("/api/v1/me", headers=bearer).headers["Cache-Control"] == "no-store"
