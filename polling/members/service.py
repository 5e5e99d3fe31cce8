"""Physician members: registration, verification, identity reads (logged), visibility.

Every function takes the session explicitly and raises domain errors; the web views, the CLI and
the demo seeding call the same functions, so the same input gets the same answer everywhere.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from polling import policies
from polling.accounts.models import User
from polling.accounts.passwords import Hasher
from polling.accounts.service import LOCALES, check_new_account, email_taken, normalise_email
from polling.audit.service import record
from polling.db import utcnow
from polling.errors import Conflict, InvalidInput, NotFound
from polling.members import licences
from polling.members.models import PRACTICE_SETTINGS, IdentityAccess, MemberIdentity, MemberProfile
from sampling.codes import COUNTRIES, SEXES
from sampling.taxonomy import SPECIALTIES

HANDLE_WORDS = (
    "aster",
    "birch",
    "cedar",
    "delta",
    "ember",
    "fern",
    "grove",
    "harbor",
    "iris",
    "juniper",
    "kestrel",
    "linden",
    "maple",
    "nova",
    "orchid",
    "pine",
    "quartz",
    "raven",
    "sage",
    "tide",
    "umber",
    "vale",
    "willow",
    "yarrow",
    "zephyr",
)


@dataclass(frozen=True)
class PhysicianSignup:
    email: str
    password: str
    full_name: str
    country: str
    specialty: str
    licence_number: str
    sex: str
    birth_year: int
    licence_year: int
    practice_setting: str
    locale: str | None
    show_identity: bool


def _year(
    raw: object, field: str, low: int, high: int, errors: dict[str, list[object]], label: object
) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        errors[field] = [
            _l(
                "Enter %(label)s as a four-digit year between %(low)d and %(high)d.",
                label=label,
                low=low,
                high=high,
            )
        ]
        return 0
    if not low <= value <= high:
        errors[field] = [
            _l(
                "Enter %(label)s as a four-digit year between %(low)d and %(high)d.",
                label=label,
                low=low,
                high=high,
            )
        ]
    return value


def validate_signup(session: Session, raw: Mapping[str, object], *, year: int) -> PhysicianSignup:
    """Check every field of a physician sign-up. Raises InvalidInput naming each bad field and the
    format it expects; stores nothing."""
    text = {k: str(v).strip() if v is not None else "" for k, v in raw.items()}
    errors = check_new_account(session, text.get("email", ""), str(raw.get("password") or ""))
    name = unicodedata.normalize("NFKC", text.get("full_name", ""))
    if not 2 <= len(name) <= 200 or not name.isprintable():
        errors["full_name"] = [_l("Enter your full name as on your licence (2 to 200 characters).")]
    country = text.get("country", "").upper()
    if country not in COUNTRIES:
        errors["country"] = [
            _l("Choose your country of licence: one of %(codes)s.", codes=", ".join(COUNTRIES))
        ]
    specialty = text.get("specialty", "")
    if specialty not in SPECIALTIES:
        errors["specialty"] = [_l("Choose your specialty from the list.")]
    licence_number = ""
    if country in COUNTRIES:
        result = licences.check(country, text.get("licence_number", ""))
        licence_number = result.normalised
        if not result.valid:
            errors["licence_number"] = [result.reason]
    sex = text.get("sex", "").lower()
    if sex not in SEXES:
        errors["sex"] = [_l("Choose female or male (the categories the physician registers publish).")]
    birth_year = _year(
        raw.get("birth_year"), "birth_year", year - 90, year - 22, errors, _l("your year of birth")
    )
    licence_year = _year(
        raw.get("licence_year"), "licence_year", year - 70, year, errors, _l("the year of your first licence")
    )
    if "birth_year" not in errors and "licence_year" not in errors and licence_year < birth_year + 20:
        errors["licence_year"] = [
            _l("The year of your first licence must be at least 20 years after your year of birth.")
        ]
    setting = text.get("practice_setting", "")
    if setting not in PRACTICE_SETTINGS:
        errors["practice_setting"] = [
            _l("Choose a practice setting: %(options)s.", options=", ".join(PRACTICE_SETTINGS))
        ]
    locale = text.get("locale") or None
    if locale is not None and locale not in LOCALES:
        errors["locale"] = [_l("Choose English (en) or Spanish (es).")]
    if errors:
        raise InvalidInput(_l("Your registration was not saved: correct the fields below."), fields=errors)
    return PhysicianSignup(
        normalise_email(text["email"]),
        str(raw["password"]),
        name,
        country,
        specialty,
        licence_number,
        sex,
        birth_year,
        licence_year,
        setting,
        locale,
        text.get("show_identity", "").lower() in {"1", "true", "on", "yes"},
    )


def new_handle(session: Session) -> str:
    """A pseudonymous handle such as ``dr-cedar-4821`` that says nothing about the member."""
    while True:
        handle = f"dr-{secrets.choice(HANDLE_WORDS)}-{secrets.randbelow(9000) + 1000}"
        if session.scalar(select(MemberProfile.id).where(MemberProfile.handle == handle)) is None:
            return handle


def register_physician(
    session: Session,
    hasher: Hasher,
    raw: Mapping[str, object],
    *,
    verified_by: User | None = None,
    email_verified: bool = True,
) -> MemberProfile:
    """Validate and create a pending physician member (verified at once when ``verified_by`` staff
    bootstrap it from the CLI). For operators and tests: says when the address or the licence is
    taken; the web sign-up (``members.signup``) answers the same either way instead."""
    signup = validate_signup(session, raw, year=utcnow().year)
    taken: dict[str, list[object]] = {}
    if email_taken(session, signup.email):
        taken["email"] = [_l("An account with this e-mail address already exists: log in instead.")]
    if licence_claim(session, signup.country, signup.licence_number) is not None:
        taken["licence_number"] = [
            _l("This licence number is already registered. If it is yours, contact support.")
        ]
    if taken:
        raise InvalidInput(_l("Your registration was not saved: correct the fields below."), fields=taken)
    return create_physician(session, hasher, signup, verified_by=verified_by, email_verified=email_verified)


def licence_claim(session: Session, country: str, licence_number: str) -> MemberIdentity | None:
    """The registration (pending or verified) that holds this licence number, if any."""
    return session.scalar(
        select(MemberIdentity).where(
            MemberIdentity.country == country, MemberIdentity.licence_claim == licence_number
        )
    )


def create_physician(
    session: Session,
    hasher: Hasher,
    signup: PhysicianSignup,
    *,
    verified_by: User | None = None,
    email_verified: bool = True,
) -> MemberProfile:
    """Store a checked sign-up whose address and licence are free (see ``register_physician``)."""
    user = User(
        email=signup.email,
        password_hash=hasher.hash(signup.password),
        role="member",
        locale=signup.locale,
        email_verified_at=utcnow() if email_verified else None,
    )
    member = MemberProfile(
        user=user,
        handle=new_handle(session),
        country=signup.country,
        specialty=signup.specialty,
        sex=signup.sex,
        birth_year=signup.birth_year,
        licence_year=signup.licence_year,
        practice_setting=signup.practice_setting,
        status="pending",
        show_identity=signup.show_identity,
        display_name=signup.full_name if signup.show_identity else None,
    )
    member.identity = MemberIdentity(
        full_name=signup.full_name,
        country=signup.country,
        licence_number=signup.licence_number,
        licence_claim=signup.licence_number,
    )
    session.add(member)
    session.flush()
    if verified_by is not None:
        review(session, verified_by, member.id, decision="verify")
    return member


def pending_queue(session: Session) -> list[MemberProfile]:
    """Members waiting for verification, oldest first."""
    return list(
        session.scalars(
            select(MemberProfile)
            .where(MemberProfile.status == "pending")
            .order_by(MemberProfile.created_at, MemberProfile.id)
        )
    )


def get_member(session: Session, member_id: int) -> MemberProfile:
    member = session.get(MemberProfile, member_id)
    if member is None:
        raise NotFound(_l("No member with this number."))
    return member


def read_identity(session: Session, staff: User, member_id: int, purpose: str) -> MemberIdentity:
    """A member's real name and licence number, for staff only; every read is logged."""
    policies.require(staff, "identity.read")
    member = get_member(session, member_id)
    session.add(IdentityAccess(member_id=member.id, staff_user_id=staff.id, purpose=purpose[:100]))
    record(session, "identity_read", user=staff, subject=f"member {member.id}", detail=purpose)
    session.commit()  # the access log entry is kept whatever the reader does next
    return member.identity


