"""k-anonymous demographics for stored answers, and results that move in steps of k votes.

Whom this holds against: someone who reads the whole database (an insider, a leaked backup) but
not the application's secrets; see "Whom anonymity must hold against" in DESIGN.md.

**The k rule.** What a vote (or a survey response) stores about its member is shared by at least
:data:`K` members of the *crowd*: everyone the database shows could have given it at the time it is
stored — for a poll, its eligible verified members who came in that day (a log-in session or an API
token created that day: votes keep their day, so the database narrows a vote to them); for a paid
survey, the members its invitations, dispositions and honoraria ledger name. :func:`generalise` partitions the crowd once: each member's
exact snapshot climbs :data:`sampling.generalisation.LEVELS` (practice bands widened, specialty →
group, practice unknown, age → under/over 55, specialty → GP/specialist, sex unknown, age unknown,
specialty unknown, country unknown) until the cell it lands in holds at least k members *who are
not already settled in a finer cell*. Counting only unsettled members defeats the minimality
attack (a coarse value otherwise says "from a rare fine cell"). A country whose leftovers are
fewer than k takes back its smallest settled cells; only a country with fewer than k members in
the crowd loses its country. The partition is a function of the crowd, which the database shows,
so an intruder can recompute it — and still finds at least k candidates behind every stored value.

**Results in steps.** Live results (page and API, breakdowns included) are read from a copy of the
poll's counts (``live_results``) that is refreshed only when k new votes have come in, so two
readings differ by at least k votes; no vote row says whether it is among the latest. Once the
poll closes every vote counts.
Reading results is limited per member (:data:`RESULTS_RATE_LIMIT`).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from limits import parse
from sqlalchemy import Connection, delete, event, exists, func, or_, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from polling.accounts.models import ApiToken, LoginSession, User
from polling.errors import TooManyAttempts
from polling.extensions import limiter
from polling.members.models import MemberProfile
from polling.polls.extract import DEMOGRAPHICS
from polling.polls.models import LiveResult, Poll, Vote
from polling.respondents.demographics import Demographic, Snapshot, snapshot
from polling.respondents.targeting import eligible_members
from sampling.codes import age_band, practice_band
from sampling.generalisation import (
    LEVELS,
    UNKNOWN_COUNTRY,
    generalise_age_band,
    generalise_country,
    generalise_practice_band,
    generalise_sex,
    generalise_specialty,
)

#: Fewest members of the crowd that must share a stored snapshot; also the step of live results.
K = 5
#: Results reads allowed per member (flask-limiter notation), stated on the results page.
RESULTS_RATE_LIMIT = "30 per hour"
_COUNTRY_ONLY = len(LEVELS) - 2  # the level that keeps the country and nothing else


def at_level(exact: Snapshot, level: tuple[int, int, int, int, int]) -> Snapshot:
    """``exact`` coarsened to one level of :data:`sampling.generalisation.LEVELS`."""
    specialty, age, practice, sex, country = level
    return Snapshot(
        country=generalise_country(exact.country, country),
        specialty=generalise_specialty(exact.specialty, specialty),
        sex=generalise_sex(exact.sex, sex),
        age_band=generalise_age_band(exact.age_band, age),
        practice_band=generalise_practice_band(exact.practice_band, practice),
    )


@dataclass(frozen=True)
class Generalisation:
    """A crowd's partition: what each exact snapshot is stored as.

    Attributes:
        stored: exact snapshot → stored snapshot, for every snapshot of the crowd.
        level: exact snapshot → index in LEVELS of its stored snapshot.
        cells: stored snapshot → how many members of the crowd are stored as it.
        k: the k the partition was made for.
    """

    stored: Mapping[Snapshot, Snapshot]
    level: Mapping[Snapshot, int]
    cells: Mapping[Snapshot, int]
    k: int

    @property
    def holds(self) -> bool:
        """Whether every stored snapshot is shared by at least k members (False: crowd under k)."""
        return all(n >= self.k for n in self.cells.values())

    def __call__(self, exact: Snapshot) -> Snapshot:
        """The stored snapshot of a member of the crowd (KeyError for one outside it)."""
        return self.stored[exact]


def generalise(crowd: Mapping[Snapshot, int], k: int = K) -> Generalisation:
    """Partition a crowd (exact snapshot → members) into stored snapshots each shared by ≥ k.

    Args:
        crowd: how many members of the crowd have each exact snapshot.
        k: fewest members per stored snapshot.

    Returns:
        The :class:`Generalisation`; ``holds`` is False only when the whole crowd is under k.

    Example:
        >>> g = generalise({Snapshot("US", "cardiology", "male", "35-44", "5-9"): 7})
        >>> g(Snapshot("US", "cardiology", "male", "35-44", "5-9")).specialty
        'cardiology'
    """
    remaining = {s: n for s, n in crowd.items() if n > 0}
    settled: dict[Snapshot, tuple[int, Snapshot]] = {}
    for index, level in enumerate(LEVELS):
        cells: dict[Snapshot, list[Snapshot]] = defaultdict(list)
        for exact in remaining:
            cells[at_level(exact, level)].append(exact)
        if index == _COUNTRY_ONLY:
            _take_back_within_countries(cells, remaining, settled, crowd, k)
        last = index == len(LEVELS) - 1
        for stored, members in cells.items():
            if last or sum(crowd[m] for m in members) >= k:
                for exact in members:
                    settled[exact] = (index, stored)
                    del remaining[exact]
    _take_back_for_unknown_country(settled, crowd, k)
    sizes: dict[Snapshot, int] = defaultdict(int)
    for exact, (_, stored) in settled.items():
        sizes[stored] += crowd[exact]
    return Generalisation(
        stored={e: s for e, (_, s) in settled.items()},
        level={e: i for e, (i, _) in settled.items()},
        cells=dict(sizes),
        k=k,
    )


def _settled_cells(settled: Mapping[Snapshot, tuple[int, Snapshot]]) -> dict[Snapshot, list[Snapshot]]:
    cells: dict[Snapshot, list[Snapshot]] = defaultdict(list)
    for exact, (_, stored) in settled.items():
        cells[stored].append(exact)
    return cells


def _smallest_first(cells: dict[Snapshot, list[Snapshot]], crowd: Mapping[Snapshot, int]) -> list[Snapshot]:
    return sorted(cells, key=lambda s: (sum(crowd[m] for m in cells[s]), tuple(vars(s).values())))


def _take_back_within_countries(
    cells: dict[Snapshot, list[Snapshot]],
    remaining: dict[Snapshot, int],
    settled: dict[Snapshot, tuple[int, Snapshot]],
    crowd: Mapping[Snapshot, int],
    k: int,
) -> None:
    """Before a country's leftovers lose their country, move its smallest settled cells in with them."""
    for stored, members in cells.items():
        short = k - sum(crowd[m] for m in members)
        if short <= 0:
            continue
        own = {s: ms for s, ms in _settled_cells(settled).items() if s.country == stored.country}
        taken: list[Snapshot] = []
        for cell in _smallest_first(own, crowd):
            if short <= 0:
                break
            taken.extend(own[cell])
            short -= sum(crowd[m] for m in own[cell])
        if short <= 0:
            for exact in taken:
                del settled[exact]
                remaining[exact] = crowd[exact]
            members.extend(taken)


