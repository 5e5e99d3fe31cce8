"""Colleagues invited by e-mail: an organisation's administrator invites an address, the colleague
follows the link, chooses a password and becomes a research client of that organisation.

The invited account exists from the invitation on (so the link has an owner) but cannot log in: its
password is a random secret nobody knows, and its address is unconfirmed until the link is used.
An address that already has a Pulse account is told so by e-mail; the administrator gets the same
answer either way, so an invitation never reveals who else uses Pulse.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from polling import policies
from polling.accounts import links
from polling.accounts.models import ClientOrganisation, User
from polling.accounts.passwords import Hasher
from polling.accounts.service import find_user, normalise_email, set_password, valid_email
from polling.audit.service import record
from polling.db import utcnow
from polling.errors import InvalidInput, NotFound
from polling.mail import Mail

PURPOSE = "invite"


def _locale(locale: str | None) -> str:
    return locale if locale in ("en", "es") else "en"


def _invitation_mail(to: str, organisation: str, inviter: str, url: str, locale: str | None) -> Mail:
    with force_locale(_locale(locale)):
        return Mail(
            to,
            _("%(organisation)s invites you to Pulse", organisation=organisation),
            _(
                "%(inviter)s invites you to join %(organisation)s on Pulse, where research teams "
                "commission surveys of verified physicians.\n\nChoose your password within 7 days at:\n\n"
                "%(url)s\n\nIf you did not expect this, ignore this e-mail: nothing happens.",
                inviter=inviter,
                organisation=organisation,
                url=url,
            ),
        )


def _already_registered_mail(to: str, organisation: str, locale: str | None) -> Mail:
    with force_locale(_locale(locale)):
        return Mail(
            to,
            _("%(organisation)s tried to invite you to Pulse", organisation=organisation),
            _(
                "Someone at %(organisation)s invited this address to Pulse, but it already has a Pulse "
                "account, which cannot join a second organisation. Ask them to invite another address, "
                "or write to Pulse support.",
                organisation=organisation,
            ),
        )


def _organisation(session: Session, user: User, organisation_id: int) -> ClientOrganisation:
    found = session.get(ClientOrganisation, organisation_id)
    if found is None or not policies.can(user, "organisation.view", found):
        raise NotFound(_l("No organisation with this number."))
    return found


def invite(
    session: Session,
    hasher: Hasher,
    admin: User,
    organisation_id: int,
    email: str,
    link_for: Callable[[str], str],
    locale: str | None = None,
) -> list[Mail]:
    """Invite ``email`` into the organisation, committed; returns the e-mail to send after the commit.

    Args:
        link_for: the absolute address of the acceptance page for a link secret.
        locale: the language of the invitation (the administrator's, as the invitee has none yet).

    Raises:
        NotFound: no such organisation, or another one (a client cannot tell the two apart).
        Forbidden: ``admin`` is not an administrator of the organisation.
        InvalidInput: ``email`` is not an address Pulse can store.
    """
    organisation = _organisation(session, admin, organisation_id)
    address = normalise_email(email)
    if not valid_email(address):
        raise InvalidInput.for_field(
            "email", _l("Enter a valid e-mail address in plain ASCII, like name@example.org.")
        )
    policies.require(admin, "organisation.invite", organisation)
    existing = find_user(session, address)
    if existing is not None:
        pending = (
            existing.role == "client"
            and existing.organisation_id == organisation.id
            and existing.email_verified_at is None
        )
        if not pending:
            if existing.organisation_id == organisation.id:
                return []  # already a colleague: the organisation page lists them
            return [_already_registered_mail(existing.email, organisation.name, existing.locale)]
        invited = existing  # invited before and not joined yet: a new link replaces the old one
    else:
        invited = User(
            email=address,
            password_hash=hasher.hash(secrets.token_urlsafe(32)),
            role="client",
            organisation_id=organisation.id,
            locale=locale if locale in ("en", "es") else None,
            created_at=utcnow(),
        )
        try:
            with session.begin_nested():
                session.add(invited)
                session.flush()
        except IntegrityError:  # an account for the address was created meanwhile: say nothing more
            return []
    secret = links.issue(session, invited, PURPOSE)
    outgoing = [_invitation_mail(address, organisation.name, admin.email, link_for(secret), locale)]
    session.commit()
    return outgoing


@dataclass(frozen=True)
class Invitation:
    email: str
    organisation: str


def invitation(session: Session, secret: str) -> Invitation:
    """Who a live invitation link is for (InvalidInput when it is unknown, used or expired)."""
    link = links.peek(session, secret, PURPOSE)
    user = session.get(User, link.user_id)
    assert user is not None and user.organisation is not None
    return Invitation(user.email, user.organisation.name)


def accept(session: Session, hasher: Hasher, secret: str, password: str, address: str) -> User:
    """Use the invitation once: the colleague's password is set and the address confirmed, committed.

    Raises:
        InvalidInput: the link is spent or expired (``token``), or the password is too weak
            (``new_password``); nothing is written then.
    """
    link = links.peek(session, secret, PURPOSE)
    user = session.get(User, link.user_id)
    assert user is not None
    set_password(session, hasher, user, password, keep_session=None)
    links.redeem(session, secret, PURPOSE)
    user.email_verified_at = utcnow()
    record(session, "email_verified", user=user, address=address, detail="organisation invitation")
    session.commit()
    return user


def pending_invitations(session: Session, user: User, organisation_id: int) -> list[str]:
    """Addresses invited into the organisation that have not joined yet (for its own clients)."""
    organisation = _organisation(session, user, organisation_id)
    return list(
        session.scalars(
            select(User.email)
            .where(
                User.organisation_id == organisation.id,
                User.role == "client",
                User.email_verified_at.is_(None),
            )
            .order_by(User.email)
        )
    )
