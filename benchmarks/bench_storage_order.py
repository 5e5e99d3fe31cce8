"""What keeping the votes table out of insertion order costs per vote on PostgreSQL.

Three ways, each timed over the same run of votes into a table that already holds ``--rows`` votes:

- baseline: store the vote (the INSERT and the live-results release) and nothing else;
- before (issue 12's first cut): after each vote's commit, ``CLUSTER votes`` — the whole table;
- after: after each vote's commit, ``storage.schedule`` — the rewrite at most once per window
  (``STORAGE_REORDER_MINUTES``), inline here (no REDIS_URL), so one vote per window pays for it.

Runs on a throwaway PostgreSQL cluster (or TEST_DATABASE_URL):

    .venv/bin/python benchmarks/bench_storage_order.py --rows 100000 --votes 200
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text

from polling import create_app, migrate
from polling.db import get_session
from polling.polls.models import Poll, Vote, random_vote_id
from polling.polls.privacy import release_steps
from polling.respondents import storage


def _vote_row(poll_id: int) -> dict[str, object]:
    return {
        "id": random_vote_id(),
        "poll_id": poll_id,
        "respondent_key": secrets.token_hex(32),
        "country": "US",
        "specialty": "cardiology",
        "sex": "female",
        "age_band": "35-44",
        "practice_band": "10-19",
        "options_mask": 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=200)
    args = parser.parse_args()
    with ExitStack() as stack:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            from tests.postgres import throwaway_cluster

            url = stack.enter_context(throwaway_cluster())
        migrate.upgrade(url)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "RESPONDENT_KEY_SECRET": "bench-keys",
                "TESTING": True,
            }
        )
        with app.app_context():
            session = get_session()
            from tests.factories import make_poll

            poll: Poll = make_poll(session, app.extensions["pulse.hasher"])
            for start in range(0, args.rows, 10_000):
                session.execute(
                    insert(Vote), [_vote_row(poll.id) for _ in range(min(10_000, args.rows - start))]
                )
            session.commit()
            with app.extensions["pulse.engine"].connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE votes")
                )

            def cluster() -> None:
                session.execute(text("CLUSTER votes USING pk_votes"))
                session.commit()

            def scheduled() -> None:
                storage.schedule(app, "votes")

            def per_vote(after: Callable[[], None] | None) -> float:
                start = time.perf_counter()
                for _ in range(args.votes):
                    session.execute(insert(Vote), [_vote_row(poll.id)])
                    session.commit()
                    release_steps(session, poll.id, wait=False)
                    session.commit()
                    if after is not None:
                        after()
                return (time.perf_counter() - start) / args.votes

            per_vote(None)  # warm up
            baseline = per_vote(None)
            before = per_vote(cluster)
            after = per_vote(scheduled)
            print(f"votes table: {args.rows:,} rows; {args.votes} votes per way")
            print(f"baseline, no rewrite             {baseline * 1e3:9.2f} ms per vote")
            print(
                f"before, CLUSTER after each vote  {before * 1e3:9.2f} ms per vote  ({before / baseline:6.1f}x baseline)"
            )
            print(
                f"after, scheduled rewrite         {after * 1e3:9.2f} ms per vote  ({after / baseline:6.2f}x baseline)"
            )
        app.extensions["pulse.engine"].dispose()


if __name__ == "__main__":
    main()
