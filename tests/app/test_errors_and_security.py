"""One error handler (HTML or JSON, never a traceback), security headers, cookies, CSRF, rate limits."""

from __future__ import annotations

import pytest

from polling import create_app
from tests.conftest import FAST_HASH
from tests.factories import PASSWORD, make_member, make_poll, make_published_report


def test_unknown_page_is_a_friendly_html_404(client):
    answer = client.get("/no-such-page")
    assert answer.status_code == 404
    assert "Page not found." in answer.text
    assert "Traceback" not in answer.text


def test_unknown_api_route_is_json_404(client):
    answer = client.get("/api/v1/nothing-here")
    assert answer.status_code == 404
    assert answer.json["message"] == "Page not found."


def test_wrong_method_says_which_are_allowed(client):
    answer = client.get("/logout")
    assert answer.status_code == 405
    assert "POST" in answer.headers["Allow"]


def test_malformed_json_is_400_or_422_not_500(client):
    answer = client.post("/api/v1/tokens", data="{not json", content_type="application/json")
    assert answer.status_code in (400, 422)
    assert "message" in answer.json


@pytest.mark.parametrize(
    "body", [[], "text", 12, {"email": 5, "password": None}, {"email": "x" * 5000, "password": "y"}]
)
def test_wrong_types_are_422(client, body):
    answer = client.post("/api/v1/tokens", json=body)
    assert answer.status_code == 422, answer.json
    assert answer.json["errors"]


def test_oversized_body_is_413(client):
    answer = client.post("/signup/physician", data={"full_name": "x" * (3 * 1024 * 1024)})
    assert answer.status_code == 413
    assert "too large" in answer.text


def test_unexpected_error_is_a_500_page_without_traceback(app, client):
    @app.get("/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    from polling.permissions import EVERYONE, RULES

    RULES["boom"] = EVERYONE
    try:
        answer = client.get("/boom")
    finally:
        del RULES["boom"]
    assert answer.status_code == 500
    assert "secret internals" not in answer.text
    assert "Something went wrong on our side." in answer.text


def test_report_pages_need_no_inline_style_or_script(client, session, hasher):
    from datetime import timedelta

    from polling.db import utcnow

    now = utcnow()
    poll = make_poll(
        session,
        hasher,
        opens_at=(now - timedelta(days=2)).isoformat(),
        closes_at=(now - timedelta(days=1)).isoformat(),
    )
    report = make_published_report(session, poll, {"fragment.en.html": b"<p>x</p>"})
    # Charts are static SVG images now (no plotly.js, which needed inline styles): the strict policy.
    policy = client.get(f"/press/{report.id}").headers["Content-Security-Policy"]
    assert "style-src 'self';" in policy and "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "style-src 'self';" in client.get("/press").headers["Content-Security-Policy"]


def test_security_headers_on_every_page(client):
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(session, hasher, database_url):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "k",
            "SESSION_COOKIE_SECURE": True,
            "ARGON2_COST": FAST_HASH,
            "WTF_CSRF_ENABLED": False,
        }
    )
    member = make_member(session, hasher)
    answer = app.test_client().post("/login", data={"email": member.user.email, "password": PASSWORD})
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    app.extensions["pulse.engine"].dispose()


def test_forms_without_csrf_token_are_refused(database_url):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "ARGON2_COST": FAST_HASH})
    answer = app.test_client().post("/login", data={"email": "a@b.org", "password": "whatever123"})
    assert answer.status_code == 400
    assert "The form expired or was sent from another site." in answer.text
    page = app.test_client().get("/login").text
    assert 'name="csrf_token"' in page
    app.extensions["pulse.engine"].dispose()


