"""Polls: creating, proposing and reviewing them, the feed, eligibility and voting.

Plain functions over a session; they raise domain errors that the web and API layers turn into
answers. The respondent key is the only link between a vote and a member.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from polling.accounts.models import User
from polling.db import utcnow
from polling.errors import Conflict, Forbidden, InvalidInput, NotFound
from polling.i18n import country_name, specialty_name
from polling.members.demographics import age_band, practice_band
from polling.members.licences import COUNTRIES
from polling.members.models import MemberProfile
from polling.polls.models import TOPICS, Poll, PollOption, Vote, options_mask
from sampling.taxonomy import SPECIALTIES

MIN_OPTIONS, MAX_OPTIONS = 2, 10


def state(poll: Poll, now: datetime | None = None) -> str:
    """proposed, declined, draft, scheduled, open or closed."""
    if poll.status != "published":
        return poll.status
    now = now or utcnow()
    if now < poll.opens_at:
        return "scheduled"
    return "open" if now < poll.closes_at else "closed"


# --- respondent keys -------------------------------------------------------------------------


def respondent_key(secret: str, member_id: int, poll_id: int) -> str:
    """HMAC-SHA256 of member and poll under a key derived from the server secret.

    Without the secret a vote cannot be joined to a member, and one member's votes in two polls
    carry unrelated keys.
    """
    key = hmac.new(secret.encode(), b"pulse respondent key v1", hashlib.sha256).digest()
    return hmac.new(key, f"{member_id}:{poll_id}".encode(), hashlib.sha256).hexdigest()


# --- poll input -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollInput:
    question_en: str
    question_es: str
    options: tuple[tuple[str, str], ...]
    statements: tuple[tuple[str, str], ...]
    multiple: bool
    topic: str
    countries: tuple[str, ...]
    specialties: tuple[str, ...]
    opens_at: datetime
    closes_at: datetime
    featured: bool


def _text(raw: Mapping[str, object], name: str) -> str:
    value = raw.get(name)
    return str(value).strip() if value is not None else ""


def _list(raw: Mapping[str, object], name: str) -> list[str]:
    getlist = getattr(raw, "getlist", None)
    values = getlist(name) if getlist else raw.get(name) or []
    if isinstance(values, str):
        values = values.split()
    return [str(v).strip() for v in values if str(v).strip()]


def _time(raw: Mapping[str, object], name: str, errors: dict[str, list[object]]) -> datetime | None:
    value = raw.get(name)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[name] = [_l("Enter a date and time like 2026-03-01T09:00 (UTC).")]
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def validate_poll(raw: Mapping[str, object]) -> PollInput:
    """Check a poll's fields; raises InvalidInput naming each bad field."""
    errors: dict[str, list[object]] = {}
    question_en, question_es = _text(raw, "question_en"), _text(raw, "question_es")
    for name, value in (("question_en", question_en), ("question_es", question_es)):
        if not 10 <= len(value) <= 500:
            errors[name] = [_l("Write the question in 10 to 500 characters.")]
    labels_en, labels_es = _list(raw, "option_en"), _list(raw, "option_es")
    if len(labels_en) != len(labels_es):
        errors["options"] = [_l("Give every option in both English and Spanish.")]
    elif not MIN_OPTIONS <= len(labels_en) <= MAX_OPTIONS:
        errors["options"] = [
            _l("Give between %(low)d and %(high)d options.", low=MIN_OPTIONS, high=MAX_OPTIONS)
        ]
    elif any(len(label) > 200 for label in labels_en + labels_es):
        errors["options"] = [_l("Keep each option under 200 characters.")]
    elif len({label.lower() for label in labels_en}) != len(labels_en):
        errors["options"] = [_l("Two options have the same English wording.")]
    statements = _statements(raw, len(labels_en), errors)
    topic = _text(raw, "topic") or "other"
    if topic not in TOPICS:
        errors["topic"] = [_l("Choose a topic from the list.")]
    countries = [c.upper() for c in _list(raw, "countries")]
    if any(c not in COUNTRIES for c in countries):
        errors["countries"] = [_l("Choose countries from the list (or none for all nine).")]
    specialties = _list(raw, "specialties")
    if any(s not in SPECIALTIES for s in specialties):
        errors["specialties"] = [_l("Choose specialties from the list (or none for all).")]
    opens_at, closes_at = _time(raw, "opens_at", errors), _time(raw, "closes_at", errors)
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = [_l("The poll must close after it opens.")]
    if errors:
        raise InvalidInput(_l("The poll was not saved: correct the fields below."), fields=errors)
    return PollInput(
        question_en,
        question_es,
        tuple(zip(labels_en, labels_es)),
        statements,
        _flag(raw, "multiple"),
        topic,
        tuple(dict.fromkeys(countries)),
        tuple(dict.fromkeys(specialties)),
        opens_at,
        closes_at,  # type: ignore[arg-type]
        _flag(raw, "featured"),
    )


