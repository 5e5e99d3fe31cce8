"""The security log: one append-only row per log-in, failed log-in, staff decision or identity read.

The table refuses UPDATE and DELETE at the database (triggers made by migration 0005), so not even
the application can rewrite it; it keeps user ids and e-mails as plain values, not foreign keys, so
deleting an account leaves its history in place.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from polling.db import Base, UTCDateTime, utcnow

KINDS = (
    "login",
    "login_failed",
    "login_throttled",
    "logout",
    "logout_everywhere",
    "second_factor_failed",
    "second_factor_enabled",
    "password_changed",
    "password_reset",
    "email_verified",
    "token_issued",
    "token_revoked",
    "member_verified",
    "member_rejected",
    "identity_read",
    "poll_reviewed",
    "report_status",
    "backup",
)


class SecurityEvent(Base):
    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(String(500))
