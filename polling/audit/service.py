"""Writing and reading the security log. Writes join the caller's transaction; reads are for the
auditor role (and staff), filtered by kind, e-mail, address and time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from polling.audit.models import KINDS, SecurityEvent

PAGE = 200


def record(
    session: Session,
    kind: str,
    *,
    user: object | None = None,
    email: str | None = None,
    address: str | None = None,
    subject: str | None = None,
    detail: str | None = None,
) -> SecurityEvent:
    """Append one event; ``user`` is any object with ``id`` and ``email`` (a User)."""
    if kind not in KINDS:
        raise ValueError(f"unknown security event kind {kind!r}")
    event = SecurityEvent(
        kind=kind,
        user_id=getattr(user, "id", None),
        email=(email if email is not None else getattr(user, "email", None) or "")[:254] or None,
        address=(address or "")[:64] or None,
        subject=(subject or "")[:100] or None,
        detail=(detail or "")[:500] or None,
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class EventFilter:
    kind: str | None = None
    email: str | None = None
    address: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def events(session: Session, where: EventFilter, *, limit: int = PAGE) -> list[SecurityEvent]:
    """The newest events matching ``where``, newest first."""
    query = select(SecurityEvent).order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc()).limit(limit)
    if where.kind:
        query = query.where(SecurityEvent.kind == where.kind)
    if where.email:
        query = query.where(SecurityEvent.email == where.email.strip().lower())
    if where.address:
        query = query.where(SecurityEvent.address == where.address.strip())
    if where.since:
        query = query.where(SecurityEvent.at >= where.since)
    if where.until:
        query = query.where(SecurityEvent.at < where.until)
    return list(session.scalars(query))