def _take_back_for_unknown_country(
    settled: dict[Snapshot, tuple[int, Snapshot]], crowd: Mapping[Snapshot, int], k: int
) -> None:
    """The unknown-country cell, when under k, takes the smallest other cells until it reaches k."""
    cells = _settled_cells(settled)
    unknown = [s for s in cells if s.country == UNKNOWN_COUNTRY]
    if not unknown:
        return
    target = unknown[0]
    short = k - sum(crowd[m] for m in cells[target])
    others = {s: ms for s, ms in cells.items() if s != target}
    for cell in _smallest_first(others, crowd):
        if short <= 0:
            break
        for exact in others[cell]:
            settled[exact] = (len(LEVELS) - 1, target)
        short -= sum(crowd[m] for m in others[cell])


# --- the crowd of a poll, and what a vote stores ----------------------------------------------


def crowd_of(members: Iterable[Demographic], on: date) -> dict[Snapshot, int]:
    """Exact snapshots on the day ``on`` of a crowd given member by member (surveys, tests)."""
    counts: dict[Snapshot, int] = defaultdict(int)
    for member in members:
        counts[snapshot(member, on)] += 1
    return dict(counts)


def poll_crowd(
    session: Session, poll: Poll, on: date, *, active: bool = True, besides: int | None = None
) -> dict[Snapshot, int]:
    """The members who could have voted in ``poll`` on the day ``on``, counted by exact snapshot in SQL.

    The poll's eligible verified members; with ``active``, only those whom the database shows at
    the door that day — a log-in session or an API token created that day (UTC). Votes keep their
    day and sessions and tokens their creation time, so an intruder can narrow a vote of that day to
    them; counting only them keeps the k rule against that narrowing too.
    """
    columns = (
        MemberProfile.country,
        MemberProfile.specialty,
        MemberProfile.sex,
        MemberProfile.birth_year,
        MemberProfile.licence_year,
    )
    query = eligible_members(poll.country_codes, poll.specialty_codes)
    if besides is not None:  # the voter, counted by the caller whether or not they came in today
        query = query.where(MemberProfile.id != besides)
    if active:
        midnight = datetime(on.year, on.month, on.day, tzinfo=UTC)
        query = query.where(
            or_(
                exists().where(
                    LoginSession.user_id == MemberProfile.user_id, LoginSession.created_at >= midnight
                ),
                exists().where(ApiToken.user_id == MemberProfile.user_id, ApiToken.created_at >= midnight),
            )
        )
    counts: dict[Snapshot, int] = defaultdict(int)
    for country, specialty, sex, birth_year, licence_year, n in session.execute(
        query.with_only_columns(*columns, func.count()).group_by(*columns)
    ):
        exact = Snapshot(
            country, specialty, sex, age_band(birth_year, on.year), practice_band(licence_year, on.year)
        )
        counts[exact] += int(n)
    return dict(counts)


