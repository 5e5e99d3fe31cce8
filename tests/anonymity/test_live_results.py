"""Live results move in steps of at least k votes, breakdowns included; reading them is rate-limited."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from polling import create_app
from polling.accounts import sessions
from polling.polls import results, service
from polling.polls.models import Vote
from polling.polls.privacy import live_cells
from polling.respondents.anonymity import K
from tests.factories import make_member, make_poll


def _vote(session, keys, member, poll, option: int = 0) -> None:  # type: ignore[no-untyped-def]
    sessions.start(session, member.user, hours=1)  # the member comes in, then votes
    service.cast_vote(session, keys, member.user, poll.id, [poll.options[option].id])


def test_results_move_only_when_k_new_votes_are_in(app, session, hasher, keys) -> None:  # type: ignore[no-untyped-def]
    poll = make_poll(session, hasher)
    members = [make_member(session, hasher) for _ in range(2 * K + 2)]
    seen = []
    for member in members:
        _vote(session, keys, member, poll)
        seen.append(int(live_cells(session, poll.id)["n"].sum()))
    assert seen == [0] * (K - 1) + [K] * K + [2 * K] * 3


@pytest.mark.slow
def test_the_last_voter_s_choice_cannot_be_read_off_the_results(app, session, hasher, keys) -> None:  # type: ignore[no-untyped-def]
    poll = make_poll(session, hasher)
    members = [make_member(session, hasher) for _ in range(12)]
    for member in members[:10]:
        _vote(session, keys, member, poll)
    with app.test_request_context():
        before = results.for_poll(session, poll, audience="staff")
    _vote(session, keys, members[10], poll, option=1)  # a colleague votes
    with app.test_request_context():
        after = results.for_poll(session, poll, audience="staff")
    assert after == before  # nothing moved, breakdowns included
    assert session.scalar(select(Vote.id).where(Vote.poll_id == poll.id).limit(1)) is not None


def test_no_vote_row_says_whether_it_is_among_the_latest(app) -> None:  # type: ignore[no-untyped-def]
    columns = {c["name"] for c in inspect(app.extensions["pulse.engine"]).get_columns("votes")}
    assert columns == {
        "id",
        "poll_id",
        "respondent_key",
        "country",
        "specialty",
        "sex",
        "age_band",
        "practice_band",
        "options_mask",
        "cast_on",
    }


def test_reading_results_is_limited_per_member_and_the_rule_is_stated(database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "RESPONDENT_KEY_SECRET": "test-respondent-secret",
            "WTF_CSRF_ENABLED": False,
            "ARGON2_COST": (1, 1024),
            "RATELIMIT_ENABLED": True,
            "RESULTS_RATE_LIMIT": "3 per hour",
            "LOGIN_RATE_LIMIT": "100 per minute",
        }
    )
    try:
        client = app.test_client()
        with app.app_context():
            from polling.db import get_session
            from polling.respondents.keys import current_keys

            session = get_session()
            from polling.accounts.passwords import Hasher

            hasher = Hasher(1, 1024)
            poll = make_poll(session, hasher)
            member = make_member(session, hasher)
            service.cast_vote(session, current_keys(), member.user, poll.id, [poll.options[0].id])
            email, poll_id = member.user.email, poll.id
        client.post("/login", data={"email": email, "password": "correct horse battery"})
        pages = [client.get(f"/polls/{poll_id}") for _ in range(4)]
        assert [p.status_code for p in pages] == [200, 200, 200, 429]
        assert f"steps of {K} votes" in pages[0].text
        assert "read results 3 times per hour" in pages[0].text
        assert "try again later" in pages[3].text
    finally:
        app.extensions["pulse.engine"].dispose()
