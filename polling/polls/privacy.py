"""A poll's privacy rules: the crowd a vote is stored against, and results that move in steps of k.

**The crowd of a poll.** A vote's demographics are generalised (:mod:`polling.respondents.anonymity`)
against the poll's eligible verified members who came in that day — a log-in session or an API
token created that day: votes keep their day, so the database narrows a vote to them.

**Results in steps.** Live results (page and API, breakdowns included) are read from a copy of the
poll's counts (``live_results``) that is refreshed only when k new votes have come in, so two
readings differ by at least k votes; no vote row says whether it is among the latest. Once the
poll closes every vote counts. Reading results is limited per member (:data:`RESULTS_RATE_LIMIT`).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import UTC, date, datetime

import pandas as pd
from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext as _l
from limits import parse
from sqlalchemy import event, exists, func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from polling.accounts.models import ApiToken, LoginSession, User
from polling.db import insert_unless_present
from polling.errors import TooManyAttempts
from polling.extensions import limiter
from polling.members.models import MemberProfile
from polling.policies import can
from polling.polls.extract import DEMOGRAPHICS
from polling.polls.models import LiveResult, Poll, Vote
from polling.respondents import storage
from polling.respondents.anonymity import K, generalise
from polling.respondents.demographics import Snapshot, snapshot
from polling.respondents.targeting import eligible_members
from sampling.codes import age_band, practice_band

#: Results reads allowed per member (flask-limiter notation), stated on the results page.
RESULTS_RATE_LIMIT = "30 per hour"


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


def release_steps(session: Session, poll_id: int, *, every: int = K, wait: bool = True) -> int:
    """Release the poll's stored votes to live results once ``every`` new ones are in.

    Returns how many votes the release added (0: none). The poll's live-results row is locked
    first, so two releases never run at once and none releases fewer than ``every`` votes. With
    ``wait=False`` (after a vote's commit) a release already under way is left to finish the job
    instead of being waited for: votes never queue behind one another. On PostgreSQL the votes
    table's rewrite in the order of its random ids is scheduled once this commits
    (:func:`_reorder_after_commit`).
    """
    insert_unless_present(session, LiveResult, ("poll_id",), poll_id=poll_id, votes=0, cells=[])
    live = session.scalar(
        select(LiveResult).where(LiveResult.poll_id == poll_id).with_for_update(skip_locked=not wait)
    )
    if live is None:  # another vote's release holds the row and will count this vote too
        return 0
    if session.get_bind().dialect.name == "postgresql":
        event.listen(session, "after_commit", _reorder_after_commit, once=True)
    total = session.scalar(select(func.count()).select_from(Vote).where(Vote.poll_id == poll_id)) or 0
    released = live.votes
    if total - released < every:
        return 0
    grouped = (*(getattr(Vote, c) for c in DEMOGRAPHICS), Vote.options_mask)
    rows = session.execute(
        select(*grouped, func.count()).where(Vote.poll_id == poll_id).group_by(*grouped)
    ).all()
    live.votes, live.cells = total, sorted([*row[:-1], int(row[-1])] for row in rows)
    session.flush()
    return total - released


def release_after_vote(session: Session, poll_id: int) -> None:
    """After a vote's commit: a release in a transaction of its own, best effort.

    The vote is already stored and acknowledged; a release that cannot run now (the database busy
    or briefly away) is left to the next vote, which counts this one too.
    """
    try:
        release_steps(session, poll_id, wait=False)
        session.commit()
    except DBAPIError as exc:
        session.rollback()  # only this release's own unit of work
        logging.getLogger(__name__).info("live results not released this time: %s", exc.orig)


def _reorder_after_commit(session: Session) -> None:
    """Schedule the votes table's rewrite in random-id order (:mod:`polling.respondents.storage`).

    After the vote's commit, so that the vote holds no lock while a rewrite waits for the table;
    at most once per window, so a vote never pays for rewriting the whole table.
    """
    if has_app_context():
        storage.schedule(current_app._get_current_object(), "votes")  # type: ignore[attr-defined]


def live_cells(session: Session, poll_id: int) -> pd.DataFrame:
    """An open poll's released votes by cell: the columns of ``polling.polls.extract.vote_cells``."""
    live = session.get(LiveResult, poll_id)
    return pd.DataFrame(live.cells if live is not None else [], columns=[*DEMOGRAPHICS, "mask", "n"])


def check_results_read(reader: User | None) -> None:
    """Count one reading of results by a member; TooManyAttempts past :data:`RESULTS_RATE_LIMIT`.

    Staff and readers who are not logged in (closed polls only) are not counted. The counters
    live where the app's other rate limits do (Redis when REDIS_URL is set).
    """
    if reader is None or can(reader, "poll.manage") or not current_app.config.get("RATELIMIT_ENABLED", True):
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


def results_rule() -> dict[str, object]:
    """What the results page states: the step of live results and the readings allowed per member."""
    rule = parse(str(current_app.config.get("RESULTS_RATE_LIMIT", RESULTS_RATE_LIMIT)))
    periods = {"second": _l("second"), "minute": _l("minute"), "hour": _l("hour"), "day": _l("day")}
    unit = rule.GRANULARITY.name
    period = periods.get(unit, unit) if rule.multiples == 1 else f"{rule.multiples} {unit}s"
    return {"k": K, "count": rule.amount, "period": period}


def init_app(app: Flask) -> None:
    app.jinja_env.globals["results_rule"] = results_rule
