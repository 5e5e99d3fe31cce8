"""The web's physician sign-up, which never tells a stranger who is a member, and a rejected
physician's correct-and-resubmit.

Every well-formed sign-up gets the same page ("check your inbox"); what differs is the e-mail:
a verification link for a new account, a note to the address's owner when it already has one,
and, when the licence number is held by another registration, a pointer to support for the
person signing up and a warning to the licence's holder.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from polling.accounts import notices
from polling.accounts.passwords import Hasher
from polling.accounts.recovery import Urls, verification_mail
from polling.accounts.service import find_user
from polling.db import utcnow
from polling.errors import Conflict, InvalidInput
from polling.mail import Mail
from polling.members import licences
from polling.members.models import MemberProfile
from polling.members.service import create_physician, licence_claim, validate_signup


def sign_up_physician(session: Session, hasher: Hasher, raw: Mapping[str, object], urls: Urls) -> list[Mail]:
    """Check the form (InvalidInput names bad fields, before anything is written), then create
    (committed) or notify; returns the mail to send after the commit."""
    signup = validate_signup(session, raw, year=utcnow().year)
    existing = find_user(session, signup.email)
    if existing is not None:
        hasher.hash(signup.password)  # the same work as a real sign-up: timing tells nothing
        return [notices.already_registered(existing.email, existing.locale, urls.login, urls.forgot)]
    holder = licence_claim(session, signup.country, signup.licence_number)
    if holder is not None:
        hasher.hash(signup.password)
        owner = holder.member.user
        return [
            notices.licence_in_use(signup.email, signup.locale, urls.support),
            notices.licence_claimed(owner.email, owner.locale, urls.support),
        ]
    try:
        member = create_physician(session, hasher, signup, email_verified=False)
        outgoing = [verification_mail(session, member.user, urls)]
        session.commit()
    except IntegrityError:
        # A sign-up racing this one took the address or the licence first: the same answer as
        # when it was there before, and that sign-up's mail tells its owner. Only this sign-up's
        # own unit of work is rolled back: nothing else was pending.
        session.rollback()
        return []
    return outgoing


def resubmit(session: Session, member: MemberProfile, raw: Mapping[str, object]) -> MemberProfile:
    """A rejected member corrects their name and licence number and asks for review again,
    committed (InvalidInput names bad fields before anything is written)."""
    if member.status != "rejected":
        raise Conflict(_l("Only a rejected registration can be corrected and sent again."))
    name = str(raw.get("full_name") or "").strip()
    errors: dict[str, list[object]] = {}
    if not 2 <= len(name) <= 200 or not name.isprintable():
        errors["full_name"] = [_l("Enter your full name as on your licence (2 to 200 characters).")]
    result = licences.check(member.country, str(raw.get("licence_number") or ""))
    if not result.valid:
        errors["licence_number"] = [result.reason]
    else:
        holder = licence_claim(session, member.country, result.normalised)
        if holder is not None and holder.member_id != member.id:
            errors["licence_number"] = [
                _l("This licence number is held by another registration: contact support.")
            ]
    if errors:
        raise InvalidInput(_l("Your correction was not sent: fix the fields below."), fields=errors)
    identity = member.identity
    identity.full_name, identity.licence_number = name, result.normalised
    identity.licence_claim = result.normalised
    member.status, member.rejection_reason, member.reviewed_at = "pending", None, None
    if member.show_identity:
        member.display_name = name
    session.commit()
    return member