def _statements(
    raw: Mapping[str, object], count: int, errors: dict[str, list[object]]
) -> tuple[tuple[str, str], ...]:
    """Optional press wording per option, in both languages or neither; '' where none."""

    def padded(name: str) -> list[str]:
        getlist = getattr(raw, "getlist", None)
        values = getlist(name) if getlist else raw.get(name) or []
        values = [str(v).strip() for v in ([values] if isinstance(values, str) else values)]
        return (values + [""] * count)[:count]

    pairs = tuple(zip(padded("statement_en"), padded("statement_es")))
    if any(bool(en) != bool(es) for en, es in pairs):
        errors["statements"] = [
            _l("Give an option's press wording in both English and Spanish, or leave both empty.")
        ]
    elif any(len(en) > 300 or len(es) > 300 for en, es in pairs):
        errors["statements"] = [_l("Keep each press wording under 300 characters.")]
    return pairs


def _flag(raw: Mapping[str, object], name: str) -> bool:
    value = raw.get(name)
    return value is True or str(value).lower() in {"1", "true", "on", "yes"}


def _apply(poll: Poll, data: PollInput, *, wording: bool) -> None:
    if wording:
        poll.question_en, poll.question_es, poll.multiple = data.question_en, data.question_es, data.multiple
        poll.options = [
            PollOption(position=i, label_en=en, label_es=es) for i, (en, es) in enumerate(data.options)
        ]
    for option, (statement_en, statement_es) in zip(
        poll.options, data.statements
    ):  # editable after votes too
        option.statement_en, option.statement_es = statement_en or None, statement_es or None
    poll.topic, poll.featured = data.topic, data.featured
    poll.countries, poll.specialties = " ".join(data.countries), " ".join(data.specialties)
    poll.opens_at, poll.closes_at = data.opens_at, data.closes_at


def _require_staff(user: User) -> None:
    if user.role != "staff":
        raise Forbidden(_l("Only staff may manage polls."))


def create_poll(session: Session, staff: User, raw: Mapping[str, object], *, publish: bool = False) -> Poll:
    _require_staff(staff)
    poll = Poll(status="published" if publish else "draft")
    _apply(poll, validate_poll(raw), wording=True)
    session.add(poll)
    session.flush()
    return poll


def propose_poll(session: Session, member: User, raw: Mapping[str, object]) -> Poll:
    """A verified member proposes a poll; staff approve, edit or decline it."""
    if member.principal != "member":
        raise Forbidden(_l("Only verified members may propose polls."))
    poll = Poll(status="proposed", proposed_by_id=member.id)
    _apply(poll, validate_poll(raw), wording=True)
    poll.featured = False
    session.add(poll)
    session.flush()
    return poll


def vote_count(session: Session, poll_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Vote).where(Vote.poll_id == poll_id)) or 0


