"""What the k rule adds to storing a vote: the crowd query and the partition, against taking the
member's exact snapshot (the baseline, measured in the same run).

Needs a seeded database (``pulse seed-demo --members 5000``):

    PULSE_ENV=development DATABASE_URL=sqlite:///... RESPONDENT_KEY_SECRET=... \\
        .venv/bin/python benchmarks/anonymity_vote_cost.py

"whole crowd" counts every eligible verified member (the largest crowd a vote can have); "came in
today" is what a live vote uses (members with a session or token created today).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import select

from polling import create_app
from polling.db import get_session, utcnow
from polling.members.models import MemberProfile
from polling.polls.models import Poll
from polling.polls.privacy import poll_crowd, stored_vote
from polling.respondents.anonymity import generalise
from polling.respondents.demographics import snapshot

ROUNDS = 20


def _per_call(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(ROUNDS):
        work()
    return (time.perf_counter() - start) / ROUNDS


def main() -> None:
    app = create_app()
    with app.app_context():
        session = get_session()
        poll = session.scalars(select(Poll).order_by(Poll.id)).first()
        member = session.scalars(select(MemberProfile).where(MemberProfile.status == "verified")).first()
        assert poll is not None and member is not None, "seed the demo first"
        now = utcnow()
        baseline = _per_call(lambda: snapshot(member, now.date()))
        whole = _per_call(
            lambda: generalise(poll_crowd(session, poll, now.date(), active=False))(
                snapshot(member, now.date())
            )
        )
        today = _per_call(lambda: stored_vote(session, poll, member, now))
        crowd = sum(poll_crowd(session, poll, now.date(), active=False).values())
        print(f"exact snapshot (baseline)      {baseline * 1e3:8.3f} ms")
        print(
            f"k rule, whole crowd of {crowd:5d}  {whole * 1e3:8.3f} ms  ({whole / baseline:,.0f}x baseline)"
        )
        print(f"k rule, members in today        {today * 1e3:8.3f} ms  ({today / baseline:,.0f}x baseline)")


if __name__ == "__main__":
    main()
