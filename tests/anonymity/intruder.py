"""An intruder with a dump of every table and none of the secrets, trying to link votes to members.

Each attack gives, for every vote, the set of members it points at. An attack *links* a vote when
the chance that a member it points at cast the vote is above 1/k: for hard constraints (joins that
must hold), every member left is equally likely, so a vote is linked when fewer than k remain;
for alignments (order, time), which may point at the wrong member, the chance is measured: among
the votes whose set has c members, the share whose voter is in the set, divided by c.

The ground truth (which member cast which vote) is known to the test only, through the respondent
keys it can compute with the secret; the attacks never see it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, inspect, text

from sampling.codes import age_band, practice_band
from sampling.generalisation import (
    UNKNOWN_COUNTRY,
    generalise_age_band,
    generalise_practice_band,
    generalise_sex,
    generalise_specialty,
)

Row = dict[str, Any]


@dataclass(frozen=True)
class Dump:
    """Every table's rows, in the order the database hands them out (its storage order)."""

    tables: dict[str, list[Row]]

    def rows(self, name: str) -> list[Row]:
        return self.tables.get(name, [])


def dump(engine: Engine) -> Dump:
    """``SELECT *`` of every table, without ORDER BY, as ``pg_dump`` or ``.dump`` would give it."""
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        return Dump(
            {
                name: [dict(r._mapping) for r in connection.execute(text(f'SELECT * FROM "{name}"'))]
                for name in names
            }
        )


def respondent_key(secret: str, member_id: int, poll_id: int) -> str:
    """The poll respondent key (the form both before and after issue 12): the test's ground truth."""
    key = hmac.new(secret.encode(), b"pulse respondent key v1", hashlib.sha256).digest()
    return hmac.new(key, f"{member_id}:{poll_id}".encode(), hashlib.sha256).hexdigest()


# --- what the dump says ---------------------------------------------------------------------------


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime.fromisoformat(str(value)).replace(tzinfo=None)


@dataclass(frozen=True)
class Vote:
    position: int  # in the dump
    id: Any
    poll_id: int
    respondent_key: str
    values: tuple[str, str, str, str, str]  # country, specialty, sex, age_band, practice_band
    time: datetime  # cast_at, or midnight of cast_on
    precise: bool  # a time of day is stored


def votes(d: Dump) -> list[Vote]:
    out = []
    for position, row in enumerate(d.rows("votes")):
        precise = row.get("cast_at") is not None
        when = _moment(row.get("cast_at") if precise else row.get("cast_on"))
        assert when is not None
        out.append(
            Vote(
                position,
                row["id"],
                row["poll_id"],
                row["respondent_key"],
                (row["country"], row["specialty"], row["sex"], row["age_band"], row["practice_band"]),
                when,
                precise,
            )
        )
    return out


def targets(d: Dump) -> dict[int, tuple[set[str], set[str]]]:
    """Each poll's targeted countries and specialties (empty: all), from either schema."""
    out: dict[int, tuple[set[str], set[str]]] = {}
    for row in d.rows("polls"):
        out[row["id"]] = (
            set((row.get("countries") or "").split()),
            set((row.get("specialties") or "").split()),
        )
    for row in d.rows("poll_countries"):
        out[row["poll_id"]][0].add(row["country"])
    for row in d.rows("poll_specialties"):
        out[row["poll_id"]][1].add(row["specialty"])
    return out


def compatible(member: Row, values: tuple[str, ...], year: int) -> bool:
    """Whether a member's facts generalise to a stored snapshot (at any rung of each ladder)."""
    country, specialty, sex, band, practice = values
    if country not in (member["country"], UNKNOWN_COUNTRY):
        return False
    return (
        specialty in {generalise_specialty(member["specialty"], r) for r in range(4)}
        and sex in {generalise_sex(member["sex"], r) for r in range(2)}
        and band in {generalise_age_band(age_band(member["birth_year"], year), r) for r in range(3)}
        and practice
        in {generalise_practice_band(practice_band(member["licence_year"], year), r) for r in range(3)}
    )


