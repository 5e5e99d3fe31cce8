"""Password reset with single-use expiring links, mail through a real SMTP server (aiosmtpd) and
into a folder (what `make run` does), the support page."""

from __future__ import annotations

import re
import stat
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from polling import create_app, mail
from polling.accounts import recovery, service
from polling.accounts.models import EmailLink, User
from polling.db import utcnow
from tests.conftest import FAST_HASH
from tests.factories import PASSWORD, make_user


def _link(app, to: str) -> str:  # type: ignore[no-untyped-def]
    message = [m for m in app.extensions["pulse.outbox"] if m["To"] == to][-1]
    return re.search(r"http://[^/\s]+(/\S+)", message.get_content()).group(1)


def test_a_forgotten_password_is_reset_once_and_ends_every_session(app, client, session, hasher, auth):
    user = make_user(session, hasher, "journalist")
    token = auth.token(user.email)
    asked = client.post("/password/forgot", data={"email": user.email.upper()})
    assert asked.status_code == 200 and "Check your inbox" in asked.text
    link = _link(app, user.email)
    assert link.startswith("/password/reset/")
    weak = client.post(link, data={"new_password": "Password1!"})
    assert weak.status_code == 422 and 'id="new_password-error"' in weak.text
    done = client.post(link, data={"new_password": "a brand new secret"})
    assert done.status_code == 302
    assert client.post(link, data={"new_password": "yet another secret"}).status_code == 410  # used
    assert auth.login(user.email, PASSWORD).status_code == 401
    assert auth.login(user.email, "a brand new secret").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_reset_links_expire(app, client, session, hasher):
    user = make_user(session, hasher, "journalist")
    client.post("/password/forgot", data={"email": user.email})
    link = _link(app, user.email)
    session.query(EmailLink).update({EmailLink.expires_at: utcnow() - timedelta(seconds=1)})
    session.commit()
    assert client.get(link).status_code == 410


def test_reset_request_for_an_unknown_address_looks_the_same_and_sends_nothing(app, client, session, hasher):
    user = make_user(session, hasher, "journalist")
    known = client.post("/password/forgot", data={"email": user.email})
    unknown = client.post("/password/forgot", data={"email": "stranger@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert re.sub(r'value="[^"]*"', "", known.text) == re.sub(r'value="[^"]*"', "", unknown.text)
    assert [m["To"] for m in app.extensions["pulse.outbox"]] == [user.email]


def test_support_leads_somewhere_real(client):
    page = client.get("/support")
    assert page.status_code == 200
    assert 'href="mailto:support@pulse.invalid"' in page.text


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
            received.append(message)

    from tests.servers import free_port

    controller = Controller(Collect(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, received
    controller.stop()


def test_mail_goes_through_the_configured_smtp_server(smtp_server, database_url):
    controller, received = smtp_server
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "s",
            "ARGON2_COST": FAST_HASH,
            "WTF_CSRF_ENABLED": False,
            "MAIL_TRANSPORT": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": controller.port,
        }
    )
    answer = app.test_client().post(
        "/signup/journalist", data={"email": "writer@example.org", "password": PASSWORD, "outlet": "Daily"}
    )
    assert answer.status_code == 302
    for _ in range(50):
        if received:
            break
        time.sleep(0.05)
    assert [m["To"] for m in received] == ["writer@example.org"]
    assert received[0]["Subject"] == "Confirm your e-mail address for Pulse"
    assert "/verify/" in received[0].get_payload(decode=True).decode()
    app.extensions["pulse.engine"].dispose()


def test_mail_folder_gets_private_eml_files(tmp_path, plain_app):
    folder = tmp_path / "mail"
    plain_app.config["MAIL_FOLDER"] = str(folder)
    try:
        with plain_app.app_context():
            sent = mail.deliver(plain_app, [mail.Mail("a@example.org", "Hello", "Body")])
    finally:
        plain_app.config["MAIL_FOLDER"] = None
    files = list(folder.glob("*.eml"))
    assert sent == 1 and len(files) == 1
    assert "Subject: Hello" in files[0].read_text()
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


def test_an_unreachable_smtp_server_never_breaks_the_page(database_url):
    from tests.servers import free_port

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "s",
            "ARGON2_COST": FAST_HASH,
            "WTF_CSRF_ENABLED": False,
            "MAIL_TRANSPORT": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": free_port(),
        }
    )
    answer = app.test_client().post("/password/forgot", data={"email": "x@example.org"})
    assert answer.status_code == 200
    app.extensions["pulse.engine"].dispose()


def test_a_journalist_sign_up_losing_the_race_for_an_address_gets_the_same_answer(
    app, client, session, hasher, monkeypatch
):
    """The unique address decides a race the earlier checks could not see: the same page, no
    500, no second account, and no mail from the losing sign-up (the winner's mail tells the owner)."""
    taken = make_user(session, hasher, "journalist", email="racer@example.org")
    session.commit()
    monkeypatch.setattr(recovery, "find_user", lambda *args: None)  # as if the other were in flight
    monkeypatch.setattr(service, "email_taken", lambda *args: False)
    sent = len(app.extensions["pulse.outbox"])
    answer = client.post(
        "/signup/journalist",
        data={"email": taken.email, "password": "correct horse battery", "outlet": "Daily"},
        follow_redirects=True,
    )
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert session.scalar(select(func.count()).select_from(User).where(User.email == taken.email)) == 1
    assert len(app.extensions["pulse.outbox"]) == sent
