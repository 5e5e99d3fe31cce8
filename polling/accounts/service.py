"""Accounts: creating log-ins, authenticating, passwords. Plain functions over a session.

Answers never tell a stranger whether an e-mail address has an account: log-in fails with one
message and in the same time for both, and sign-up answers the same either way (the address's
owner is told by e-mail instead).
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from polling.accounts import activity, sessions
from polling.accounts.models import ROLES, ClientOrganisation, User
from polling.accounts.passwords import Hasher, password_problem
from polling.db import utcnow
from polling.errors import InvalidInput, NotAuthenticated

# ASCII addresses only (RFC 5321's dot-atom local part, letters-digits-hyphen domain labels).
EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
    re.ASCII,
)
LOCALES = ("en", "es")
OUTLET_MAX = 200
WRONG_CREDENTIALS = _l("Wrong e-mail address or password. Check both and try again.")


def normalise_email(email: object) -> str:
    """NFKC, trimmed, lower-case: the one form stored and compared (fullwidth letters fold to ASCII)."""
    return unicodedata.normalize("NFKC", str(email or "")).strip().lower()


def valid_email(email: str) -> bool:
    """A normalised address Pulse accepts: ASCII, no control characters, at most 254 characters."""
    local = email.split("@", 1)[0]
    return len(email) <= 254 and len(local) <= 64 and EMAIL.fullmatch(email) is not None


def check_new_account(session: Session, email: str, password: str) -> dict[str, list[object]]:
    """Field errors of a new log-in's own format (empty when it can be created). Whether the
    address is taken is not among them: see :func:`email_taken`."""
    errors: dict[str, list[object]] = {}
    email = normalise_email(email)
    if not valid_email(email):
        errors["email"] = [_l("Enter a valid e-mail address in plain ASCII, like name@example.org.")]
    problem = password_problem(str(password or ""), email)
    if problem is not None:
        errors["password"] = [problem]
    return errors


def email_taken(session: Session, email: str) -> bool:
    return session.scalar(select(User.id).where(User.email == normalise_email(email))) is not None


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
    email_verified: bool = True,
) -> User:
    """Create a log-in for a client, journalist, staff member or auditor (members go through
    ``members.service.register_physician``). For operators and staff: says when the address is
    taken. Raises InvalidInput naming each bad field."""
    errors = check_new_account(session, email, password)
    if "email" not in errors and email_taken(session, email):
        errors["email"] = [_l("An account with this e-mail address already exists: log in instead.")]
    if role not in ROLES:
        errors["role"] = [
            _l("Unknown role %(role)s: use one of %(roles)s.", role=role, roles=", ".join(ROLES))
        ]
    if role == "client" and not (organisation or "").strip():
        errors["organisation"] = [_l("A research client belongs to an organisation: give its name.")]
    if role == "client" and len((organisation or "").strip()) > 200:
        errors["organisation"] = [_l("Give the organisation's name in at most 200 characters.")]
    if locale is not None and locale not in LOCALES:
        errors["locale"] = [_l("Choose English (en) or Spanish (es).")]
    outlet = unicodedata.normalize("NFKC", outlet or "").strip()
    if len(outlet) > OUTLET_MAX or not outlet.isprintable():
        errors["outlet"] = [_l("Give your outlet's name in at most %(n)d ordinary characters.", n=OUTLET_MAX)]
    if errors:
        raise InvalidInput(_l("The account was not created."), fields=errors)
    user = User(
        email=normalise_email(email),
        password_hash=hasher.hash(password),
        role=role,
        locale=locale,
        outlet=outlet or None,
        email_verified_at=utcnow() if email_verified else None,
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
    """The user with these credentials; NotAuthenticated (one message, same time) otherwise."""
    address = normalise_email(email)
    password = str(password or "")
    user = find_user(session, address)
    if user is None:
        hasher.verify_nothing(password)
        raise NotAuthenticated(WRONG_CREDENTIALS)
    if not hasher.verify(user.password_hash, password):
        raise NotAuthenticated(WRONG_CREDENTIALS)
    user.last_login_at = activity.login_month(utcnow())  # the month only: see accounts.activity
    return user


def change_password(
    session: Session, hasher: Hasher, user: User, *, current: str, new: str, keep_session: str | None
) -> None:
    """Check the current password, set the new one, end every other session and every token."""
    if not hasher.verify(user.password_hash, str(current or "")):
        raise InvalidInput.for_field("current_password", _l("Your current password is not right."))
    set_password(session, hasher, user, new, keep_session=keep_session)


def set_password(session: Session, hasher: Hasher, user: User, new: str, *, keep_session: str | None) -> None:
    problem = password_problem(str(new or ""), user.email)
    if problem is not None:
        raise InvalidInput.for_field("new_password", problem)
    user.password_hash = hasher.hash(str(new))
    user.password_changed_at = utcnow()
    sessions.end_all(session, user, keep_key=keep_session)


def set_locale(session: Session, user: User, locale: str) -> None:
    """Remember the account's language, committed."""
    if locale not in LOCALES:
        raise InvalidInput.for_field("locale", _l("Choose English (en) or Spanish (es)."))
    user.locale = locale
    session.commit()


def find_user(session: Session, email: str) -> User | None:
    """The user with this address; None for any address Pulse could never have stored (so that a
    lone surrogate or a NUL byte never reaches the database driver)."""
    address = normalise_email(email)
    if not valid_email(address):
        return None
    return session.scalar(select(User).where(User.email == address))


# Callers (CLI, tests, benchmarks) take tokens from here; the implementation lives in ``sessions``.
issue_token = sessions.issue_token
user_for_token = sessions.user_for_token
