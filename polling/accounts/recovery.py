"""Sign-up that does not reveal who is a member, e-mail verification and password reset.

Each flow commits its own work and returns the e-mails to send; the view hands them to
``polling.mail`` after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from polling.accounts import guard, links, notices
from polling.accounts.guard import Limits
from polling.accounts.models import User
from polling.accounts.passwords import Hasher
from polling.accounts.service import check_new_account, create_user, find_user, normalise_email, set_password
from polling.audit.service import record
from polling.db import utcnow
from polling.errors import InvalidInput
from polling.mail import Mail


@dataclass(frozen=True)
class Urls:
    """Absolute addresses for e-mails, built from PUBLIC_URL (never from the request's Host)."""

    base: str
    login: str
    forgot: str
    support: str
    membership: str

    def verify(self, secret: str) -> str:
        return f"{self.base}/verify/{secret}"

    def reset(self, secret: str) -> str:
        return f"{self.base}/password/reset/{secret}"


def audit(session: Session, kind: str, user: object, address: str) -> None:
    if getattr(user, "is_authenticated", False):
        record(session, kind, user=user, address=address)


def verification_mail(session: Session, user: User, urls: Urls) -> Mail:
    return notices.verify_address(user.email, user.locale, urls.verify(links.issue(session, user, "verify")))


def sign_up_journalist(session: Session, hasher: Hasher, form: Mapping[str, str], urls: Urls) -> list[Mail]:
    """Create an unverified journalist account and mail a verification link; if the address is
    taken, mail its owner instead. Either way the caller shows the same page: when a racing
    sign-up takes the address first (the unique constraint decides), this one's work is rolled
    back and no mail goes out, since that sign-up's mail tells the address's owner."""
    email, password = normalise_email(form.get("email", "")), str(form.get("password", ""))
    errors = check_new_account(session, email, password)
    if errors:
        raise InvalidInput("The account was not created.", fields=errors)
    existing = find_user(session, email)
    if existing is not None:
        hasher.hash(password)  # the same work as a real sign-up, so timing tells nothing
        return [notices.already_registered(existing.email, existing.locale, urls.login, urls.forgot)]
    try:
        user = create_user(
            session,
            hasher,
            email=email,
            password=password,
            role="journalist",
            outlet=form.get("outlet", ""),
            email_verified=False,
        )
        outgoing = [verification_mail(session, user, urls)]
        session.commit()
    except IntegrityError:
        session.rollback()  # only this sign-up's own unit of work: nothing else was pending
        return []
    return outgoing


def request_reset(session: Session, email: str, urls: Urls) -> list[Mail]:
    """A reset link for the account at ``email``; nothing (and the same answer) when there is none."""
    user = find_user(session, email)
    if user is None:
        return []
    outgoing = notices.reset_password(
        user.email, user.locale, urls.reset(links.issue(session, user, "reset"))
    )
    session.commit()
    return [outgoing]


def reset_password(session: Session, hasher: Hasher, secret: str, new_password: str, address: str) -> User:
    """Set a new password from a reset link, used once; ends every session and token. Logged and
    committed; InvalidInput names the field before anything is written."""
    link = links.peek(session, secret, "reset")
    user = session.get(User, link.user_id)
    assert user is not None
    set_password(session, hasher, user, new_password, keep_session=None)
    links.redeem(session, secret, "reset")
    user.email_verified_at = user.email_verified_at or link.created_at  # the link proved the address
    audit(session, "password_reset", user, address)
    session.commit()
    return user


def confirm_email(session: Session, secret: str, address: str) -> User:
    """Redeem a verification link (InvalidInput when spent or expired): the address is confirmed,
    logged and committed. Returns the account, for the caller to log in."""
    user = links.redeem(session, secret, "verify")
    user.email_verified_at = user.email_verified_at or utcnow()
    audit(session, "email_verified", user, address)
    session.commit()
    return user


@dataclass(frozen=True)
class LogIn:
    user: User
    verified: bool
    outgoing: list[Mail]


def log_in(
    session: Session, hasher: Hasher, limits: Limits, email: str, password: str, address: str, urls: Urls
) -> LogIn:
    """A web log-in's password step, committed (NotAuthenticated or TooManyAttempts, already logged,
    otherwise). An account whose address is not confirmed is not logged in: it is mailed a new
    verification link instead."""
    user = guard.log_in(session, hasher, limits, email, password, address)
    if user.email_verified_at is not None:
        session.commit()
        return LogIn(user, True, [])
    session.rollback()  # this flow's own log-in record and time: the account did not log in
    outgoing = verification_mail(session, user, urls)
    session.commit()
    return LogIn(user, False, [outgoing])