def review(
    session: Session, staff: User, member_id: int, *, decision: str, reason: str = ""
) -> MemberProfile:
    """Verify or reject a pending member; a rejection needs a reason the member will read."""
    policies.require(staff, "member.verify")
    member = get_member(session, member_id)
    if member.status != "pending":
        raise Conflict(_l("This member was already reviewed (%(status)s).", status=member.status))
    if decision == "verify":
        member.status, member.rejection_reason = "verified", None
    elif decision == "reject":
        reason = (reason or "").strip()
        if not 5 <= len(reason) <= 1000:
            raise InvalidInput.for_field(
                "reason", _l("Give the member a reason for the rejection (5 to 1000 characters).")
            )
        member.status, member.rejection_reason = "rejected", reason
        member.identity.licence_claim = None  # a rejected registration frees its licence number
    else:
        raise InvalidInput.for_field("decision", _l("Choose verify or reject."))
    member.reviewed_at, member.reviewed_by_id = utcnow(), staff.id
    record(
        session,
        "member_verified" if decision == "verify" else "member_rejected",
        user=staff,
        subject=f"member {member.id}",
        detail=member.rejection_reason,
    )
    session.commit()
    return member


def set_identity_visibility(session: Session, member: MemberProfile, show: bool) -> None:
    """Let peers see the member's real name, or hide it again."""
    member.show_identity = show
    member.display_name = member.identity.full_name if show else None
    session.commit()


def peer_profile(session: Session, handle: str) -> MemberProfile:
    member = session.scalar(
        select(MemberProfile).where(MemberProfile.handle == handle, MemberProfile.status == "verified")
    )
    if member is None:
        raise NotFound(_l("No verified member has this handle."))
    return member


def system_reviewer(session: Session, hasher: Hasher) -> User:
    """The staff account that signs verifications made from the command line."""
    email = "system@pulse.invalid"
    user = session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user
    try:
        with session.begin_nested():  # two first verifications at once: one creates it, one reads it
            user = User(email=email, password_hash=hasher.hash(secrets.token_hex(32)), role="staff")
            session.add(user)
    except IntegrityError:
        user = session.scalars(select(User).where(User.email == email)).one()
    return user