def update_poll(session: Session, staff: User, poll_id: int, raw: Mapping[str, object]) -> Poll:
    """Edit a poll. Once it has votes its question and options are fixed."""
    _require_staff(staff)
    poll = get_poll(session, poll_id)
    data = validate_poll(raw)
    has_votes = vote_count(session, poll.id) > 0
    same_wording = (data.question_en, data.question_es, data.multiple) == (
        poll.question_en,
        poll.question_es,
        poll.multiple,
    ) and data.options == tuple((o.label_en, o.label_es) for o in poll.options)
    if has_votes and not same_wording:
        raise Conflict(
            _l(
                "This poll already has votes: its question and options can no longer change. "
                "Close it and create a new poll instead."
            )
        )
    _apply(poll, data, wording=not same_wording)
    return poll


def publish(session: Session, staff: User, poll_id: int) -> Poll:
    _require_staff(staff)
    poll = get_poll(session, poll_id)
    if poll.status not in {"draft", "proposed"}:
        raise Conflict(_l("Only a draft or proposed poll can be published."))
    poll.status = "published"
    return poll


def decline(session: Session, staff: User, poll_id: int, reason: str) -> Poll:
    _require_staff(staff)
    poll = get_poll(session, poll_id)
    if poll.status != "proposed":
        raise Conflict(_l("Only a member's proposal can be declined."))
    reason = (reason or "").strip()
    if not 5 <= len(reason) <= 1000:
        raise InvalidInput.for_field("reason", _l("Tell the member why, in 5 to 1000 characters."))
    poll.status, poll.decline_reason = "declined", reason
    return poll


def close_now(session: Session, staff: User, poll_id: int) -> Poll:
    _require_staff(staff)
    poll = get_poll(session, poll_id)
    if state(poll) != "open":
        raise Conflict(_l("Only an open poll can be closed."))
    poll.closes_at = utcnow()
    return poll


# --- reading ------------------------------------------------------------------------------------


def get_poll(session: Session, poll_id: int) -> Poll:
    poll = session.get(Poll, poll_id, options=[joinedload(Poll.options)])
    if poll is None:
        raise NotFound(_l("No poll with this number."))
    return poll


def visible_poll(session: Session, user: User | None, poll_id: int) -> Poll:
    """A poll as a non-staff user may see it: published, or their own proposal."""
    poll = get_poll(session, poll_id)
    if poll.status == "published" or (user is not None and user.role == "staff"):
        return poll
    if user is not None and poll.proposed_by_id == user.id:
        return poll
    raise NotFound(_l("No poll with this number."))


def all_polls(session: Session) -> list[Poll]:
    return list(
        session.scalars(
            select(Poll).options(selectinload(Poll.options)).order_by(Poll.created_at.desc(), Poll.id.desc())
        )
    )


def proposals_of(session: Session, user: User) -> list[Poll]:
    return list(
        session.scalars(select(Poll).where(Poll.proposed_by_id == user.id).order_by(Poll.created_at.desc()))
    )


def _eligible_clause(member: MemberProfile):  # type: ignore[no-untyped-def]
    # Codes are stored space-separated; pad both sides so "US" never matches inside another code.
    padded_countries = " " + Poll.countries + " "
    padded_specialties = " " + Poll.specialties + " "
    return ((Poll.countries == "") | padded_countries.contains(f" {member.country} ")) & (
        (Poll.specialties == "") | padded_specialties.contains(f" {member.specialty} ")
    )


def feed(session: Session, member: MemberProfile | None) -> list[Poll]:
    """Open polls a member may vote in, featured first, then closing soonest."""
    now = utcnow()
    query = (
        select(Poll)
        .options(selectinload(Poll.options))
        .where(Poll.status == "published", Poll.opens_at <= now, Poll.closes_at > now)
    )
    if member is not None:
        query = query.where(_eligible_clause(member))
    return list(session.scalars(query.order_by(case((Poll.featured, 0), else_=1), Poll.closes_at, Poll.id)))