def eligible(d: Dump, vote: Vote, polls: Mapping[int, tuple[set[str], set[str]]]) -> list[Row]:
    """Verified members the poll targets, verified no later than the vote's day."""
    countries, specialties = polls[vote.poll_id]
    out, unverified_then = [], 0
    for member in d.rows("members"):
        if member["status"] != "verified":
            continue
        if countries and member["country"] not in countries:
            continue
        if specialties and member["specialty"] not in specialties:
            continue
        reviewed = _moment(member.get("reviewed_at"))
        if reviewed is not None and reviewed.date() > vote.time.date():
            unverified_then += 1
            continue
        out.append(member)
    if not out and unverified_then:  # data that cannot be (votes older than every verification):
        return eligible_ignoring_verification_day(d, polls[vote.poll_id])  # drop that constraint
    return out


def eligible_ignoring_verification_day(d: Dump, target: tuple[set[str], set[str]]) -> list[Row]:
    countries, specialties = target
    return [
        m
        for m in d.rows("members")
        if m["status"] == "verified"
        and (not countries or m["country"] in countries)
        and (not specialties or m["specialty"] in specialties)
    ]


# --- attacks ----------------------------------------------------------------------------------------

Candidates = dict[int, list[int]]  # vote position → member ids the attack points at


def demographic_join(d: Dump, vs: list[Vote]) -> Candidates:
    """Members whose facts match the stored snapshot (a hard constraint)."""
    polls = targets(d)
    crowds: dict[tuple[int, date], list[Row]] = {}
    out: Candidates = {}
    for vote in vs:
        key = (vote.poll_id, vote.time.date())
        if key not in crowds:
            crowds[key] = eligible(d, vote, polls)
        out[vote.position] = [m["id"] for m in crowds[key] if compatible(m, vote.values, vote.time.year)]
    return out


def partition_join(
    d: Dump, vs: list[Vote], partition_of: Callable[[list[Row], date], Mapping[int, tuple]]
) -> Candidates:
    """Members whom the published generalisation rule, rerun on the crowd, stores as this snapshot."""
    polls = targets(d)
    stored: dict[tuple[int, date], Mapping[int, tuple]] = {}
    out: Candidates = {}
    for vote in vs:
        key = (vote.poll_id, vote.time.date())
        if key not in stored:
            stored[key] = partition_of(eligible(d, vote, polls), vote.time.date())
        out[vote.position] = [m for m, values in stored[key].items() if values == vote.values]
    return out


def _member_orders(d: Dump) -> dict[str, list[int]]:
    """Orders of members an intruder can read: ids, storage order, and activity lists."""
    members = d.rows("members")
    by_user = {m["user_id"]: m["id"] for m in members}
    users = d.rows("users")
    orders = {
        "member id": [m["id"] for m in sorted(members, key=lambda m: m["id"])],
        "members storage": [m["id"] for m in members],
        "users storage": [by_user[u["id"]] for u in users if u["id"] in by_user],
        "last log-in": [
            by_user[u["id"]]
            for u in sorted(
                (u for u in users if u.get("last_login_at") is not None and u["id"] in by_user),
                key=lambda u: _moment(u["last_login_at"]),  # type: ignore[arg-type, return-value]
            )
        ],
    }
    for table in ("api_tokens", "login_sessions", "security_events"):
        rows = [r for r in d.rows(table) if r.get("user_id") in by_user]
        orders[f"{table} storage"] = [by_user[r["user_id"]] for r in rows]
        orders[f"{table} id"] = [by_user[r["user_id"]] for r in sorted(rows, key=lambda r: r["id"])]
    return orders


def _vote_orders(vs: list[Vote]) -> dict[str, list[Vote]]:
    orders = {"votes storage": list(vs)}
    if all(isinstance(v.id, int) for v in vs):
        orders["vote id"] = sorted(vs, key=lambda v: v.id)
    orders["vote time"] = sorted(vs, key=lambda v: (v.time, v.position))
    return orders