def test_login_is_rate_limited(database_url):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "k",
            "ARGON2_COST": FAST_HASH,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "3 per minute",
        }
    )
    client = app.test_client()
    codes = [
        client.post("/login", data={"email": "a@b.org", "password": "wrong-password"}).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    api = client.post("/api/v1/tokens", json={"email": "a@b.org", "password": "x"})
    assert api.status_code == 429
    assert api.json["message"] == "Too many attempts."
    app.extensions["pulse.engine"].dispose()


def test_login_redirects_only_to_local_pages(client, session, hasher):
    member = make_member(session, hasher)
    answer = client.post(
        "/login?next=https://evil.example/", data={"email": member.user.email, "password": PASSWORD}
    )
    assert answer.headers["Location"] == "/"


def test_anonymous_visitor_is_sent_to_log_in_and_back(client):
    answer = client.get("/account")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login?next=/account"


# --- inputs that never crash (issue 13) -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"email": ' + "[" * 5000 + "]" * 5000 + ', "password": "x"}', "body"),
        ('{"options": [' + "9" * 5000 + "]}", "body"),
    ],
)
def test_deep_json_and_huge_numbers_are_refused_naming_the_body(client, session, hasher, auth, body, field):
    member = make_member(session, hasher)
    headers = {"Authorization": f"Bearer {auth.token(member.user.email)}"}
    for path in ("/api/v1/tokens", "/api/v1/polls/1/votes"):
        answer = client.post(path, data=body, content_type="application/json", headers=headers)
        assert answer.status_code == 422, (path, answer.status_code)
        assert field in answer.json["errors"]


@pytest.mark.parametrize("email", ["\ud800doc@example.org", "doc\x00@example.org", "dóc@exämple.org"])
def test_strange_emails_are_refused_without_a_crash(client, session, email):
    from polling.audit.models import SecurityEvent

    answer = client.post("/api/v1/tokens", json={"email": email, "password": "whatever it is"})
    assert answer.status_code == 401
    if email.isascii() or "\ud800" not in email:  # a form cannot carry a lone surrogate; JSON can
        web = client.post("/signup/journalist", data={"email": email, "password": "correct horse battery"})
        assert web.status_code == 422 and 'id="email-error"' in web.text
    session.expire_all()
    assert {e.email for e in session.query(SecurityEvent)} == {None}  # logged without the bad address


def test_far_dates_are_refused_naming_the_field_and_offsets_are_stored_in_utc(client, session, hasher):
    from datetime import UTC, datetime

    from polling.polls.models import Poll

    member = make_member(session, hasher)
    from tests.factories import poll_form

    client.post("/login", data={"email": member.user.email, "password": PASSWORD})
    answer = client.post("/polls/propose", data=poll_form(opens_at="9999-12-31T20:00-14:00"))
    assert answer.status_code == 422
    assert 'id="opens_at-error"' in answer.text
    assert client.get("/polls/mine").status_code == 200
    poll = make_poll(
        session, hasher, opens_at="2030-03-01T09:00-05:00", closes_at="2030-03-02T09:00-05:00", publish=False
    )
    session.expire_all()
    stored = session.get(Poll, poll.id)
    assert stored.opens_at == datetime(2030, 3, 1, 14, 0, tzinfo=UTC)


# --- faults that answer 503 -------------------------------------------------------------------


@pytest.fixture
def unreachable_db_app():  # type: ignore[no-untyped-def]
    from tests.servers import free_port

    app = create_app(
        {
            "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/pulse",
            "SECRET_KEY": "s",
            "DB_CONNECT_TIMEOUT": 1,
            "RETRY_AFTER": 7,
        }
    )
    yield app
    app.extensions["pulse.engine"].dispose()


def test_a_database_that_is_down_answers_503_with_retry_after(unreachable_db_app):
    client = unreachable_db_app.test_client()
    page = client.get("/press")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "7"
    assert "briefly unavailable" in page.text
    api = client.get("/api/v1/press/reports")
    assert api.status_code == 503 and api.json["status"] == "unavailable"


def test_liveness_ignores_the_database_and_readiness_names_it(unreachable_db_app):
    client = unreachable_db_app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["database"].startswith("unavailable")


def test_readiness_is_200_when_the_database_answers(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.json["database"] == "ok"


def test_the_sqlite_database_file_is_private(app, database_url):
    import stat
    from pathlib import Path

    if not database_url.startswith("sqlite:///"):
        pytest.skip("SQLite only")
    assert stat.S_IMODE(Path(database_url.removeprefix("sqlite:///")).stat().st_mode) == 0o600


def test_readiness_names_redis_when_it_is_down(database_url):
    from tests.servers import free_port

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "s",
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
            "REDIS_TIMEOUT": 0.5,
        }
    )
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.json["database"] == "ok" and ready.json["redis"].startswith("unavailable")
    assert "Retry-After" in ready.headers
    app.extensions["pulse.engine"].dispose()
