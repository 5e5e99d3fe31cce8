"""Account security, one committed unit of work each: change the password, end every session,
revoke a token, turn the second factor on or off, log out.

Each function commits its own work (with its security-log record); the view then only renders,
redirects and touches the cookie. Mail is returned, for the view to deliver after the commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from polling.accounts import notices, sessions
from polling.accounts.models import LoginSession, User
from polling.accounts.passwords import Hasher
from polling.accounts.recovery import audit
from polling.accounts.service import change_password as check_and_set_password
from polling.mail import Mail


def change_password(
    session: Session,
    hasher: Hasher,
    user: User,
    *,
    current: str,
    new: str,
    keep_session: str | None,
    address: str,
    forgot_url: str,
) -> list[Mail]:
    """Check the current password, set the new one (every other session and token ends), log it;
    InvalidInput names the field before anything is written. Returns the notice to mail."""
    check_and_set_password(session, hasher, user, current=current, new=new, keep_session=keep_session)
    audit(session, "password_changed", user, address)
    session.commit()
    return [notices.password_changed(user.email, user.locale, forgot_url)]


def end_everywhere(session: Session, user: User, address: str) -> None:
    """End every session of ``user`` and revoke every API token, logged."""
    sessions.end_all(session, user)
    audit(session, "logout_everywhere", user, address)
    session.commit()


def revoke_token(session: Session, user: User, token_id: int, address: str) -> None:
    """Revoke one of ``user``'s tokens (NotFound for another's), logged."""
    sessions.revoke_token(session, user, token_id)
    audit(session, "token_revoked", user, address)
    session.commit()


def log_out(session: Session, user: User, key: str | None, address: str) -> None:
    """End this browser's server-side session (``key``), logged."""
    audit(session, "logout", user, address)
    if key:
        sessions.end(session, key)
    session.commit()


def disable_second_factor(session: Session, user: User) -> None:
    user.totp_secret = None
    session.commit()


def enable_second_factor(
    session: Session, user: User, secret: str, login: LoginSession | None, address: str, now: datetime
) -> None:
    """Store the authenticator secret; this log-in counts as having given its second factor."""
    user.totp_secret = secret
    if login is not None:
        login.second_factor_at = now
    audit(session, "second_factor_enabled", user, address)
    session.commit()
