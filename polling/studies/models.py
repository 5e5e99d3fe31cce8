"""A client organisation's study: the brief, its target cells, versions, review, invitations.

A study is drafted by a research client, priced (feasibility and a quote), reviewed by staff and,
once approved, fielded as a paid survey (``polling.surveys``): ``Study.survey_id`` names it. The
invitation sample names members (who was asked, and how far each got — the AAPOR disposition);
the answers live in ``survey_responses`` under respondent keys and never name a member.

Statuses move forward: draft → submitted → (returned → submitted …) → approved → field ⇄ paused →
closed. Dispositions move forward only (:data:`DISPOSITION_RANK`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from polling.db import Base, UTCDateTime, utcnow

STUDY_STATUSES = ("draft", "submitted", "returned", "approved", "field", "paused", "closed")
SPONSOR_TYPES = ("pharmaceutical", "device", "academic", "public_body", "agency")
LANGUAGES = ("en", "es")

# An invitee's disposition only ever moves to a higher rank (a complete removed for quality is the
# one move out of "complete"). Equal ranks are alternative endings of the same stage.
DISPOSITION_RANK: dict[str, int] = {
    "invited": 0,
    "bounced": 1,
    "opened": 1,
    "started": 2,
    "partial": 3,
    "refused": 4,
    "screened_out": 4,
    "over_quota": 4,
    "complete": 4,
    "removed": 5,
}
DISPOSITIONS = tuple(DISPOSITION_RANK)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Study(Base):
    __tablename__ = "studies"
    __table_args__ = (
        CheckConstraint(_in("status", STUDY_STATUSES), name="status"),
        CheckConstraint(_in("sponsor_type", SPONSOR_TYPES), name="sponsor_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("client_organisations.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    objectives: Mapped[str] = mapped_column(Text, default="")
    sponsor_name: Mapped[str] = mapped_column(String(200), default="")
    sponsor_type: Mapped[str] = mapped_column(String(20), default="agency")
    # Whether respondents may be told who the sponsor is (never by default).
    sponsor_named: Mapped[bool] = mapped_column(Boolean, default=False)
    # The questionnaire document (polling.surveys.questionnaire); None until one is written.
    questionnaire: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sample_size: Mapped[int] = mapped_column(Integer, default=0)
    field_start: Mapped[date | None] = mapped_column(Date)
    field_end: Mapped[date | None] = mapped_column(Date)
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en"])
    length_minutes: Mapped[int] = mapped_column(Integer, default=15)
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    # Every save of a draft is a new version (StudyVersion keeps each one).
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The quote the client accepted, frozen as shown (amounts in minor units, currency, rate date).
    accepted_quote: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    review_comment: Mapped[str | None] = mapped_column(Text)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cells: Mapped[list[StudyCell]] = relationship(
        cascade="all, delete-orphan", order_by="StudyCell.id", lazy="selectin"
    )

    @property
    def country_codes(self) -> tuple[str, ...]:
        return tuple(sorted({cell.country for cell in self.cells}))

    @property
    def specialty_codes(self) -> tuple[str, ...]:
        return tuple(sorted({cell.specialty for cell in self.cells}))


def move_status(session: Session, study: Study, allowed: tuple[str, ...], to: str) -> bool:
    """Set ``study``'s status to ``to`` if it is still one of ``allowed``; False if another request
    changed it first (the database decides, not what this session last read). Does not commit."""
    moved = session.execute(
        update(Study)
        .where(Study.id == study.id, Study.status.in_(allowed))
        .values(status=to, updated_at=utcnow())
        .returning(Study.id)
        .execution_options(synchronize_session=False)
    ).first()
    if moved is not None:
        session.refresh(study)
    return moved is not None


class StudyCell(Base):
    """One target cell: a country × specialty (optionally one sex or age band) with its quota."""

    __tablename__ = "study_cells"
    __table_args__ = (
        UniqueConstraint("study_id", "country", "specialty", "sex", "age_band"),
        CheckConstraint("target > 0", name="target_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    country: Mapped[str] = mapped_column(String(2))
    specialty: Mapped[str] = mapped_column(String(40))
    sex: Mapped[str | None] = mapped_column(String(10))
    age_band: Mapped[str | None] = mapped_column(String(12))
    target: Mapped[int] = mapped_column(Integer)
    hard: Mapped[bool] = mapped_column(Boolean, default=True)


class StudyVersion(Base):
    """A saved draft, whole, as the client left it: drafts are versioned, never overwritten."""

    __tablename__ = "study_versions"

    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


class StudyEvent(Base):
    """The study's history as its client and staff see it: submitted, returned (with comments), …"""

    __tablename__ = "study_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invitation(Base):
    """One member invited to one fielded study, and how far they got (the AAPOR disposition).

    A member is never invited twice to one study (the unique constraint). Only the days of waves and
    reminders are kept — never the day a disposition changed, which would line an invitee up with
    the day their anonymous response ended.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("study_id", "member_id"),
        CheckConstraint(_in("disposition", DISPOSITIONS), name="disposition"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("study_cells.id", ondelete="SET NULL"))
    wave: Mapped[int] = mapped_column(Integer, default=1)
    disposition: Mapped[str] = mapped_column(String(12), default="invited")
    invited_on: Mapped[date] = mapped_column(Date)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    # Set once the invitation e-mail has been handed to the mail server (never sent twice).
    mailed_on: Mapped[date | None] = mapped_column(Date)


class FairMarketValue(Base):
    """Honorarium for a given length, per country and specialty group (shipped data, staff-editable).

    ``minor_per_hour`` in the country's currency; the honorarium for an interview of L minutes is
    ``minor_per_hour * L / 60`` rounded up to a whole unit.
    """

    __tablename__ = "fair_market_values"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    specialty_group: Mapped[str] = mapped_column(String(40), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    minor_per_hour: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300))
    year: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ExchangeRate(Base):
    """Units of ``currency`` per one euro on ``on`` (shipped data with its source; staff-editable)."""

    __tablename__ = "exchange_rates"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    on: Mapped[date] = mapped_column(Date, primary_key=True)
    per_euro: Mapped[float] = mapped_column()
    source: Mapped[str] = mapped_column(String(300))


class InvitationCap(Base):
    """How many study invitations a member accepts per 30 days (absent: the default cap)."""

    __tablename__ = "invitation_caps"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    per_30_days: Mapped[int] = mapped_column(Integer)


__all__ = [
    "DISPOSITIONS",
    "DISPOSITION_RANK",
    "SPONSOR_TYPES",
    "STUDY_STATUSES",
    "ExchangeRate",
    "FairMarketValue",
    "Invitation",
    "InvitationCap",
    "Study",
    "StudyCell",
    "StudyEvent",
    "StudyVersion",
]
