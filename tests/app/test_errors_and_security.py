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


def test_chart_pages_allow_inline_styles_but_never_inline_scripts(client, session, hasher):
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
    policy = client.get(f"/press/{report.id}").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "script-src 'self';" in policy
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
