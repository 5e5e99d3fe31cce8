"""How long and how finely member activity is kept: no finer than the statistics' day.

Votes keep their day (:mod:`polling.polls.privacy`); member activity kept finer would line up with
them, so joining and verification times are kept to the day, the last log-in to the month, and
expired API tokens are purged a whole day at a time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from polling.accounts.models import ApiToken

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