def order_alignments(d: Dump, vs: list[Vote], join: Candidates) -> dict[str, Candidates]:
    """Line each poll's votes (in some order) up with members (in some order): the i-th vote with
    the next member after the (i-1)-th's whose facts match it."""
    out: dict[str, Candidates] = {}
    members = _member_orders(d)
    for vote_order, ordered in _vote_orders(vs).items():
        for member_order, sequence in members.items():
            if not sequence:
                continue
            links: Candidates = {}
            by_poll: dict[int, list[Vote]] = defaultdict(list)
            for vote in ordered:
                by_poll[vote.poll_id].append(vote)
            for poll_votes in by_poll.values():
                cursor = 0
                for vote in poll_votes:
                    allowed = set(join[vote.position])
                    for step in range(len(sequence)):
                        member = sequence[(cursor + step) % len(sequence)]
                        if member in allowed:
                            links[vote.position] = [member]
                            cursor = (cursor + step + 1) % len(sequence)
                            break
                    else:
                        links[vote.position] = []
            out[f"{vote_order} ~ {member_order}"] = links
    return out


def session_alignments(d: Dump, vs: list[Vote], join: Candidates) -> dict[str, Candidates]:
    """All polls' votes in one order lined up with members in one order, a member voting in several
    polls one after another (a member logs in, then votes in one poll or more)."""
    out: dict[str, Candidates] = {}
    members = _member_orders(d)
    for vote_order, ordered in _vote_orders(vs).items():
        for member_order, sequence in members.items():
            if not sequence:
                continue
            links: Candidates = {}
            cursor = 0
            used: set[tuple[int, int]] = set()
            for vote in ordered:
                allowed = set(join[vote.position])
                links[vote.position] = []
                for index in range(cursor, len(sequence)):
                    member = sequence[index]
                    if member in allowed and (member, vote.poll_id) not in used:
                        links[vote.position] = [member]
                        used.add((member, vote.poll_id))
                        cursor = index
                        break
            out[f"{vote_order} ~ {member_order}, all polls"] = links
    return out


def window_alignments(
    d: Dump, vs: list[Vote], join: Candidates, widths: Iterable[int] = (3, 8)
) -> dict[str, Candidates]:
    """Each day's votes in storage order against that day's log-ins (sessions and tokens) in
    creation order: a vote's candidates are the matching members who came in near its rank."""
    by_user = {m["user_id"]: m["id"] for m in d.rows("members")}
    logins: dict[date, list[int]] = defaultdict(list)
    rows = [(r["created_at"], r["user_id"]) for t in ("login_sessions", "api_tokens") for r in d.rows(t)]
    rows += [
        (r["at"], r["user_id"]) for r in d.rows("security_events") if r["kind"] in ("login", "token_issued")
    ]
    for created, user_id in sorted(rows, key=lambda r: _moment(r[0]) or datetime.min):
        moment = _moment(created)
        if moment is not None and user_id in by_user:
            logins[moment.date()].append(by_user[user_id])
    out: dict[str, Candidates] = {}
    for width in widths:
        links: Candidates = {}
        by_day: dict[date, list[Vote]] = defaultdict(list)
        for vote in vs:
            by_day[vote.time.date()].append(vote)
        for day, day_votes in by_day.items():
            sequence = logins.get(day, [])
            for rank, vote in enumerate(day_votes):
                if not sequence:
                    links[vote.position] = []
                    continue
                centre = round(rank * len(sequence) / len(day_votes))
                near = set(sequence[max(0, centre - width) : centre + width + 1])
                links[vote.position] = [m for m in join[vote.position] if m in near]
        out[f"votes storage ~ log-ins of the day, rank ± {width}"] = links
    return out


