"""Results page for a poll of 100,000 votes: seconds per request, cold (a new vote arrived, so the
weighting is recomputed) and warm (cached), next to a trivial endpoint of the same app.

    .venv/bin/python benchmarks/bench_results.py [--votes 100000] [--backend sqlite|postgresql]

Goal (issue 4): the results page under 200 ms for a poll of 100,000 votes.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from polling import create_app, migrate
from polling.db import session_scope
from polling.polls.models import Vote
from tests.factories import make_member, make_poll, make_user

COUNTRIES = ["US", "UK", "CA", "AU", "IE", "NZ", "ZA", "MX", "ES"]
SPECIALTIES = [
    "family_medicine",
    "internal_medicine",
    "cardiology",
    "psychiatry",
    "pediatrics",
    "emergency_medicine",
    "general_surgery",
    "anesthesiology",
    "radiology",
    "dermatology",
    "neurology",
    "hematology_oncology",
]


def fill(session, poll, votes: int, seed: int = 1) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    specialties = SPECIALTIES
    country = rng.choice(COUNTRIES, size=votes, p=[0.35, 0.15, 0.05, 0.06, 0.02, 0.02, 0.03, 0.14, 0.18])
    specialty = rng.choice(specialties, size=votes)
    sex = rng.choice(["male", "female"], size=votes, p=[0.7, 0.3])
    band = rng.choice(
        ["under 35", "35-44", "45-54", "55-64", "65 and over"], size=votes, p=[0.3, 0.3, 0.2, 0.15, 0.05]
    )
    option = rng.integers(0, len(poll.options), size=votes)
    chunk = 5000
    for lo in range(0, votes, chunk):
        hi = min(votes, lo + chunk)
        rows = [
            {
                "poll_id": poll.id,
                "respondent_key": secrets.token_hex(32),
                "country": str(country[i]),
                "specialty": str(specialty[i]),
                "sex": str(sex[i]),
                "age_band": str(band[i]),
                "practice_band": "10-19",
                "options_mask": 1 << int(option[i]),
            }
            for i in range(lo, hi)
        ]
        session.execute(insert(Vote), rows)
    session.commit()


def timed(client, path: str, headers: dict[str, str], repeat: int, before=None) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        t = time.perf_counter()
        answer = client.get(path, headers=headers)
        times.append(time.perf_counter() - t)
        assert answer.status_code == 200, answer.status_code
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.backend == "sqlite":
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.sqlite3"
        else:
            from tests.postgres import postgres_url

            url = stack.enter_context(postgres_url())
        migrate.upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "ARGON2_COST": (1, 1024)})
        with session_scope(app) as session:
            staff = make_user(session, app.extensions["pulse.hasher"], "staff")
            poll = make_poll(session, staff=staff)
            fill(session, poll, args.votes)
            voter = make_member(session, app.extensions["pulse.hasher"])
            from polling.polls.service import cast_vote
            from polling.respondents.keys import keys_for

            cast_vote(session, keys_for(app), voter.user, poll.id, [poll.options[0].id])
            email, poll_id = voter.user.email, poll.id
        client = app.test_client()
        token = client.post(
            "/api/v1/tokens", json={"email": email, "password": "correct horse battery"}
        ).json["token"]
        headers = {"Authorization": f"Bearer {token}"}
        path = f"/api/v1/polls/{poll_id}/results"
        trivial = timed(client, "/healthz", {}, args.repeat)
        timed(client, path, headers, 2)  # imports, first connection
        cold = timed(client, path, headers, args.repeat, before=app.extensions["pulse.results_cache"].clear)
        warm = timed(client, path, headers, args.repeat)
        app.extensions["pulse.engine"].dispose()
    base = statistics.median(trivial)
    print(f"results of a poll with {args.votes:,} votes on {args.backend}, median of {args.repeat} requests")
    print(f"  trivial endpoint (/healthz):          {base * 1000:8.1f} ms")
    print(
        f"  results, cold (weighting recomputed): {statistics.median(cold) * 1000:8.1f} ms  "
        f"(max {max(cold) * 1000:.1f} ms, {statistics.median(cold) / base:.0f}x trivial)"
    )
    print(
        f"  results, warm (cached):               {statistics.median(warm) * 1000:8.1f} ms  "
        f"({statistics.median(warm) / base:.1f}x trivial)"
    )
    print(f"  goal: under 200 ms -> cold {'met' if statistics.median(cold) < 0.2 else 'NOT met'}")


if __name__ == "__main__":
    main()
