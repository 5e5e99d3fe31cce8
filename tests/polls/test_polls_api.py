"""The polls API for the mobile app: feed, poll, vote (201/409/403/422), results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from polling.db import utcnow
from polling.polls.models import Vote
from tests.factories import make_member, make_poll, make_user


def _bearer(auth, email: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {auth.token(email)}"}


def _votes(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Vote))


def test_feed_lists_only_polls_the_member_may_vote_in(client, session, hasher, auth):
    staff = make_user(session, hasher, "staff")
    mine = make_poll(session, staff=staff, countries=["US"])
    make_poll(session, staff=staff, countries=["ES"])
    member = make_member(session, hasher, country="US")
    answer = client.get("/api/v1/polls", headers=_bearer(auth, member.user.email) | {"Accept-Language": "es"})
    assert answer.status_code == 200
    assert [p["id"] for p in answer.json] == [mine.id]
    assert answer.json[0]["question"].startswith("¿Le ayudaría")
    assert answer.json[0]["voted"] is False
    assert [o["label"] for o in answer.json[0]["options"]] == ["Sí", "No", "No estoy seguro"]


def test_vote_then_duplicate_is_409(client, session, hasher, auth):
    poll = make_poll(session, hasher)
    member = make_member(session, hasher)
    headers = _bearer(auth, member.user.email)
    first = client.post(
        f"/api/v1/polls/{poll.id}/votes", json={"options": [poll.options[0].id]}, headers=headers
    )
    assert first.status_code == 201
    assert first.json["options"] == [poll.options[0].id]
    second = client.post(
        f"/api/v1/polls/{poll.id}/votes", json={"options": [poll.options[1].id]}, headers=headers
    )
    assert second.status_code == 409
    assert second.json["message"] == "You have already voted in this poll; each member votes once."
    assert _votes(session) == 1
    assert client.get(f"/api/v1/polls/{poll.id}", headers=headers).json["voted"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "options"),
        ({"options": []}, "options"),
        ({"options": "1"}, "options"),
        ({"options": ["1"]}, "options"),
        ({"options": [1.5]}, "options"),
        ({"options": [999999]}, "options"),
        ({"choice": 1}, "options"),
    ],
)
def test_bad_bodies_are_422_with_field_errors_and_store_nothing(client, session, hasher, auth, body, field):
    poll = make_poll(session, hasher)
    member = make_member(session, hasher)
    answer = client.post(
        f"/api/v1/polls/{poll.id}/votes", json=body, headers=_bearer(auth, member.user.email)
    )
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"] or field in str(answer.json)
    assert _votes(session) == 0


def test_empty_body_and_two_options_on_single_choice_are_422(client, session, hasher, auth):
    poll = make_poll(session, hasher)
    member = make_member(session, hasher)
    headers = _bearer(auth, member.user.email)
    assert client.post(
        f"/api/v1/polls/{poll.id}/votes", data="", headers=headers, content_type="application/json"
    ).status_code in (400, 422)
    two = client.post(
        f"/api/v1/polls/{poll.id}/votes", json={"options": [o.id for o in poll.options[:2]]}, headers=headers
    )
    assert two.status_code == 422
    assert two.json["errors"]["options"] == ["This poll takes one answer: choose a single option."]
    assert _votes(session) == 0


def test_closed_not_open_and_not_targeted(client, session, hasher, auth):
    now = utcnow()
    closed = make_poll(
        session,
        hasher,
        opens_at=(now - timedelta(days=2)).isoformat(),
        closes_at=(now - timedelta(days=1)).isoformat(),
    )
    later = make_poll(
        session,
        hasher,
        opens_at=(now + timedelta(days=1)).isoformat(),
        closes_at=(now + timedelta(days=2)).isoformat(),
    )
    spain = make_poll(session, hasher, countries=["ES"])
    member = make_member(session, hasher, country="US")
    headers = _bearer(auth, member.user.email)
    for poll, status, text in (
        (closed, 409, "closed"),
        (later, 409, "not open yet"),
        (spain, 403, "for physicians in Spain"),
    ):
        answer = client.post(
            f"/api/v1/polls/{poll.id}/votes", json={"options": [poll.options[0].id]}, headers=headers
        )
        assert answer.status_code == status
        assert text in answer.json["message"]
    assert _votes(session) == 0


def test_pending_member_and_journalist_cannot_vote(client, session, hasher, auth):
    poll = make_poll(session, hasher)
    pending = make_member(session, hasher, status="pending")
    journalist = make_user(session, hasher, "journalist")
    for email in (pending.user.email, journalist.email):
        answer = client.post(
            f"/api/v1/polls/{poll.id}/votes",
            json={"options": [poll.options[0].id]},
            headers=_bearer(auth, email),
        )
        assert answer.status_code == 403
        assert answer.json["message"]


def test_unknown_poll_and_huge_id_are_404(client, session, hasher, auth):
    member = make_member(session, hasher)
    headers = _bearer(auth, member.user.email)
    assert client.get("/api/v1/polls/424242", headers=headers).status_code == 404
    assert (
        client.post("/api/v1/polls/99999999999999/votes", json={"options": [1]}, headers=headers).status_code
        == 404
    )


def test_results_after_voting_only(client, session, hasher, auth):
    poll = make_poll(session, hasher)
    member = make_member(session, hasher)
    headers = _bearer(auth, member.user.email)
    before = client.get(f"/api/v1/polls/{poll.id}/results", headers=headers)
    assert before.status_code == 403
    assert "Vote first" in before.json["message"]
    client.post(f"/api/v1/polls/{poll.id}/votes", json={"options": [poll.options[0].id]}, headers=headers)
    after = client.get(f"/api/v1/polls/{poll.id}/results", headers=headers)
    assert after.status_code == 200
    assert after.json["n"] == 0  # physicians in the pooled figures: none until a country has 30
    # one vote: a member sees no shares until ten physicians have voted
    assert all(o["weighted_share"] is None for o in after.json["options"])


def test_openapi_documents_the_polls_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {
        "/api/v1/polls",
        "/api/v1/polls/{poll_id}",
        "/api/v1/polls/{poll_id}/votes",
        "/api/v1/polls/{poll_id}/results",
    } <= set(paths)
    assert set(paths["/api/v1/polls/{poll_id}/votes"]["post"]["responses"]) >= {
        "201",
        "403",
        "404",
        "409",
        "422",
    }