def stored_vote(session: Session, poll: Poll, member: MemberProfile, now: datetime) -> dict[str, object]:
    """The columns a new vote of ``member`` stores besides poll, key and options.

    The member's snapshot generalised against the poll's crowd of today, and the day (not the time).
    """
    today = now.date()
    crowd = poll_crowd(session, poll, today, besides=member.id)
    exact = snapshot(member, today)
    crowd[exact] = crowd.get(exact, 0) + 1
    return generalise(crowd)(exact).as_columns() | {"cast_on": today}


def release_steps(session: Session, poll_id: int, *, every: int = K) -> int:
    """After a vote is stored: release the poll's votes to live results once ``every`` new ones are in.

    Returns how many votes the release added (0: none). The poll's row is locked first, so two votes
    stored at once cannot make a release of one vote. On PostgreSQL the votes table is rewritten in
    the order of its random ids once the vote is committed (:func:`_reorder_after_commit`).
    """
    session.execute(select(Poll.id).where(Poll.id == poll_id).with_for_update())
    if session.get_bind().dialect.name == "postgresql":
        event.listen(session, "after_commit", _reorder_after_commit, once=True)
    total = session.scalar(select(func.count()).select_from(Vote).where(Vote.poll_id == poll_id)) or 0
    live = session.get(LiveResult, poll_id)
    released = live.votes if live is not None else 0
    if total - released < every:
        return 0
    grouped = (*(getattr(Vote, c) for c in DEMOGRAPHICS), Vote.options_mask)
    rows = session.execute(
        select(*grouped, func.count()).where(Vote.poll_id == poll_id).group_by(*grouped)
    ).all()
    cells = sorted([*row[:-1], int(row[-1])] for row in rows)
    if live is None:
        session.add(LiveResult(poll_id=poll_id, votes=total, cells=cells))
    else:
        live.votes, live.cells = total, cells
    session.flush()
    return total - released


