"""Polls: creating, proposing and reviewing them, the feed and voting.

Plain functions over a session; each that writes commits its own unit of work, and they raise
domain errors that the web and API layers turn into answers. Who may take part is
:mod:`polling.respondents.targeting`'s; the respondent key (:mod:`polling.respondents.keys`) is the
only link between a vote and a member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from polling import policies
from polling.accounts.models import User
from polling.db import insert_unless_present, utcnow
from polling.errors import Conflict, Forbidden, InvalidInput, NotFound
from polling.members.models import MemberProfile
from polling.polls import privacy
from polling.polls.models import Poll, PollCountry, PollOption, PollSpecialty, Vote, options_mask
from polling.polls.validation import PollInput, validate_poll
from polling.respondents import targeting
from polling.respondents.keys import RespondentKeys

POLL_TARGETS = targeting.TargetColumns(
    PollCountry.poll_id, PollCountry.country, PollSpecialty.poll_id, PollSpecialty.specialty
)


def state(poll: Poll, now: datetime | None = None) -> str:
    """proposed, declined, draft, scheduled, open or closed."""
    if poll.status != "published":
        return poll.status
    now = now or utcnow()
    if now < poll.opens_at:
        return "scheduled"
    return "open" if now < poll.closes_at else "closed"


def _apply(poll: Poll, data: PollInput, *, wording: bool) -> None:
    if wording:
        poll.question_en, poll.question_es, poll.multiple = data.question_en, data.question_es, data.multiple
        poll.options = [
            PollOption(position=i, label_en=en, label_es=es, exclusive=i in data.exclusive)
            for i, (en, es) in enumerate(data.options)
        ]
    for option, (statement_en, statement_es) in zip(
        poll.options, data.statements
    ):  # editable after votes too
        option.statement_en, option.statement_es = statement_en or None, statement_es or None
    poll.topic, poll.featured = data.topic, data.featured
    poll.set_targets(data.countries, data.specialties)
    poll.opens_at, poll.closes_at = data.opens_at, data.closes_at


def create_poll(session: Session, staff: User, raw: Mapping[str, object], *, publish: bool = False) -> Poll:
    policies.require(staff, "poll.manage")
    poll = Poll(status="published" if publish else "draft")
    _apply(poll, validate_poll(raw), wording=True)
    session.add(poll)
    session.commit()
    return poll


def propose_poll(session: Session, member: User, raw: Mapping[str, object]) -> Poll:
    """A verified member proposes a poll; staff approve, edit or decline it."""
    if member.principal != "member":
        raise Forbidden(_l("Only verified members may propose polls."))
    poll = Poll(status="proposed", proposed_by_id=member.id)
    _apply(poll, validate_poll(raw), wording=True)
    poll.featured = False
    session.add(poll)
    session.commit()
    return poll


def vote_count(session: Session, poll_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Vote).where(Vote.poll_id == poll_id)) or 0


def update_poll(session: Session, staff: User, poll_id: int, raw: Mapping[str, object]) -> Poll:
    """Edit a poll. Once it has votes its question, options and targeting are fixed."""
    policies.require(staff, "poll.manage")
    poll = get_poll(session, poll_id)
    data = validate_poll(raw)
    has_votes = vote_count(session, poll.id) > 0
    same_wording = (data.question_en, data.question_es, data.multiple) == (
        poll.question_en,
        poll.question_es,
        poll.multiple,
    ) and data.options == tuple((o.label_en, o.label_es) for o in poll.options)
    same_wording = same_wording and data.exclusive == tuple(o.position for o in poll.options if o.exclusive)
    if has_votes and not same_wording:
        raise Conflict(
            _l(
                "This poll already has votes: its question and options can no longer change. "
                "Close it and create a new poll instead."
            )
        )
    if has_votes and (data.countries, data.specialties) != (poll.country_codes, poll.specialty_codes):
        raise Conflict(
            _l(
                "This poll already has votes: the countries and specialties it is for can no longer "
                "change. Close it and create a new poll instead."
            )
        )
    _apply(poll, data, wording=not same_wording)
    session.commit()
    return poll


def publish(session: Session, staff: User, poll_id: int) -> Poll:
    policies.require(staff, "poll.manage")
    poll = get_poll(session, poll_id)
    if poll.status not in {"draft", "proposed"}:
        raise Conflict(_l("Only a draft or proposed poll can be published."))
    poll.status = "published"
    session.commit()
    return poll


def decline(session: Session, staff: User, poll_id: int, reason: str) -> Poll:
    policies.require(staff, "poll.manage")
    poll = get_poll(session, poll_id)
    if poll.status != "proposed":
        raise Conflict(_l("Only a member's proposal can be declined."))
    reason = (reason or "").strip()
    if not 5 <= len(reason) <= 1000:
        raise InvalidInput.for_field("reason", _l("Tell the member why, in 5 to 1000 characters."))
    poll.status, poll.decline_reason = "declined", reason
    session.commit()
    return poll


def close_now(session: Session, staff: User, poll_id: int) -> Poll:
    policies.require(staff, "poll.manage")
    poll = get_poll(session, poll_id)
    if state(poll) != "open":
        raise Conflict(_l("Only an open poll can be closed."))
    poll.closes_at = utcnow()
    session.commit()
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
    if policies.can(user, "poll.view", poll) or poll.status == "published":
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


def feed(session: Session, member: MemberProfile | None) -> list[Poll]:
    """Open polls a member may vote in, featured first, then closing soonest."""
    now = utcnow()
    query = (
        select(Poll)
        .options(selectinload(Poll.options))
        .where(Poll.status == "published", Poll.opens_at <= now, Poll.closes_at > now)
    )
    if member is not None:
        query = query.where(targeting.eligible_clause(POLL_TARGETS, Poll.id, member))
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


def has_voted(session: Session, keys: RespondentKeys, member: MemberProfile, poll_id: int) -> bool:
    key = keys.key("poll", poll_id, member.id)
    return bool(session.scalar(select(exists().where(Vote.poll_id == poll_id, Vote.respondent_key == key))))


# --- voting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CastVote:
    poll_id: int
    option_ids: tuple[int, ...]
    cast_at: datetime


def cast_vote(
    session: Session, keys: RespondentKeys, user: User, poll_id: int, option_ids: Sequence[object]
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
    reason = targeting.ineligibility(poll, member)
    if reason is not None:
        raise Forbidden(reason)
    chosen = _chosen_options(poll, option_ids)
    cast_at = utcnow()
    # A Core INSERT that the unique (poll, respondent key) constraint decides: no exception, no
    # savepoint, and the caller's session is never rolled back.
    stored = insert_unless_present(
        session,
        Vote,
        ("poll_id", "respondent_key"),
        poll_id=poll.id,
        respondent_key=keys.key("poll", poll.id, member.id),
        **privacy.stored_vote(session, poll, member, cast_at),
        options_mask=options_mask([option.position for option in chosen]),
    )
    if not stored:
        raise Conflict(_l("You have already voted in this poll; each member votes once."))
    session.commit()
    privacy.release_after_vote(session, poll.id)  # live results move once k new votes are in
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
    sole = [by_id[i] for i in ids if by_id[i].exclusive]
    if sole and len(ids) > 1:
        raise InvalidInput.for_field(
            "options",
            _l(
                "“%(option)s” cannot be combined with other answers: choose it alone.",
                option=sole[0].label_en,
            ),
        )
    return [by_id[i] for i in ids]
