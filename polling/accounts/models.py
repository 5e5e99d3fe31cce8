"""Accounts: every person who logs in, client organisations, log-in sessions, API tokens and the
single-use links sent by e-mail (address verification, password reset).

This module imports nothing of ``members``: the member profile is named by string, so the two
model modules do not import each other (``members.models`` imports this one).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from polling.db import Base, UTCDateTime, utcnow

ROLES = ("member", "client", "journalist", "staff", "auditor")
# Roles whose accounts must use a second factor (TOTP) before they can reach anything else.
SECOND_FACTOR_REQUIRED = frozenset({"staff", "auditor"})


class ClientOrganisation(Base):
    __tablename__ = "client_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The currency quotes are given in.
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation")


class User(Base):
    """A log-in. Holds no real name: a member's identity lives in ``member_identities``."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NFKC-normalised, lower-cased (accounts.service.normalise_email): unique on that form.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str | None] = mapped_column(String(5))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("client_organisations.id"), index=True)
    # A client who may invite colleagues into their organisation.
    organisation_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    outlet: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_press_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))

    organisation: Mapped[ClientOrganisation | None] = relationship(back_populates="users")
    # A polling.members.models.MemberProfile (named by string to keep the two modules acyclic).
    member: Mapped[Any] = relationship(
        "MemberProfile", back_populates="user", uselist=False, foreign_keys="MemberProfile.user_id"
    )
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # Flask-Login's user protocol
    is_active = True
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    def get_id(self) -> str:
        return str(self.id)

    @property
    def second_factor_required(self) -> bool:
        return self.role in SECOND_FACTOR_REQUIRED

    @property
    def principal(self) -> str:
        """The role as the permission table knows it: members split by verification status."""
        if self.role == "member":
            return (
                "member" if self.member is not None and self.member.status == "verified" else "pending_member"
            )
        return self.role


class LoginSession(Base):
    """One browser log-in, kept on the server so that it can be ended: the cookie holds only a
    random key whose SHA-256 is stored here."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set once the second factor was given in this session (staff need it to reach anything).
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(200))


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class EmailLink(Base):
    """A single-use, expiring link sent by e-mail (``verify`` an address, ``reset`` a password)."""

    __tablename__ = "email_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
