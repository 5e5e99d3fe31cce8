"""400 racing vote requests from 200 members against gunicorn on PostgreSQL: exactly 200 votes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from polling import create_app
from polling.accounts.service import issue_token
from polling.db import session_scope
from polling.members.service import register_physician, review
from polling.polls.models import Vote
from polling.respondents.keys import respondent_key
from tests.conftest import FAST_HASH
from tests.factories import make_poll, make_user, physician_form
from tests.live.conftest import respondent_secret, start_pulse
from tests.servers import stop

SECRET = "live-test-secret"
MEMBERS = 200


@pytest.mark.postgres
@pytest.mark.slow
def test_racing_duplicate_votes_store_exactly_one_each(live_postgres):
    app = create_app({"DATABASE_URL": live_postgres, "SECRET_KEY": SECRET, "ARGON2_COST": FAST_HASH})
    with session_scope(app) as session:
        staff = make_user(session, app.extensions["pulse.hasher"], "staff")
        poll = make_poll(session, staff=staff)
        option_ids = [o.id for o in poll.options]
        poll_id = poll.id
        members = []
        for i in range(MEMBERS):
            member = register_physician(
                session, app.extensions["pulse.hasher"], physician_form(email=f"racer{i}@example.org")
            )
            review(session, staff, member.id, decision="verify")
            members.append((member.id, issue_token(session, member.user).token))
    app.extensions["pulse.engine"].dispose()

    process, base = start_pulse(live_postgres, SECRET, workers=4)
    try:
        start = threading.Barrier(100)

        def vote(job: tuple[int, int, str]) -> tuple[int, int, int]:
            index, member_id, token = job
            if index < 100:
                start.wait(timeout=30)  # the first wave leaves together
            answer = requests.post(
                f"{base}/api/v1/polls/{poll_id}/votes",
                timeout=60,
                json={"options": [option_ids[index % 2]]},
                headers={"Authorization": f"Bearer {token}"},
            )
            return member_id, answer.status_code, index

        # Each member appears twice, the two requests adjacent, so they race each other.
        jobs = [
            (2 * i + k, member_id, token) for i, (member_id, token) in enumerate(members) for k in range(2)
        ]
        with ThreadPoolExecutor(max_workers=100) as pool:
            answers = list(pool.map(vote, jobs))
    finally:
        stop(process)

    statuses = [status for _, status, _ in answers]
    assert 500 not in statuses
    assert statuses.count(201) == MEMBERS
    assert statuses.count(409) == MEMBERS
    created_by = {member_id for member_id, status, _ in answers if status == 201}
    assert len(created_by) == MEMBERS  # one success per member, the duplicate refused

    app = create_app({"DATABASE_URL": live_postgres, "SECRET_KEY": SECRET, "ARGON2_COST": FAST_HASH})
    with session_scope(app) as session:
        assert session.scalar(select(func.count()).select_from(Vote)) == MEMBERS
        masks = dict(session.execute(select(Vote.respondent_key, Vote.options_mask)).all())
        assert set(masks.values()) <= {0b01, 0b10}
        keys = set(session.scalars(select(Vote.respondent_key)))
        assert keys == {
            respondent_key(respondent_secret(SECRET), "poll", poll_id, member_id) for member_id, _ in members
        }
    app.extensions["pulse.engine"].dispose()
