"""Idempotency-Key on API votes: a retried request gets the first answer, and the vote is stored once."""

from __future__ import annotations

from sqlalchemy import func, select

from polling.polls.models import Vote
from tests.factories import make_member, make_poll


def _vote_count(session, poll_id: int) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Vote).where(Vote.poll_id == poll_id)) or 0)


def test_a_retried_vote_gets_its_original_answer_and_is_stored_once(client, session, hasher, auth):
    poll = make_poll(session, hasher)
    member = make_member(session, hasher)
    headers = {"Authorization": f"Bearer {auth.token(member.user.email)}", "Idempotency-Key": "retry-1"}
    body = {"options": [poll.options[0].id]}
    first = client.post(f"/api/v1/polls/{poll.id}/votes", json=body, headers=headers)
    again = client.post(f"/api/v1/polls/{poll.id}/votes", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _vote_count(session, poll.id) == 1
    # Without the key, a second vote is the member voting twice: refused.
    plain = {"Authorization": headers["Authorization"]}
    assert client.post(f"/api/v1/polls/{poll.id}/votes", json=body, headers=plain).status_code == 409


def test_a_key_reused_for_another_request_is_refused_naming_the_header(client, session, hasher, auth):
    poll = make_poll(session, hasher)
    member = make_member(session, hasher)
    headers = {"Authorization": f"Bearer {auth.token(member.user.email)}", "Idempotency-Key": "k"}
    client.post(f"/api/v1/polls/{poll.id}/votes", json={"options": [poll.options[0].id]}, headers=headers)
    other = client.post(
        f"/api/v1/polls/{poll.id}/votes", json={"options": [poll.options[1].id]}, headers=headers
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json["errors"]


def test_a_malformed_key_is_refused(client, session, hasher, auth):
    poll = make_poll(session, hasher)
    member = make_member(session, hasher)
    headers = {"Authorization": f"Bearer {auth.token(member.user.email)}", "Idempotency-Key": "x" * 101}
    answer = client.post(
        f"/api/v1/polls/{poll.id}/votes", json={"options": [poll.options[0].id]}, headers=headers
    )
    assert answer.status_code == 422
    assert _vote_count(session, poll.id) == 0
