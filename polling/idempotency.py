"""Idempotency keys: a client that retries a write with the same ``Idempotency-Key`` header gets the
answer of the first attempt instead of doing the write twice (or learning of it as a 409).

The key is claimed in the same transaction as the write it guards, so either both exist or neither
does; the answer's body is stored just after. Keys belong to a user; the same key with a different request body is refused.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from flask import Response, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from polling.db import Base, UTCDateTime, insert_unless_present, utcnow
from polling.errors import InvalidInput

HEADER = "Idempotency-Key"
MAX_KEY = 100


class IdempotentAnswer(Base):
    __tablename__ = "idempotent_answers"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def request_key() -> str | None:
    """The request's Idempotency-Key, checked: 1 to 100 printable ASCII characters."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY or not key.isascii() or not key.isprintable():
        raise InvalidInput.for_field(
            HEADER, _l("Send an Idempotency-Key of 1 to 100 printable ASCII characters, e.g. a UUID.")
        )
    return key


def _fingerprint() -> str:
    return hashlib.sha256(request.method.encode() + request.path.encode() + request.get_data()).hexdigest()


def replay(session: Session, user_id: int, key: str) -> Response | None:
    """The answer already given to this key, or None when the key is new.

    A key whose write committed but whose answer was not yet stored (the process died in between)
    answers 201 with the request's own choices: the write is there, and it is not done twice.
    """
    stored = session.scalar(
        select(IdempotentAnswer).where(IdempotentAnswer.user_id == user_id, IdempotentAnswer.key == key)
    )
    if stored is None:
        return None
    if stored.fingerprint != _fingerprint():
        raise InvalidInput.for_field(
            HEADER, _l("This Idempotency-Key was used for another request: send a new key for a new request.")
        )
    body = stored.body or json.dumps(
        {**(request.get_json(silent=True) or {}), "cast_at": stored.created_at.isoformat()}
    )
    return Response(
        body, status=stored.status, mimetype="application/json", headers={"Idempotent-Replayed": "true"}
    )


def claim(session: Session, user_id: int, key: str, status: int) -> bool:
    """Reserve ``key`` in the caller's transaction, so that it commits with the write or not at all.
    False when another request holds it (its transaction waited for, on PostgreSQL)."""
    return insert_unless_present(
        session,
        IdempotentAnswer,
        ("user_id", "key"),
        user_id=user_id,
        key=key,
        fingerprint=_fingerprint(),
        status=status,
        body="",
        created_at=utcnow(),
    )


def complete(session: Session, user_id: int, key: str, body: dict[str, Any]) -> None:
    """Store the answer of a claimed key, in a transaction of its own (the write it answers is committed)."""
    session.execute(
        update(IdempotentAnswer)
        .where(IdempotentAnswer.user_id == user_id, IdempotentAnswer.key == key)
        .values(body=json.dumps(body, default=lambda value: value.isoformat()))
    )
    session.commit()