def recently_closed(session: Session, limit: int = 5) -> list[Poll]:
    now = utcnow()
    return list(
        session.scalars(
            select(Poll)
            .where(Poll.status == "published", Poll.closes_at <= now)
            .order_by(Poll.closes_at.desc())
            .limit(limit)
        )
    )


def ineligibility(poll: Poll, member: MemberProfile) -> object | None:
    """Why a verified member may not vote in a poll, or None."""
    if poll.country_codes and member.country not in poll.country_codes:
        return _l(
            "This poll is for physicians in %(countries)s.",
            countries=", ".join(country_name(c) for c in poll.country_codes),
        )
    if poll.specialty_codes and member.specialty not in poll.specialty_codes:
        names = ", ".join(specialty_name(s) for s in poll.specialty_codes[:5])
        return _l("This poll is for these specialties: %(names)s.", names=names)
    return None


def has_voted(session: Session, secret: str, member: MemberProfile, poll_id: int) -> bool:
    key = respondent_key(secret, member.id, poll_id)
    return bool(session.scalar(select(exists().where(Vote.poll_id == poll_id, Vote.respondent_key == key))))


# --- voting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CastVote:
    poll_id: int
    option_ids: tuple[int, ...]
    cast_at: datetime


def cast_vote(
    session: Session, secret: str, user: User, poll_id: int, option_ids: Sequence[object]
) -> CastVote:
    """Record a verified member's vote, once.

    Raises:
        Forbidden: the member is not verified or not targeted by the poll.
        NotFound: no such published poll.
        Conflict: the poll is not open, or the member has already voted.
        InvalidInput: no option, an unknown option, or several options in a single-choice poll.
    """
    member = user.member
    if member is None or member.status != "verified":
        raise Forbidden(_l("Only verified physicians can vote; yours is waiting for licence verification."))
    poll = visible_poll(session, user, poll_id)
    current = state(poll)
    if current == "scheduled":
        raise Conflict(
            _l(
                "This poll is not open yet: it opens on %(when)s UTC.",
                when=poll.opens_at.strftime("%Y-%m-%d %H:%M"),
            )
        )
    if current != "open":
        raise Conflict(_l("This poll is closed: votes are no longer accepted."))
    reason = ineligibility(poll, member)
    if reason is not None:
        raise Forbidden(reason)
    chosen = _chosen_options(poll, option_ids)
    key = respondent_key(secret, member.id, poll.id)
    year = utcnow().year
    cast_at = utcnow()
    # A Core INSERT: the hot path of the platform skips the unit of work it does not need.
    statement = insert(Vote).values(
        poll_id=poll.id,
        respondent_key=key,
        country=member.country,
        specialty=member.specialty,
        sex=member.sex,
        age_band=age_band(member.birth_year, year),
        practice_band=practice_band(member.licence_year, year),
        options_mask=options_mask([option.position for option in chosen]),
        cast_at=cast_at,
    )
    try:
        session.execute(statement)
    except IntegrityError:  # the unique (poll, respondent key) constraint: this member has voted
        session.rollback()
        raise Conflict(_l("You have already voted in this poll; each member votes once.")) from None
    return CastVote(poll.id, tuple(option.id for option in chosen), cast_at)


def _chosen_options(poll: Poll, option_ids: Sequence[object]) -> list[PollOption]:
    by_id = {option.id: option for option in poll.options}
    try:
        ids = [int(str(i)) for i in option_ids]
    except ValueError:
        raise InvalidInput.for_field("options", _l("Options are given by their numbers.")) from None
    if not ids:
        raise InvalidInput.for_field("options", _l("Choose an option before voting."))
    if len(set(ids)) != len(ids):
        raise InvalidInput.for_field("options", _l("The same option was chosen twice."))
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise InvalidInput.for_field(
            "options", _l("Option %(id)s is not an option of this poll.", id=unknown[0])
        )
    if len(ids) > 1 and not poll.multiple:
        raise InvalidInput.for_field("options", _l("This poll takes one answer: choose a single option."))
    return [by_id[i] for i in ids]
