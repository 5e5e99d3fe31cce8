"""Log-in sessions and API tokens, both kept on the server so that they can be ended.

A browser session cookie carries only a random key; the row it names must exist, be unrevoked and
unexpired on every request. Log-out revokes that row; "log out everywhere", a password change and a
password reset revoke every session and every token of the account.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from polling.accounts import activity
from polling.accounts.models import ApiToken, LoginSession, User
from polling.db import utcnow
from polling.errors import NotFound


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def start(
    session: Session, user: User, *, hours: float, user_agent: str = "", second_factor: bool = False
) -> str:
    """Open a log-in session; returns the key for the cookie (only its digest is stored)."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        LoginSession(
            user_id=user.id,
            key_hash=digest(key),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            second_factor_at=now if second_factor else None,
            user_agent=user_agent[:200] or None,
        )
    )
    return key


def log_in(
    session: Session, user: User, *, hours: float, user_agent: str = "", second_factor: bool = False
) -> str:
    """:func:`start`, committed: the log-in's own unit of work. Returns the key for the cookie."""
    key = start(session, user, hours=hours, user_agent=user_agent, second_factor=second_factor)
    session.commit()
    return key


def resume(session: Session, user_id: int, key: str) -> tuple[User, LoginSession] | None:
    """The user and session row behind a cookie, when the session is still live."""
    row = session.execute(
        select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.key_hash == digest(key),
            LoginSession.user_id == user_id,
            LoginSession.revoked_at.is_(None),
            LoginSession.expires_at > utcnow(),
        )
        .options(joinedload(User.member))
    ).first()
    return None if row is None else (row[0], row[1])


def end(session: Session, key: str) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.key_hash == digest(key), LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_all(session: Session, user: User, *, keep_key: str | None = None) -> int:
    """Revoke every session (but ``keep_key``'s) and every token of ``user``; returns how many."""
    now = utcnow()
    query = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    if keep_key is not None:
        query = query.where(LoginSession.key_hash != digest(keep_key))
    ended = session.execute(query.values(revoked_at=now)).rowcount or 0  # type: ignore[attr-defined]
    tokens = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount  # type: ignore[attr-defined]
    return int(ended) + int(tokens or 0)


def live_sessions(session: Session, user: User) -> list[LoginSession]:
    return list(
        session.scalars(
            select(LoginSession)
            .where(
                LoginSession.user_id == user.id,
                LoginSession.revoked_at.is_(None),
                LoginSession.expires_at > utcnow(),
            )
            .order_by(LoginSession.created_at.desc())
        )
    )


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str
    expires_at: datetime


def issue_token(session: Session, user: User, *, minutes: float = 60) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(minutes=minutes)
    activity.purge_expired_tokens(session, utcnow())  # no lasting history of API log-ins
    row = ApiToken(user=user, token_hash=digest(token), expires_at=expires)
    session.add(row)
    session.flush()
    return IssuedToken(row.id, token, expires)


def token_row(session: Session, token: str) -> ApiToken | None:
    """The live token row, with its user and member profile, in one query."""
    return session.scalar(
        select(ApiToken)
        .where(
            ApiToken.token_hash == digest(token),
            ApiToken.expires_at > utcnow(),
            ApiToken.revoked_at.is_(None),
        )
        .options(joinedload(ApiToken.user).joinedload(User.member))
    )


def user_for_token(session: Session, token: str) -> User | None:
    row = token_row(session, token)
    return None if row is None else row.user


def live_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens (another's is "not found", not "forbidden")."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_l("You have no token with this number."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def renew_token(session: Session, token: str, *, minutes: float = 60) -> IssuedToken:
    """Trade a live token for a new one; the old one stops working at once."""
    row = token_row(session, token)
    if row is None:
        raise NotFound(_l("This token is expired or revoked: get a new one from POST /api/v1/tokens."))
    row.revoked_at = utcnow()
    return issue_token(session, row.user, minutes=minutes)
