"""Accounts: creating log-ins, authenticating, API tokens. Plain functions over a session."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from polling.accounts.models import ROLES, ApiToken, ClientOrganisation, User
from polling.accounts.passwords import Hasher, password_problem
from polling.db import utcnow
from polling.errors import InvalidInput, NotAuthenticated

EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,}")
TOKEN_LIFETIME = timedelta(days=30)
LOCALES = ("en", "es")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_new_account(session: Session, email: str, password: str) -> dict[str, list[object]]:
    """Field errors for a new log-in (empty when it can be created)."""
    errors: dict[str, list[object]] = {}
    email = normalise_email(email)
    if not EMAIL.fullmatch(email) or len(email) > 254:
        errors["email"] = [_l("Enter a valid e-mail address, like name@example.org.")]
    elif session.scalar(select(User.id).where(User.email == email)) is not None:
        errors["email"] = [_l("An account with this e-mail address already exists: log in instead.")]
    problem = password_problem(password or "", email)
    if problem is not None:
        errors["password"] = [problem]
    return errors


def create_user(
    session: Session,
    hasher: Hasher,
    *,
    email: str,
    password: str,
    role: str,
    locale: str | None = None,
    organisation: str | None = None,
    outlet: str | None = None,
) -> User:
    """Create a log-in for a client, journalist or staff member (members go through
    ``members.service.register_physician``). Raises InvalidInput naming each bad field."""
    errors = check_new_account(session, email, password)
    if role not in ROLES:
        errors["role"] = [
            _l("Unknown role %(role)s: use one of %(roles)s.", role=role, roles=", ".join(ROLES))
        ]
    if role == "client" and not (organisation or "").strip():
        errors["organisation"] = [_l("A research client belongs to an organisation: give its name.")]
    if locale is not None and locale not in LOCALES:
        errors["locale"] = [_l("Choose English (en) or Spanish (es).")]
    if errors:
        raise InvalidInput(_l("The account was not created."), fields=errors)
    user = User(
        email=normalise_email(email),
        password_hash=hasher.hash(password),
        role=role,
        locale=locale,
        outlet=(outlet or "").strip() or None,
    )
    if role == "client":
        user.organisation = get_or_create_organisation(session, str(organisation))
    session.add(user)
    session.flush()
    return user


def get_or_create_organisation(session: Session, name: str) -> ClientOrganisation:
    name = name.strip()
    organisation = session.scalar(select(ClientOrganisation).where(ClientOrganisation.name == name))
    if organisation is None:
        organisation = ClientOrganisation(name=name)
        session.add(organisation)
    return organisation


def authenticate(session: Session, hasher: Hasher, email: str, password: str) -> User:
    """The user with these credentials; NotAuthenticated (one message for both cases) otherwise."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not hasher.verify(user.password_hash, password or ""):
        raise NotAuthenticated(_l("Wrong e-mail address or password. Check both and try again."))
    user.last_login_at = utcnow()
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def issue_token(session: Session, user: User) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + TOKEN_LIFETIME
    session.add(ApiToken(user=user, token_hash=_digest(token), expires_at=expires))
    return IssuedToken(token, expires)


def user_for_token(session: Session, token: str) -> User | None:
    """The user of an unexpired token, with their member profile, in one query."""
    return session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.expires_at > utcnow())
        .options(joinedload(User.member))
    )


def set_locale(session: Session, user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise InvalidInput.for_field("locale", _l("Choose English (en) or Spanish (es)."))
    user.locale = locale


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))
