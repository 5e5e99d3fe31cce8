"""Licence numbers and e-mails in one normalised form; a rejected registration frees its licence
and can be corrected and sent again; members are told the outcome by e-mail."""

from __future__ import annotations

import pytest

from polling.errors import InvalidInput
from polling.members.licences import check, normalise
from polling.members.service import register_physician, review
from tests.factories import make_member, make_user, physician_form

GMC = "1234567"
SPELLINGS = ["１２３４５６７", "١٢٣٤٥٦٧", "১২৩৪৫৬৭", "12 345-67"]


@pytest.mark.parametrize("typed", SPELLINGS)
def test_licence_numbers_in_any_digits_normalise_to_ascii(typed):
    assert normalise(typed) == GMC
    assert check("UK", typed).valid


def test_non_ascii_letters_do_not_pass_for_a_licence():
    assert not check("ZA", "MP０１２３４５Ⅵ").valid
    assert not check("UK", "123456\x00").valid


def test_the_same_gmc_number_registers_once_however_it_is_typed(session, hasher):
    register_physician(session, hasher, physician_form(country="UK", licence_number=GMC))
    for typed in SPELLINGS:
        with pytest.raises(InvalidInput) as refused:
            register_physician(session, hasher, physician_form(country="UK", licence_number=typed))
        assert "licence_number" in refused.value.fields


def test_emails_are_unique_on_their_nfkc_form(session, hasher):
    register_physician(session, hasher, physician_form(email="doc@example.org"))
    with pytest.raises(InvalidInput) as refused:
        register_physician(session, hasher, physician_form(email="ＤＯＣ@ｅｘａｍｐｌｅ.ｏｒｇ"))
    assert "email" in refused.value.fields


def test_a_rejected_registration_frees_its_licence(session, hasher):
    rejected = make_member(session, hasher, status="rejected", country="UK", licence_number=GMC)
    assert rejected.identity.licence_claim is None
    again = register_physician(session, hasher, physician_form(country="UK", licence_number=GMC))
    assert again.identity.licence_claim == GMC


def test_a_rejected_physician_corrects_and_resubmits(app, client, session, hasher, auth):
    member = make_member(session, hasher, status="rejected", country="UK", licence_number="7654321")
    auth.login(member.user.email)
    page = client.get("/membership")
    assert "Correct and send again" in page.text and "/support" in page.text
    bad = client.post("/membership/resubmit", data={"full_name": "Dana Example", "licence_number": "12"})
    assert bad.status_code == 422 and 'id="licence_number-error"' in bad.text
    good = client.post(
        "/membership/resubmit", data={"full_name": "Dana Example", "licence_number": "7654322"}
    )
    assert good.status_code == 302
    session.expire_all()
    assert member.status == "pending"
    assert member.identity.licence_number == member.identity.licence_claim == "7654322"


def test_members_are_told_of_the_review_by_email(app, client, session, hasher, auth):
    first = make_member(session, hasher, status="pending")
    second = make_member(session, hasher, status="pending")
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    client.post(f"/staff/verification/{first.id}", data={"decision": "verify"})
    client.post(f"/staff/verification/{second.id}", data={"decision": "reject", "reason": "Name differs."})
    sent = {m["To"]: m for m in app.extensions["pulse.outbox"]}
    assert sent[first.user.email]["Subject"] == "Your Pulse membership is verified"
    assert "Name differs." in sent[second.user.email].get_content()


def test_review_of_a_licence_already_held_cannot_double_claim(session, hasher):
    staff = make_user(session, hasher, "staff")
    member = make_member(session, hasher, status="pending", country="UK", licence_number="1111111")
    review(session, staff, member.id, decision="reject", reason="Not in the register.")
    holder = register_physician(session, hasher, physician_form(country="UK", licence_number="1111111"))
    assert holder.identity.licence_claim == "1111111"


def test_migration_normalises_existing_identifiers_and_claims(tmp_path):
    """Rows stored before migration 0006: fullwidth digits and e-mails become their normal form, a
    rejected registration's licence is unclaimed, and a later duplicate of a held licence gets none."""
    from sqlalchemy import create_engine, text

    from polling import migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0005")
    engine = create_engine(url)
    with engine.begin() as db:
        for user_id, email in ((1, "ＤＯＣ@Example.org"), (2, "two@example.org"), (3, "three@example.org")):
            db.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, role, created_at) "
                    "VALUES (:i, :e, 'x', 'member', '2026-01-01 00:00:00')"
                ),
                {"i": user_id, "e": email},
            )
        for member_id, status, number in (
            (1, "verified", "１２３４５６７"),
            (2, "rejected", "7654321"),
            (3, "pending", "1234567"),
        ):
            db.execute(
                text(
                    "INSERT INTO members (id, user_id, handle, country, specialty, sex, birth_year, licence_year, "
                    "practice_setting, status, show_identity, created_at) VALUES (:m, :m, :h, 'UK', 'cardiology', "
                    "'female', 1970, 1996, 'hospital', :s, 0, '2026-01-01 00:00:00')"
                ),
                {"m": member_id, "h": f"dr-old-{member_id}", "s": status},
            )
            db.execute(
                text(
                    "INSERT INTO member_identities (member_id, full_name, country, licence_number) "
                    "VALUES (:m, 'Old Member', 'UK', :n)"
                ),
                {"m": member_id, "n": number},
            )
    migrate.upgrade(url)
    with engine.connect() as db:
        assert db.execute(text("SELECT email FROM users WHERE id = 1")).scalar() == "doc@example.org"
        assert db.execute(text("SELECT count(*) FROM users WHERE email_verified_at IS NULL")).scalar() == 0
        rows = db.execute(
            text("SELECT member_id, licence_number, licence_claim FROM member_identities ORDER BY member_id")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "1234567", "1234567"), (2, "7654321", None), (3, "1234567", None)]


def test_staff_are_mailed_when_a_member_proposes_a_poll(app, client, session, hasher, auth):
    from tests.factories import poll_form

    staff = make_user(session, hasher, "staff")
    member = make_member(session, hasher)
    auth.login(member.user.email)
    answer = client.post("/polls/propose", data=poll_form())
    assert answer.status_code == 302
    mails = [m for m in app.extensions["pulse.outbox"] if m["To"] == staff.email]
    assert [m["Subject"] for m in mails] == ["A member proposed a poll"]
    assert "/staff/polls" in mails[0].get_content()


def test_a_sign_up_racing_another_for_the_same_licence_gets_the_same_answer(
    client, session, hasher, monkeypatch
):
    """The unique claim decides a race the earlier check could not see: no 500, nothing stored."""
    from polling.members import signup

    make_member(session, hasher, status="pending", country="UK", licence_number="2222222")
    monkeypatch.setattr(signup, "licence_claim", lambda *args: None)  # as if the other sign-up were in flight
    answer = client.post(
        "/signup/physician",
        data=physician_form(country="UK", licence_number="2222222"),
        follow_redirects=True,
    )
    assert answer.status_code == 200 and "Check your inbox" in answer.text
