"""The intruder test: from a dump of every table (SQLite and PostgreSQL), after seeding the demo and a
simulated day of live use, no vote is linked to a member with a chance above 1/k.

Run with ``-s`` to see every attack's figures (share of votes linked, votes with a single candidate
who is the voter), demo votes and the day's live votes apart.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update

from polling import demo, demo_polls, jobs
from polling.accounts.models import User
from polling.accounts.passwords import Hasher
from polling.db import get_session
from polling.members.models import MemberProfile
from polling.polls.models import PollOption
from tests.anonymity import intruder

K = 5
PASSWORD = "correct horse battery"
MEMBERS = 800
SEED = 12


def _keys_for_seeding(app):  # type: ignore[no-untyped-def]
    """What ``seed_polls`` takes: the respondent keys (today) or the secret (before issue 12)."""
    try:
        from polling.respondents.keys import current_keys
    except ImportError:
        return str(app.config["SECRET_KEY"])
    return current_keys()


def _secret(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.config.get("RESPONDENT_KEY_SECRET") or app.config["SECRET_KEY"])


def _partition_of():  # type: ignore[no-untyped-def]
    """The published generalisation rule, rerun by the intruder (None before issue 12)."""
    try:
        from polling.respondents.anonymity import generalise
        from polling.respondents.demographics import Snapshot
    except ImportError:
        return None
    from sampling.codes import age_band, practice_band

    def partition_of(members: list[dict[str, Any]], day: date) -> dict[int, tuple]:
        exact = {
            m["id"]: Snapshot(
                m["country"],
                m["specialty"],
                m["sex"],
                age_band(m["birth_year"], day.year),
                practice_band(m["licence_year"], day.year),
            )
            for m in members
        }
        crowd: dict[Snapshot, int] = {}
        for snapshot in exact.values():
            crowd[snapshot] = crowd.get(snapshot, 0) + 1
        partition = generalise(crowd, K)
        return {member: tuple(vars(partition(s)).values()) for member, s in exact.items()}

    return partition_of


def _seed(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = get_session()
        demo.seed_membership(session, members_n=MEMBERS, seed=SEED)
        session.commit()
        demo_polls.seed_polls(session, _keys_for_seeding(app), seed=SEED)
        session.commit()


def _live_day(app, rng: random.Random) -> set[str]:  # type: ignore[no-untyped-def]
    """A day of use: members log in (web or API token) and vote; returns the live votes' keys."""
    secret = _secret(app)
    with app.app_context():
        session = get_session()
        members = list(session.scalars(select(MemberProfile).where(MemberProfile.status == "verified")))
        polls = open_polls(session)
        voted = {intruder.respondent_key(secret, m.id, p) for m in members for p in polls} & set(
            session.scalars(select(intruder_votes_key()))
        )
        active = rng.sample(members, 150)
        hashed = Hasher(time_cost=1, memory_cost=1024).hash(PASSWORD)
        values: dict[str, Any] = {"password_hash": hashed}
        if hasattr(User, "email_verified_at"):  # addresses confirmed when they joined, weeks ago
            values["email_verified_at"] = active[0].created_at
        session.execute(update(User).where(User.id.in_([m.user_id for m in active])).values(**values))
        session.commit()
        plans = []
        for member in active:
            choices = [
                p
                for p, (countries, options) in polls.items()
                if (not countries or member.country in countries)
                and intruder.respondent_key(secret, member.id, p) not in voted
            ]
            plans.append(
                (member.user.email, member.id, rng.sample(choices, min(len(choices), rng.randint(0, 2))))
            )
    live: set[str] = set()
    for email, member_id, chosen in plans:
        client = app.test_client()
        if rng.random() < 0.4:
            answer = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
            assert answer.status_code == 201, answer.json
            headers = {"Authorization": f"Bearer {answer.json['token']}"}
            for poll_id in chosen:
                option = rng.choice(polls[poll_id][1])
                reply = client.post(
                    f"/api/v1/polls/{poll_id}/votes", json={"options": [option]}, headers=headers
                )
                assert reply.status_code == 201, reply.json
                live.add(intruder.respondent_key(secret, member_id, poll_id))
        else:
            answer = client.post("/login", data={"email": email, "password": PASSWORD})
            assert answer.status_code in (302, 303), answer.text[:300]
            for poll_id in chosen:
                option = rng.choice(polls[poll_id][1])
                reply = client.post(f"/polls/{poll_id}/vote", data={"option": [str(option)]})
                assert reply.status_code in (302, 303), reply.text[:300]
                live.add(intruder.respondent_key(secret, member_id, poll_id))
            client.get(f"/polls/{chosen[0]}" if chosen else "/")
    return live


def intruder_votes_key():  # type: ignore[no-untyped-def]
    from polling.polls.models import Vote

    return Vote.respondent_key


