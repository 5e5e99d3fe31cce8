"""One log-in attempt, the same for the web form and the API: throttle, check, log.

The throttle is asked before the password is checked and told of the outcome after; every
attempt, failure and refusal goes to the security log.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from polling.accounts.models import User
from polling.accounts.passwords import Hasher
from polling.accounts.service import authenticate, normalise_email, valid_email
from polling.accounts.throttle import Key, Throttle, account_key, address_key
from polling.audit.service import record
from polling.errors import NotAuthenticated, TooManyAttempts


@dataclass(frozen=True)
class Limits:
    throttle: Throttle
    free_failures: int


def _keys(limits: Limits, email: str, address: str) -> list[Key]:
    return [
        account_key(email, limits.free_failures),
        address_key(address, limits.free_failures * 4),
    ]


def _loggable(email: str) -> str | None:
    return email if valid_email(email) else None


def check_allowed(session: Session, limits: Limits, email: str, address: str) -> None:
    """TooManyAttempts (with the seconds to wait) while the account or the address is backing off."""
    email = normalise_email(email)
    wait = limits.throttle.wait(_keys(limits, email, address))
    if wait:
        record(session, "login_throttled", email=_loggable(email), address=address)
        session.commit()
        raise TooManyAttempts(
            _l("Too many failed log-ins: wait %(n)d seconds, then try again.", n=wait), retry_after=wait
        )


def failed(session: Session, limits: Limits, email: str, address: str, kind: str = "login_failed") -> None:
    email = normalise_email(email)
    limits.throttle.failed(_keys(limits, email, address))
    record(session, kind, email=_loggable(email), address=address)
    session.commit()


def log_in(session: Session, hasher: Hasher, limits: Limits, email: str, password: str, address: str) -> User:
    """The user behind these credentials, throttled and logged. Refusals (throttled, wrong
    credentials) are logged and committed here; success is the first step of the caller's flow
    (a web log-in, a token), which commits it."""
    check_allowed(session, limits, email, address)
    try:
        user = authenticate(session, hasher, email, password)
    except NotAuthenticated:
        failed(session, limits, email, address)
        raise
    limits.throttle.succeeded(_keys(limits, user.email, address)[0])
    record(session, "login", user=user, address=address)
    return user
