"""Physician and journalist sign-up: refusals name the field and format, and store nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from polling.accounts.models import User
from polling.members.models import MemberIdentity, MemberProfile
from tests.factories import make_member, physician_form


def _errors(html: str) -> list[str]:
    return re.findall(r'class="field-error" id="([a-z_]+)-error"', html)


def _counts(session) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(m)) for m in (User, MemberProfile, MemberIdentity)
    )


def _link(app, to: str) -> str:  # type: ignore[no-untyped-def]
    """The path of the newest link mailed to ``to`` (the test app's in-memory outbox)."""
    mail = [m for m in app.extensions["pulse.outbox"] if m["To"] == to][-1]
    return re.search(r"http://[^/\s]+(/\S+)", mail.get_content()).group(1)


def test_valid_signup_mails_a_link_that_confirms_and_logs_in(app, client, session):
    answer = client.post(
        "/signup/physician", data=physician_form(email="new@example.org"), follow_redirects=True
    )
    assert answer.status_code == 200
    assert "Check your inbox" in answer.text
    answer = client.get(_link(app, "new@example.org"), follow_redirects=True)
    assert "Your e-mail address is confirmed." in answer.text
    assert "waiting for verification" in answer.text
    assert client.get(_link(app, "new@example.org")).status_code == 410  # the link works once
    member = session.scalar(
        select(MemberProfile)
        .join(User, MemberProfile.user_id == User.id)
        .where(User.email == "new@example.org")
    )
    assert member.status == "pending"
    assert member.handle.startswith("dr-")


def test_invalid_npi_is_refused_naming_the_npi_and_its_format(client, session):
    before = _counts(session)
    answer = client.post("/signup/physician", data=physician_form(licence_number="1234567890"))
    assert answer.status_code == 422
    assert _errors(answer.text) == ["licence_number"]
    assert "1234567890 is not a valid NPI" in answer.text
    assert "check digit" in answer.text
    assert _counts(session) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid e-mail address"),
        ("password", "short", "at least 10 characters"),
        ("password", "password123", "too easy to guess"),
        ("email", "doc\x00tor@example.org", "Enter a valid e-mail address"),
        ("full_name", "Dana\x00Example", "Enter your full name"),
        ("full_name", "", "Enter your full name"),
        ("country", "FR", "Choose your country of licence"),
        ("specialty", "astrology", "Choose your specialty"),
        ("sex", "", "Choose female or male"),
        ("birth_year", "19x5", "four-digit year"),
        ("birth_year", "1850", "four-digit year between"),
        ("licence_year", "1980", "at least 20 years after your year of birth"),
        ("practice_setting", "moon", "Choose a practice setting"),
    ],
)
def test_each_bad_field_is_named(client, session, field, value, message):
    before = _counts(session)
    form = physician_form(**{field: value})
    if field == "birth_year" and value == "1850":
        form["licence_year"] = "1990"
    answer = client.post("/signup/physician", data=form)
    assert answer.status_code == 422
    assert field in _errors(answer.text)
    assert message in answer.text
    assert _counts(session) == before


def test_uk_licence_must_have_seven_digits(client):
    answer = client.post("/signup/physician", data=physician_form(country="UK", licence_number="12345"))
    assert "12345 is not a valid GMC number: expected 7 digits" in answer.text


def _page(answer) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r'name="csrf_token" value="[^"]*"', "", answer.text)


def test_signup_does_not_reveal_who_is_a_member(app, client, session, hasher):
    """Taken address, taken licence and a new sign-up get the same answer; the owners are mailed."""
    member = make_member(session, hasher)
    before = _counts(session)
    taken_email = client.post(
        "/signup/physician", data=physician_form(email=member.user.email.upper()), follow_redirects=True
    )
    taken_licence = client.post(
        "/signup/physician",
        data=physician_form(email="prober@example.org", licence_number=member.identity.licence_number),
        follow_redirects=True,
    )
    assert _counts(session) == before  # nothing stored for either
    fresh = client.post("/signup/physician", data=physician_form(), follow_redirects=True)
    assert taken_email.status_code == taken_licence.status_code == fresh.status_code == 200
    assert _page(taken_email) == _page(taken_licence) == _page(fresh)
    subjects = {(m["To"], m["Subject"]) for m in app.extensions["pulse.outbox"]}
    assert (member.user.email, "Someone tried to sign up to Pulse with your address") in subjects
    assert (member.user.email, "Someone tried to register your licence number on Pulse") in subjects
    assert ("prober@example.org", "Your Pulse registration could not be completed") in subjects


def test_operators_are_told_when_email_or_licence_is_taken(session, hasher):
    from polling.errors import InvalidInput
    from polling.members.service import register_physician

    member = make_member(session, hasher)
    with pytest.raises(InvalidInput) as refused:
        register_physician(
            session,
            hasher,
            physician_form(email=member.user.email.upper(), licence_number=member.identity.licence_number),
        )
    assert set(refused.value.fields) == {"email", "licence_number"}


def test_form_keeps_what_was_typed_except_the_password(client):
    answer = client.post("/signup/physician", data=physician_form(full_name="Dana Q", licence_number="1"))
    assert 'value="Dana Q"' in answer.text
    assert "correct horse battery" not in answer.text


def test_hostile_strings_are_escaped_and_stored_verbatim(client, session):
    name = '<script>alert("x")</script> O\'Brien'
    answer = client.post("/signup/physician", data=physician_form(full_name=name, licence_number="bad"))
    assert "<script>alert" not in answer.text
    client.post("/signup/physician", data=physician_form(full_name=name, email="hostile@example.org"))
    stored = session.scalar(
        select(MemberIdentity.full_name)
        .join(MemberProfile)
        .join(User, MemberProfile.user_id == User.id)
        .where(User.email == "hostile@example.org")
    )
    assert stored == name


def test_journalist_signup(app, client, session):
    answer = client.post(
        "/signup/journalist",
        data={"email": "press@example.org", "password": "correct horse battery", "outlet": "The Lancet News"},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert session.scalar(select(User.role).where(User.email == "press@example.org")) == "journalist"
    login = client.post("/login", data={"email": "press@example.org", "password": "correct horse battery"})
    assert login.status_code == 403 and "Confirm your e-mail address first" in login.text
    assert client.get(_link(app, "press@example.org"), follow_redirects=True).status_code == 200
    assert client.get("/account").status_code == 200  # confirmed and logged in


def test_over_long_outlet_is_refused_naming_the_field(client, session):
    before = _counts(session)
    answer = client.post(
        "/signup/journalist",
        data={"email": "long@example.org", "password": "correct horse battery", "outlet": "x" * 5000},
    )
    assert answer.status_code == 422
    assert _errors(answer.text) == ["outlet"]
    assert _counts(session) == before


def test_journalist_signup_refusal_names_the_field(client):
    answer = client.post("/signup/journalist", data={"email": "press@example.org", "password": "x"})
    assert answer.status_code == 422
    assert _errors(answer.text) == ["password"]
