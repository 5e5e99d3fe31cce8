"""Object-level permissions: may this user do this to this thing?

The route table (:mod:`polling.permissions`) decides who may reach a URL at all; services call
:func:`require` (or :func:`can`) for what depends on the object: a client sees only its own
organisation's studies, a member only their own proposals, and each staff task needs its duty
(:data:`polling.accounts.duties.STAFF_DUTIES`).

Example:
    >>> require(user, "poll.manage")                 # staff with the fielding duty
    >>> can(client, "organisation.view", other_org)  # False for a client of another organisation
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import object_session

from polling.accounts.duties import STAFF_DUTIES, StaffDuty
from polling.accounts.models import User
from polling.errors import Forbidden


class OrganisationOwned(Protocol):
    """Anything that belongs to a client organisation: studies, deliveries, quotes."""

    organisation_id: int | None


Rule = Callable[[User, Any], bool]
_RULES: dict[str, Rule] = {}
_DUTIES_CACHE = "_pulse_staff_duties"


def duties_of(user: User) -> frozenset[str]:
    """The staff duties ``user`` holds (none for anyone but staff), read once per loaded user."""
    if user.role != "staff":
        return frozenset()
    cached: frozenset[str] | None = user.__dict__.get(_DUTIES_CACHE)
    if cached is None:
        session = object_session(user)
        rows: list[str] = []
        if session is not None:
            rows = list(session.scalars(select(StaffDuty.duty).where(StaffDuty.user_id == user.id)))
        cached = frozenset(rows)
        user.__dict__[_DUTIES_CACHE] = cached
    return cached


def _staff(duty: str) -> Rule:
    if duty not in STAFF_DUTIES:
        raise ValueError(f"unknown staff duty {duty!r}: one of {', '.join(STAFF_DUTIES)}")
    return lambda user, _thing: duty in duties_of(user)


def _client_of(user: User, organisation_id: int | None) -> bool:
    return user.role == "client" and organisation_id is not None and user.organisation_id == organisation_id


def _owned_or_fielding(user: User, thing: OrganisationOwned) -> bool:
    return _client_of(user, thing.organisation_id) or "fielding" in duties_of(user)


def _fielding_or_finance(user: User, _thing: object) -> bool:
    return bool({"fielding", "finance"} & duties_of(user))


def _own_organisation_or_fielding(user: User, organisation: Any) -> bool:
    return _client_of(user, organisation.id) or "fielding" in duties_of(user)


def _editing_client(user: User, study: Any) -> bool:
    return _client_of(user, study.organisation_id) and study.status in ("draft", "returned")


def _organisation_admin(user: User, organisation: Any) -> bool:
    return _client_of(user, organisation.id) and bool(user.organisation_admin)


def _proposer_or_published(user: User, poll: Any) -> bool:
    return poll.status == "published" or poll.proposed_by_id == user.id or "fielding" in duties_of(user)


_RULES.update(
    {
        "member.verify": _staff("verification"),
        "identity.read": _staff("verification"),
        "poll.manage": _staff("fielding"),
        "poll.view": _proposer_or_published,
        "report.manage": _staff("fielding"),
        "study.manage": _staff("fielding"),
        "payout.approve": _staff("finance"),
        "organisation.view": _own_organisation_or_fielding,
        "study.view": _owned_or_fielding,
        "study.edit": _editing_client,
        "organisation.invite": _organisation_admin,
        "pricing.edit": _fielding_or_finance,
    }
)


ACTIONS = tuple(_RULES)

_REFUSALS: dict[str, object] = {
    "member.verify": _l("Only verification staff may review licences."),
    "identity.read": _l("Only verification staff may read members' identities."),
    "poll.manage": _l("Only staff may manage polls."),
    "report.manage": _l("Only staff may build and publish reports."),
    "study.manage": _l("Only fielding staff may manage studies."),
    "payout.approve": _l("Only finance staff may approve payouts."),
    "pricing.edit": _l("Only fielding or finance staff may change fair-market values."),
    "study.edit": _l(
        "Only your organisation's clients may change a study, and only while it is a draft or returned."
    ),
    "organisation.invite": _l("Only an administrator of your organisation may invite colleagues."),
}


def can(user: User | None, action: str, thing: object | None = None) -> bool:
    """Whether ``user`` may do ``action`` (one of :data:`ACTIONS`) to ``thing``.

    Raises:
        KeyError: ``action`` has no policy (a typo must not silently allow or refuse).
    """
    rule = _RULES.get(action)
    if rule is None:
        raise KeyError(f"no policy for {action!r}: one of {', '.join(ACTIONS)}")
    return user is not None and rule(user, thing)


def require(user: User | None, action: str, thing: object | None = None) -> None:
    """Raise Forbidden, with a message saying who may, unless ``user`` may do ``action`` to ``thing``."""
    if not can(user, action, thing):
        raise Forbidden(_REFUSALS.get(action, _l("Your account may not do this.")))


def require_staff(user: User | None, duty: str) -> None:
    """Raise Forbidden unless ``user`` is staff holding ``duty``."""
    if user is None or duty not in duties_of(user):
        raise Forbidden(_l("This needs a staff account with the %(duty)s duty.", duty=duty))


def init_app(app: Flask) -> None:
    """Templates ask ``can('poll.manage')`` of the signed-in user, as services do."""

    def can_in_template(action: str, thing: object | None = None) -> bool:
        return can(current_user if current_user.is_authenticated else None, action, thing)

    app.jinja_env.globals["can"] = can_in_template
