"""An organisation's administrator invites colleagues by e-mail; the colleague chooses a password
and becomes a client of that organisation; nobody sees or invites into another organisation."""

from __future__ import annotations

import re

import pytest

from polling.accounts.models import User
from polling.mail import OUTBOX
from polling.studies import service
from tests.factories import make_user
from tests.studies.drafting_helpers import brief


@pytest.fixture
def admin(session, hasher):  # type: ignore[no-untyped-def]
    user = make_user(session, hasher, "client", organisation="Acme Research")
    user.organisation_admin = True
    session.commit()
    return user


def _link(app, to: str) -> str:  # type: ignore[no-untyped-def]
    message = next(m for m in reversed(app.extensions[OUTBOX]) if m["To"] == to)
    return re.search(r"https?://\S+/invitations/(\S+)", message.get_content()).group(1)


def test_an_invited_colleague_joins_the_organisation_and_sees_its_studies(app, client, session, admin, auth):
    service.create_draft(session, admin, brief(title="Acme heart study"))
    auth.login(admin.email)
    page = client.get(f"/organisations/{admin.organisation_id}")
    assert "Invite a colleague" in page.text and 'for="email"' in page.text
    sent = client.post(
        f"/organisations/{admin.organisation_id}/invitations", data={"email": "Dana@Acme.example"}
    )
    assert sent.status_code == 302
    message = app.extensions[OUTBOX][-1]
    assert message["To"] == "dana@acme.example" and "Acme Research invites you to Pulse" in message["Subject"]
    assert "dana@acme.example" in client.get(f"/organisations/{admin.organisation_id}").text  # pending
    auth.logout()
    secret = _link(app, "dana@acme.example")
    assert auth.login("dana@acme.example", "anything at all").status_code == 401  # not joined yet
    form = client.get(f"/invitations/{secret}")
    assert "Join Acme Research on Pulse" in form.text and 'for="new_password"' in form.text
    weak = client.post(f"/invitations/{secret}", data={"new_password": "short"})
    assert weak.status_code == 422 and 'id="new_password-error"' in weak.text
    joined = client.post(f"/invitations/{secret}", data={"new_password": "a long enough passphrase"})
    assert joined.status_code == 302
    home = client.get("/")
    assert "Acme heart study" in home.text and "New study" in home.text
    colleague = session.query(User).filter_by(email="dana@acme.example").one()
    assert (colleague.role, colleague.organisation_id, colleague.organisation_admin) == (
        "client",
        admin.organisation_id,
        False,
    )
    assert client.get(f"/invitations/{secret}").status_code == 410  # used once
    auth.logout()
    assert auth.login("dana@acme.example", "a long enough passphrase").status_code == 302


def test_only_an_administrator_invites_and_only_into_their_own_organisation(
    app, client, session, hasher, admin, auth
):
    colleague = make_user(session, hasher, "client", organisation="Acme Research")
    auth.login(colleague.email)
    page = client.get(f"/organisations/{admin.organisation_id}")
    assert "Invite a colleague" not in page.text
    refused = client.post(
        f"/organisations/{admin.organisation_id}/invitations", data={"email": "x@acme.example"}
    )
    assert refused.status_code == 403 and "Only an administrator" in refused.text
    auth.logout()
    other_admin = make_user(session, hasher, "client", organisation="Other Insights")
    other_admin.organisation_admin = True
    session.commit()
    auth.login(other_admin.email)
    into_acme = client.post(
        f"/organisations/{admin.organisation_id}/invitations", data={"email": "spy@other.example"}
    )
    assert into_acme.status_code == 404 and "Acme Research" not in into_acme.text
    assert session.query(User).filter_by(email="spy@other.example").count() == 0
    assert app.extensions[OUTBOX] == []


def test_inviting_an_address_with_an_account_tells_its_owner_not_the_inviter(
    app, client, session, hasher, admin, auth
):
    journalist = make_user(session, hasher, "journalist")
    auth.login(admin.email)
    answer = client.post(
        f"/organisations/{admin.organisation_id}/invitations",
        data={"email": journalist.email},
        follow_redirects=True,
    )
    assert (
        f"An invitation is on its way to {journalist.email}" in answer.text
    )  # the same answer as for anyone
    message = app.extensions[OUTBOX][-1]
    assert message["To"] == journalist.email and "already has a Pulse account" in message.get_content()
    session.refresh(journalist)
    assert (journalist.role, journalist.organisation_id) == ("journalist", None)


def test_a_second_invitation_replaces_the_first_link(app, client, session, admin, auth):
    auth.login(admin.email)
    client.post(f"/organisations/{admin.organisation_id}/invitations", data={"email": "lee@acme.example"})
    first = _link(app, "lee@acme.example")
    client.post(f"/organisations/{admin.organisation_id}/invitations", data={"email": "lee@acme.example"})
    second = _link(app, "lee@acme.example")
    assert first != second
    auth.logout()
    assert client.get(f"/invitations/{first}").status_code == 410
    assert client.get(f"/invitations/{second}").status_code == 200


def test_a_bad_address_is_named_next_to_the_field(client, admin, auth):
    auth.login(admin.email)
    answer = client.post(
        f"/organisations/{admin.organisation_id}/invitations", data={"email": "not an address"}
    )
    assert answer.status_code == 422 and 'id="email-error"' in answer.text


def test_an_administrator_invites_through_the_api_and_others_get_404(
    app, client, session, hasher, admin, auth
):
    token = {"Authorization": f"Bearer {auth.token(admin.email)}"}
    url = f"/api/v1/organisations/{admin.organisation_id}/invitations"
    sent = client.post(url, json={"email": "Kim@Acme.example"}, headers=token)
    assert sent.status_code == 202 and sent.json == {"email": "kim@acme.example", "status": "sent"}
    assert app.extensions[OUTBOX][-1]["To"] == "kim@acme.example"
    outsider = make_user(session, hasher, "client", organisation="Other Insights")
    outsider.organisation_admin = True
    session.commit()
    other = {"Authorization": f"Bearer {auth.token(outsider.email)}"}
    assert client.post(url, json={"email": "spy@other.example"}, headers=other).status_code == 404
    colleague = make_user(session, hasher, "client", organisation="Acme Research")
    plain = {"Authorization": f"Bearer {auth.token(colleague.email)}"}
    refused = client.post(url, json={"email": "x@acme.example"}, headers=plain)
    assert refused.status_code == 403 and "Only an administrator" in refused.json["message"]
