"""Single-use, expiring links sent by e-mail: ``verify`` an address (48 hours), ``reset`` a
password (1 hour), ``invite`` a colleague into a client organisation (7 days). Only the SHA-256
of a link's secret is stored; using it once marks it used."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from polling.accounts.models import EmailLink, User
from polling.accounts.sessions import digest
from polling.db import utcnow
from polling.errors import InvalidInput

LIFETIME = {"verify": timedelta(hours=48), "reset": timedelta(hours=1), "invite": timedelta(days=7)}


def issue(session: Session, user: User, purpose: str) -> str:
    """A new link secret for ``user``; earlier unused links of the same purpose stop working."""
    now = utcnow()
    session.execute(
        update(EmailLink)
        .where(EmailLink.user_id == user.id, EmailLink.purpose == purpose, EmailLink.used_at.is_(None))
        .values(used_at=now)
    )
    secret = secrets.token_urlsafe(32)
    session.add(
        EmailLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=digest(secret),
            created_at=now,
            expires_at=now + LIFETIME[purpose],
        )
    )
    return secret


def peek(session: Session, secret: str, purpose: str) -> EmailLink:
    """The live link behind ``secret``; InvalidInput when it is unknown, used or expired."""
    link = session.scalar(
        select(EmailLink).where(EmailLink.token_hash == digest(str(secret)), EmailLink.purpose == purpose)
    )
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        raise InvalidInput.for_field(
            "token",
            _l("This link has expired or was already used: ask for a new one."),
        )
    return link


def redeem(session: Session, secret: str, purpose: str) -> User:
    """Use the link once; returns its user."""
    link = peek(session, secret, purpose)
    link.used_at = utcnow()
    user = session.get(User, link.user_id)
    assert user is not None  # the foreign key cascades: a link outlives no user
    return user
