"""A client organisation as its own people see it; other organisations' clients see nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from polling import policies
from polling.accounts.models import ClientOrganisation, User
from polling.errors import NotFound


@dataclass(frozen=True)
class Colleague:
    email: str
    joined: datetime


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    colleagues: tuple[Colleague, ...]


def organisation(session: Session, user: User, organisation_id: int) -> Organisation:
    """The organisation and its client users, for its own clients and fielding staff.

    Raises:
        NotFound: no such organisation.
        Forbidden: ``user`` is a client of another organisation, or not entitled at all.
    """
    found = session.get(ClientOrganisation, organisation_id)
    if found is None:
        raise NotFound(_l("No organisation with this number."))
    policies.require(user, "organisation.view", found)
    users = session.scalars(
        select(User)
        .where(
            User.organisation_id == found.id,
            User.role == "client",
            User.email_verified_at.is_not(None),  # invited colleagues appear once they have joined
        )
        .order_by(User.email)
    )
    return Organisation(found.id, found.name, tuple(Colleague(u.email, u.created_at) for u in users))
