"""Physician members: the pseudonymous profile, the identity only verification staff read, and
the log of those reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from polling.accounts.models import User
from polling.db import Base, UTCDateTime, utcnow

STATUSES = ("pending", "verified", "rejected")


PRACTICE_SETTINGS = ("hospital", "office", "academic", "community", "other")


class MemberProfile(Base):
    """What Pulse knows of a physician beyond the log-in: a handle and weighting demographics."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    specialty: Mapped[str] = mapped_column(String(40), index=True)
    sex: Mapped[str] = mapped_column(String(10))
    birth_year: Mapped[int] = mapped_column(Integer)
    licence_year: Mapped[int] = mapped_column(Integer)
    practice_setting: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The name peers see, copied here only while the member chooses to show it, so that reading
    # it never touches the identity table.
    show_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    display_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="member", foreign_keys=[user_id])
    identity: Mapped[MemberIdentity] = relationship(
        back_populates="member", cascade="all, delete-orphan", uselist=False
    )


class MemberIdentity(Base):
    """Real name and licence number. Read only through ``members.service.read_identity``."""

    __tablename__ = "member_identities"
    # A licence number can back one registration at a time: the claim is the licence number while
    # the registration is pending or verified, and NULL once staff reject it (NULLs never collide).
    __table_args__ = (UniqueConstraint("country", "licence_claim"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    licence_number: Mapped[str] = mapped_column(String(20), index=True)
    licence_claim: Mapped[str | None] = mapped_column(String(20))

    member: Mapped[MemberProfile] = relationship(back_populates="identity")


class IdentityAccess(Base):
    """One read of a member's identity by staff: who, whose, why, when."""

    __tablename__ = "identity_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(100))
    accessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
