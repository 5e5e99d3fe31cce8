"""Staff verification: the queue, verify or reject with a reason, logged identity reads."""

from __future__ import annotations

from sqlalchemy import select

from polling.members.models import IdentityAccess, MemberProfile
from tests.factories import make_member, make_user


def test_queue_lists_pending_members_only(client, session, hasher, auth):
    pending = make_member(session, hasher, status="pending")
    verified = make_member(session, hasher)
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    page = client.get("/staff/verification").text
    assert pending.handle in page
    assert verified.handle not in page
    assert pending.identity.full_name not in page  # names appear only on the logged review page


def test_review_shows_identity_and_logs_the_read(client, session, hasher, auth):
    pending = make_member(session, hasher, status="pending")
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    page = client.get(f"/staff/verification/{pending.id}").text
    assert pending.identity.full_name in page
    assert pending.identity.licence_number in page
    log = session.scalars(select(IdentityAccess)).all()
    assert [(entry.member_id, entry.staff_user_id) for entry in log] == [(pending.id, staff.id)]


def test_verify_lets_the_member_in(client, session, hasher, auth):
    pending = make_member(session, hasher, status="pending")
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    answer = client.post(f"/staff/verification/{pending.id}", data={"decision": "verify"})
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(MemberProfile, pending.id).status == "verified"
    auth.logout()
    auth.login(pending.user.email)
    assert "Your licence is verified" in client.get("/membership").text


def test_reject_needs_a_reason_the_member_then_reads(client, session, hasher, auth):
    pending = make_member(session, hasher, status="pending")
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    refused = client.post(f"/staff/verification/{pending.id}", data={"decision": "reject", "reason": ""})
    assert refused.status_code == 422
    assert "Give the member a reason" in refused.text
    client.post(
        f"/staff/verification/{pending.id}",
        data={"decision": "reject", "reason": "No GMC entry matches this number."},
    )
    auth.logout()
    auth.login(pending.user.email)
    assert "No GMC entry matches this number." in client.get("/membership").text


def test_a_member_cannot_be_reviewed_twice(client, session, hasher, auth):
    member = make_member(session, hasher)
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    answer = client.post(
        f"/staff/verification/{member.id}", data={"decision": "reject", "reason": "Changed my mind"}
    )
    assert answer.status_code == 409
    assert "already reviewed" in answer.text


def test_unknown_member_and_huge_id_are_404(client, session, hasher, auth):
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    assert client.get("/staff/verification/999999").status_code == 404
    assert client.get("/staff/verification/99999999999999999999").status_code == 404


def test_pending_member_is_told_why_they_cannot_see_member_pages(client, session, hasher, auth):
    pending = make_member(session, hasher, status="pending")
    other = make_member(session, hasher)
    auth.login(pending.user.email)
    answer = client.get(f"/members/{other.handle}")
    assert answer.status_code == 403
    assert "waiting for licence verification" in answer.text
