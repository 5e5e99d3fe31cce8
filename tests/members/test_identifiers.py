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
