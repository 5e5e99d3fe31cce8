"""Account security, one committed unit of work each: change the password, end every session,
issue, renew or revoke a token, turn the second factor on or off, log out.

Each function commits its own work (with its security-log record); the view then only renders,
redirects and touches the cookie. Mail is returned, for the view to deliver after the commit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from polling.accounts import guard, notices, sessions, totp
from polling.accounts.guard import Limits
from polling.accounts.models import LoginSession, User
from polling.accounts.passwords import Hasher
from polling.accounts.recovery import audit
from polling.accounts.service import change_password as check_and_set_password
from polling.audit.service import record
from polling.errors import Forbidden, NotAuthenticated
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


def issue_token(
    session: Session,
    hasher: Hasher,
    limits: Limits,
    credentials: Mapping[str, str],
    address: str,
    *,
    minutes: float,
    second_factor_roles: Collection[str],
) -> sessions.IssuedToken:
    """Trade e-mail, password (and authenticator code) for a bearer token, logged and committed.
    Refusals: NotAuthenticated (wrong credentials or code, logged), Forbidden (address not
    confirmed, or a role that must set up a second factor first), TooManyAttempts."""
    user = guard.log_in(session, hasher, limits, credentials["email"], credentials["password"], address)
    if user.email_verified_at is None:
        session.rollback()  # this flow's own log-in record: no token, no log-in
        raise Forbidden(_l("Confirm your e-mail address first with the link we sent you."))
    if user.totp_secret is not None:
        if not totp.verify(user.totp_secret, credentials.get("code")):
            session.rollback()
            guard.failed(session, limits, user.email, address, kind="second_factor_failed")
            raise NotAuthenticated(_l("Send the 6-digit code of your authenticator app as 'code'."))
    elif user.role in second_factor_roles:
        session.rollback()
        raise Forbidden(_l("Your role needs a second factor: set it up on the web first (Settings)."))
    issued = sessions.issue_token(session, user, minutes=minutes)
    record(session, "token_issued", user=user, address=address)
    session.commit()
    return issued


def renew_token(session: Session, token: str, *, minutes: float) -> sessions.IssuedToken:
    """Trade a live token for a new one, committed; the old one stops working at once."""
    issued = sessions.renew_token(session, token, minutes=minutes)
    session.commit()
    return issued