def _reorder_after_commit(session: Session) -> None:
    """Rewrite PostgreSQL's votes table in random-id order (CLUSTER), in a transaction of its own.

    PostgreSQL stores rows in the order they were inserted, and a dump lists them so; SQLite stores
    this table in id order, which is random. Run after the vote's commit, so that it holds no other
    lock while it waits for the table (waiting inside the vote's transaction would deadlock two
    voters). Best effort: when the table is busy it is skipped, and the next vote rewrites it.
    """
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    try:
        with engine.connect() as connection:
            # One rewrite at a time, and never queued long behind other work: a queued CLUSTER would
            # hold up every vote behind it. Skipped under a burst; the next quiet vote reorders all.
            if connection.execute(
                text("SELECT pg_try_advisory_xact_lock(hashtext('pulse votes order'))")
            ).scalar():
                connection.execute(text("SET LOCAL lock_timeout = '200ms'"))
                connection.execute(text("CLUSTER votes USING pk_votes"))
            connection.commit()
    except DBAPIError as exc:  # the table was busy: the next vote retries
        logging.getLogger(__name__).info("votes not reordered this time: %s", exc.orig)


def live_cells(session: Session, poll_id: int) -> pd.DataFrame:
    """An open poll's released votes by cell: the columns of ``polling.polls.extract.vote_cells``."""
    live = session.get(LiveResult, poll_id)
    return pd.DataFrame(live.cells if live is not None else [], columns=[*DEMOGRAPHICS, "mask", "n"])


def check_results_read(reader: User | None) -> None:
    """Count one reading of results by a member; TooManyAttempts past :data:`RESULTS_RATE_LIMIT`.

    Staff and readers who are not logged in (closed polls only) are not counted. The counters
    live where the app's other rate limits do (Redis when REDIS_URL is set).
    """
    if reader is None or reader.role == "staff" or not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    rule = parse(str(current_app.config.get("RESULTS_RATE_LIMIT", RESULTS_RATE_LIMIT)))
    if not limiter.limiter.hit(rule, "results", str(reader.id)):
        reset, _ = limiter.limiter.get_window_stats(rule, "results", str(reader.id))
        raise TooManyAttempts(
            _l(
                "You have read results %(count)d times in this period: try again later. Results move in "
                "steps of %(k)d votes, so reading them more often shows nothing new.",
                count=rule.amount,
                k=K,
            ),
            retry_after=int(reset - time.time()),
        )


# --- member activity ----------------------------------------------------------------------------

#: Expired API tokens are kept until the day after the day they were created, then purged.
TOKEN_RETENTION = timedelta(days=1)


def activity_day(moment: datetime) -> datetime:
    """A member's joining or verification time as stored: midnight UTC of its day."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def login_month(moment: datetime) -> datetime:
    """A last log-in as stored: the first day of its month, midnight UTC.

    Votes keep their day. A log-in kept to the day (or finer) would tell which members were active
    on the day of a vote and shrink its crowd below k; kept to the month it only says who is active.
    """
    return activity_day(moment).replace(day=1)


def purge_expired_tokens(session: Session, now: datetime) -> int:
    """Delete expired API tokens created before yesterday; how many were deleted.

    Kept for ever, token rows would be a history of API log-ins to line up with votes. They are
    purged a whole day at a time, never within the day after their own: the crowd a vote of day D
    is stored against counts the members who came in on D (:func:`poll_crowd`), and purging only
    some of D's tokens would leave an intruder a smaller crowd than that.
    """
    cutoff = activity_day(now) - TOKEN_RETENTION
    result = session.execute(delete(ApiToken).where(ApiToken.expires_at < now, ApiToken.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def results_rule() -> dict[str, object]:
    """What the results page states: the step of live results and the readings allowed per member."""
    rule = parse(str(current_app.config.get("RESULTS_RATE_LIMIT", RESULTS_RATE_LIMIT)))
    periods = {"second": _l("second"), "minute": _l("minute"), "hour": _l("hour"), "day": _l("day")}
    unit = rule.GRANULARITY.name
    period = periods.get(unit, unit) if rule.multiples == 1 else f"{rule.multiples} {unit}s"
    return {"k": K, "count": rule.amount, "period": period}


def init_app(app: Flask) -> None:
    app.jinja_env.globals["results_rule"] = results_rule