def _activity(d: Dump) -> dict[int, list[tuple[datetime, bool]]]:
    """Each member's activity times an intruder can read, with whether a time of day is kept."""
    by_user = {m["user_id"]: m["id"] for m in d.rows("members")}
    events: dict[int, list[tuple[datetime, bool]]] = defaultdict(list)

    def add(user_id: int, value: Any) -> None:
        moment = _moment(value)
        if moment is not None and user_id in by_user:
            events[by_user[user_id]].append((moment, moment.time() != datetime.min.time()))

    for user in d.rows("users"):
        add(user["id"], user.get("last_login_at"))
    for table in ("api_tokens", "login_sessions"):
        for row in d.rows(table):
            add(row["user_id"], row.get("created_at"))
    for row in d.rows("security_events"):  # the append-only log of log-ins and tokens
        if row.get("user_id") is not None:
            add(row["user_id"], row.get("at"))
    return events


def time_alignment(d: Dump, vs: list[Vote], join: Candidates) -> dict[str, Candidates]:
    """Votes lined up with member activity in time.

    "closest activity": the matching members whose latest activity before the vote is nearest to it
    (needs a vote time of day). "same day": the matching members with activity on the vote's day.
    """
    events = _activity(d)
    nearest: Candidates = {}
    same_day: Candidates = {}
    for vote in vs:
        allowed = join[vote.position]
        gaps: dict[int, float] = {}
        day: list[int] = []
        for member in allowed:
            times = events.get(member, [])
            if any(t.date() == vote.time.date() for t, _ in times):
                day.append(member)
            before = [vote.time - t for t, _ in times if t <= vote.time]
            if vote.precise and before:
                gaps[member] = min(before).total_seconds()
        same_day[vote.position] = day
        if gaps:
            best = min(gaps.values())
            nearest[vote.position] = [m for m, g in gaps.items() if g == best]
        else:
            nearest[vote.position] = []
    return {"closest activity": nearest, "same day": same_day}


# --- scoring -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    attack: str
    votes: int
    linked: int  # votes linked with a chance above 1/k
    unique_and_right: int  # votes whose set is one member, the voter

    @property
    def linked_share(self) -> float:
        return self.linked / self.votes if self.votes else 0.0


def score(attack: str, candidates: Candidates, truth: Mapping[int, int], k: int, *, hard: bool) -> Score:
    """How many votes the attack links to their member with a chance above 1/k (see the module)."""
    by_size: dict[int, list[bool]] = defaultdict(list)
    for position, members in candidates.items():
        if members:
            by_size[len(members)].append(truth[position] in members)
    linked = 0
    for size, hits in by_size.items():
        if size >= k or not any(hits):
            continue
        if hard:
            linked += sum(hits)
            continue
        n, right = len(hits), sum(hits)
        chance = right / n / size
        noise = 2 * math.sqrt((1 / k) * (1 - 1 / k) / n) / size
        if chance > 1 / k + noise:
            linked += right
    unique = sum(1 for p, m in candidates.items() if len(m) == 1 and truth[p] == m[0])
    return Score(attack, len(candidates), linked, unique)


def attack_all(
    d: Dump,
    truth_of: Callable[[Vote], int],
    k: int,
    *,
    partition_of: Callable[[list[Row], date], Mapping[int, tuple]] | None = None,
    only: Iterable[int] | None = None,
) -> list[Score]:
    """Every attack on the dump's votes (or the votes at positions ``only``), scored."""
    vs = votes(d)
    if only is not None:
        keep = set(only)
        vs = [v for v in vs if v.position in keep]
    truth = {v.position: truth_of(v) for v in vs}
    join = demographic_join(d, vs)
    scores = [score("demographics: join on stored snapshot", join, truth, k, hard=True)]
    if partition_of is not None:
        scores.append(
            score(
                "demographics: rerun the generalisation",
                partition_join(d, vs, partition_of),
                truth,
                k,
                hard=True,
            )
        )
    for name, links in order_alignments(d, vs, join).items():
        scores.append(score(f"order: {name}", links, truth, k, hard=False))
    for name, links in window_alignments(d, vs, join).items():
        scores.append(score(f"order: {name}", links, truth, k, hard=False))
    for name, links in session_alignments(d, vs, join).items():
        scores.append(score(f"order: {name}", links, truth, k, hard=False))
    for name, links in time_alignment(d, vs, join).items():
        scores.append(score(f"time: {name}", links, truth, k, hard=False))
    return scores
