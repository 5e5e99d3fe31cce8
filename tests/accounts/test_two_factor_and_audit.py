"""TOTP required for staff (optional for others) and the append-only security log auditors read."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import text

from polling import create_app
from polling.audit.models import SecurityEvent
from tests.conftest import FAST_HASH
from tests.factories import PASSWORD, make_member, make_user


@pytest.fixture
def strict_app(database_url):  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "s",
            "ARGON2_COST": FAST_HASH,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECOND_FACTOR_ROLES": frozenset({"staff", "auditor"}),
        }
    )
    yield app
    app.extensions["pulse.engine"].dispose()


def _user(app, role: str):  # type: ignore[no-untyped-def]
    with app.app_context():
        from polling.db import get_session

        return make_user(get_session(), app.extensions["pulse.hasher"], role).email


def _enrol(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/account/two-factor")
    secret = page.text.split('id="totp-secret">')[1].split("<")[0]
    answer = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert answer.status_code == 302
    return secret


def test_staff_must_set_up_and_give_a_second_factor(strict_app):
    email = _user(strict_app, "staff")
    client = strict_app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD})
    blocked = client.get("/staff/verification")
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/account/two-factor")
    secret = _enrol(client)
    assert client.get("/staff/verification").status_code == 200
    client.post("/logout")
    step = client.post("/login", data={"email": email, "password": PASSWORD})
    assert "/login/code" in step.headers["Location"]
    assert client.get("/staff/verification").status_code == 302  # not logged in before the code
    assert client.post("/login/code", data={"code": "000000"}).status_code == 401
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/staff/verification").status_code == 200
    # The API wants the code too.
    api = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
    assert api.status_code == 401
    api = client.post(
        "/api/v1/tokens", json={"email": email, "password": PASSWORD, "code": pyotp.TOTP(secret).now()}
    )
    assert api.status_code == 201


def test_staff_without_a_second_factor_get_no_api_token(strict_app):
    email = _user(strict_app, "staff")
    answer = strict_app.test_client().post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 403


def test_members_may_opt_in(client, session, hasher, auth):
    member = make_member(session, hasher)
    auth.login(member.user.email)
    secret = _enrol(client)
    auth.logout()
    assert "/login/code" in auth.login(member.user.email).headers["Location"]
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 302


def test_auditors_read_and_filter_the_security_log(strict_app):
    staff, auditor = _user(strict_app, "staff"), _user(strict_app, "auditor")
    client = strict_app.test_client()
    client.post("/login", data={"email": staff, "password": "wrong password"})
    client.post("/login", data={"email": auditor, "password": PASSWORD})
    _enrol(client)
    log = client.get(f"/audit?kind=login_failed&email={staff}")
    assert log.status_code == 200
    assert log.text.count('class="event"') == 1 and staff in log.text
    assert client.get("/audit?kind=no-such-kind").status_code == 422
    assert client.get("/audit?since=9999-99-99").status_code == 422
    other = strict_app.test_client()
    other.post("/login", data={"email": staff, "password": PASSWORD})
    _enrol(other)
    assert other.get("/audit").status_code == 403  # staff do not audit themselves


def test_staff_decisions_and_identity_reads_are_logged(client, session, hasher, auth):
    pending = make_member(session, hasher, status="pending")
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    client.get(f"/staff/verification/{pending.id}")
    client.post(f"/staff/verification/{pending.id}", data={"decision": "verify"})
    session.expire_all()
    kinds = [e.kind for e in session.query(SecurityEvent).order_by(SecurityEvent.id)]
    assert kinds[0] == "login" and "identity_read" in kinds and "member_verified" in kinds


def test_the_security_log_cannot_be_rewritten(session, hasher, auth):
    make_user(session, hasher, "journalist")
    auth.login("nobody@example.org", "wrong password")
    session.commit()
    with pytest.raises(Exception, match="append-only"):
        session.execute(text("UPDATE security_events SET kind = 'login'"))
    session.rollback()
    with pytest.raises(Exception, match="append-only"):
        session.execute(text("DELETE FROM security_events"))
    session.rollback()


def test_staff_poll_decisions_are_logged(client, session, hasher, auth):
    from tests.factories import make_poll

    staff = make_user(session, hasher, "staff")
    poll = make_poll(session, hasher, publish=False)
    auth.login(staff.email)
    answer = client.post(f"/staff/polls/{poll.id}/review", data={"action": "publish"})
    assert answer.status_code == 302
    session.expire_all()
    logged = session.query(SecurityEvent).filter(SecurityEvent.kind == "poll_reviewed").one()
    assert (
        logged.email == staff.email and logged.subject == f"poll_id {poll.id}" and logged.detail == "publish"
    )
