"""Sign-up that does not reveal who is a member, e-mail verification and password reset.

Each function returns the e-mails to send; the view commits, then hands them to ``polling.mail``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from polling.accounts import links, notices
from polling.accounts.models import User
from polling.accounts.passwords import Hasher
from polling.accounts.service import check_new_account, create_user, find_user, normalise_email, set_password
from polling.audit.service import record
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
    taken, mail its owner instead. Either way the caller shows the same page."""
    email, password = normalise_email(form.get("email", "")), str(form.get("password", ""))
    errors = check_new_account(session, email, password)
    if errors:
        raise InvalidInput("The account was not created.", fields=errors)
    existing = find_user(session, email)
    if existing is not None:
        hasher.hash(password)  # the same work as a real sign-up, so timing tells nothing
        return [notices.already_registered(existing.email, existing.locale, urls.login, urls.forgot)]
    user = create_user(
        session,
        hasher,
        email=email,
        password=password,
        role="journalist",
        outlet=form.get("outlet", ""),
        email_verified=False,
    )
    return [verification_mail(session, user, urls)]


def request_reset(session: Session, email: str, urls: Urls) -> list[Mail]:
    """A reset link for the account at ``email``; nothing (and the same answer) when there is none."""
    user = find_user(session, email)
    if user is None:
        return []
    return [notices.reset_password(user.email, user.locale, urls.reset(links.issue(session, user, "reset")))]


def reset_password(session: Session, hasher: Hasher, secret: str, new_password: str) -> User:
    """Set a new password from a reset link, used once; ends every session and token."""
    link = links.peek(session, secret, "reset")
    user = session.get(User, link.user_id)
    assert user is not None
    set_password(session, hasher, user, new_password, keep_session=None)
    links.redeem(session, secret, "reset")
    user.email_verified_at = user.email_verified_at or link.created_at  # the link proved the address
    return user