def open_polls(session) -> dict[int, tuple[tuple[str, ...], list[int]]]:  # type: ignore[no-untyped-def]
    from polling.polls.models import Poll
    from polling.polls.service import state

    out = {}
    for poll in session.scalars(select(Poll)):
        if state(poll) == "open":
            options = list(session.scalars(select(PollOption.id).where(PollOption.poll_id == poll.id)))
            out[poll.id] = (tuple(poll.country_codes), options)
    return out


def _coarsened(d: intruder.Dump, live: list[intruder.Vote], truth) -> str:  # type: ignore[no-untyped-def]
    """Share of the live votes stored coarser than exact, per column (what the k rule cost them)."""
    from sampling.codes import age_band, practice_band

    members = {m["id"]: m for m in d.rows("members")}
    coarser = [0] * 5
    for vote in live:
        m = members[truth(vote)]
        year = vote.time.year
        exact = (
            m["country"],
            m["specialty"],
            m["sex"],
            age_band(m["birth_year"], year),
            practice_band(m["licence_year"], year),
        )
        for i, (a, b) in enumerate(zip(exact, vote.values)):
            coarser[i] += a != b
    shares = "/".join(f"{c / max(1, len(live)):.0%}" for c in coarser)
    return f"live votes stored coarser than exact (country/specialty/sex/age/practice): {shares}"


def _report(label: str, scores: list[intruder.Score]) -> str:
    lines = [f"--- {label}"]
    for s in scores:
        lines.append(
            f"{s.attack:55s} votes {s.votes:5d}  linked {s.linked:5d} ({s.linked_share:6.1%})  "
            f"single candidate, right {s.unique_and_right:5d}"
        )
    return "\n".join(lines)


@pytest.mark.slow
def test_no_vote_is_linked_to_a_member_with_a_chance_above_one_in_k(app) -> None:  # type: ignore[no-untyped-def]
    _seed(app)
    live = _live_day(app, random.Random(SEED))
    assert len(live) >= 60
    # The day's votes fell in one window of the scheduled storage rewrite (polling.respondents.storage):
    # the rewrite of the next window (or the nightly run) puts them in random-id order too.
    jobs.run(app, "reorder_storage", "votes")
    d = intruder.dump(app.extensions["pulse.engine"])
    secret = _secret(app)
    member_of = {
        intruder.respondent_key(secret, m["id"], p["id"]): m["id"]
        for m in d.rows("members")
        for p in d.rows("polls")
    }
    votes = intruder.votes(d)

    def truth(vote: intruder.Vote) -> int:
        return member_of[vote.respondent_key]

    partition_of = _partition_of()
    every = intruder.attack_all(d, truth, K, partition_of=partition_of)
    today = intruder.attack_all(
        d, truth, K, partition_of=partition_of, only=[v.position for v in votes if v.respondent_key in live]
    )
    table = (
        _report(f"all {len(votes)} votes", every) + "\n" + _report(f"the day's {len(live)} live votes", today)
    )
    table += "\n" + _coarsened(d, [v for v in votes if v.respondent_key in live], truth)
    print(table)
    linked = [s for s in every + today if s.linked]
    assert not linked, table


@pytest.mark.slow
def test_report_exports_pass_the_k_rule_on_their_demographic_columns(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv

    from polling.polls import extract
    from polling.polls.models import Poll
    from polling.polls.service import state
    from reports.build import build_context
    from reports.inputs import check_responses
    from reports.renderers import render_csv

    _seed(app)
    d = intruder.dump(app.extensions["pulse.engine"])
    votes = {v.position: v for v in intruder.votes(d)}
    join = intruder.demographic_join(d, list(votes.values()))
    with app.app_context():
        session = get_session()
        closed = [p for p in session.scalars(select(Poll)) if state(p) == "closed"]
        assert closed
        for poll in closed:
            cells = extract.vote_cells(session, poll)
            # The export's input, one row per vote: every demographic combination in it is shared
            # by at least k members who could have voted.
            for row in cells.itertuples():
                values = (row.country, row.specialty, row.sex, row.age_band, row.practice_band)
                shared = {
                    len(join[p]) for p, v in votes.items() if v.poll_id == poll.id and v.values == values
                }
                assert shared and min(shared) >= K, (values, shared)
            meta = extract.poll_meta(poll)
            context = build_context(
                meta, check_responses(meta, extract.responses(cells, poll)), locale=("en",)
            )
            with render_csv(context, tmp_path / f"{poll.id}.csv").open(encoding="utf-8-sig") as handle:
                handle.readline()  # the suppression note
                rows = list(csv.DictReader(handle))
            counts = [int(float(r["n"])) for r in rows if r["n"]]
            assert counts and min(counts) >= 10  # cells under 10 respondents are withheld (blank)
