"""Paid surveys, their targets, honoraria and quota cells, and anonymous responses in long form.

A response row holds no member id: a respondent key (``polling.respondents.keys``), its status, the
page it is on and — once complete — its per-page timings and the member's weighting demographics,
generalised against the survey's crowd (``polling.respondents.anonymity``). While a response is in
progress its answers and timings are only a sealed blob (``sealed``, readable only with the
respondent-key secret); once complete its answers are rows of (response, question, item, value). Ids are random and only days are kept, so neither ids nor
times line responses up with log-ins or with the honoraria ledger.
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from polling.db import Base, UTCDateTime, utcnow
from polling.polls.models import VoteId, random_vote_id

RESPONSE_STATUSES = ("in_progress", "screened_out", "over_quota", "complete", "removed")
SURVEY_STATUSES = ("draft", "field", "closed")


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (CheckConstraint("status IN ('draft', 'field', 'closed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Texts per locale: {"en": ..., "es": ...}; the sponsor is never shown to members.
    topic: Mapped[dict[str, str]] = mapped_column(JSON)
    sponsor: Mapped[str] = mapped_column(String(200))
    pharmaceutical: Mapped[bool] = mapped_column(Boolean, default=False)
    length_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    target_completes: Mapped[int | None] = mapped_column(Integer)
    completes: Mapped[int] = mapped_column(Integer, default=0)
    questionnaire: Mapped[dict[str, Any]] = mapped_column(JSON)
    questionnaire_version: Mapped[int] = mapped_column(Integer, default=1)
    # A client study's survey is offered only to the members its invitation sample names.
    invitation_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    target_countries: Mapped[list[SurveyCountry]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    target_specialties: Mapped[list[SurveySpecialty]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    honoraria: Mapped[list[SurveyHonorarium]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    quota_cells: Mapped[list[QuotaCell]] = relationship(
        cascade="all, delete-orphan", order_by="QuotaCell.id", lazy="selectin"
    )

    @property
    def country_codes(self) -> tuple[str, ...]:
        return tuple(sorted(row.country for row in self.target_countries))

    @property
    def specialty_codes(self) -> tuple[str, ...]:
        return tuple(sorted(row.specialty for row in self.target_specialties))

    def honorarium_for(self, country: str) -> SurveyHonorarium | None:
        return next((h for h in self.honoraria if h.country == country), None)


class SurveyCountry(Base):
    """A country a survey is for; a survey with none is for every country."""

    __tablename__ = "survey_countries"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)


class SurveySpecialty(Base):
    """A specialty a survey is for; a survey with none is for every specialty."""

    __tablename__ = "survey_specialties"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    specialty: Mapped[str] = mapped_column(String(40), primary_key=True)


class SurveyHonorarium(Base):
    """What a qualifying complete pays a member of one country, in integer minor units."""

    __tablename__ = "survey_honoraria"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(Integer)


class QuotaCell(Base):
    """Completes wanted from members matching ``conditions``; a hard cell is never overfilled.

    ``conditions``: {"country": [...], "specialty": [...], "sex": [...], "age_band": [...],
    "answers": {"q1": ["a", "b"]}}; a missing key matches everyone.
    """

    __tablename__ = "quota_cells"
    __table_args__ = (
        UniqueConstraint("survey_id", "name"),
        CheckConstraint("filled >= 0", name="filled_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON)
    target: Mapped[int] = mapped_column(Integer)
    hard: Mapped[bool] = mapped_column(Boolean, default=True)
    filled: Mapped[int] = mapped_column(Integer, default=0)
    over_quota: Mapped[int] = mapped_column(Integer, default=0)


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "respondent_key"),
        CheckConstraint(
            "status IN ('in_progress', 'screened_out', 'over_quota', 'complete', 'removed')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(VoteId, primary_key=True, autoincrement=False, default=random_vote_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    respondent_key: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="in_progress")
    page: Mapped[str] = mapped_column(String(40))
    # Moves on every saved page: a page sent twice (a replay, a second tab) names an older step.
    step: Mapped[int] = mapped_column(Integer, default=0)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # Seconds spent per page id; the moment the current page was shown, kept only while in progress.
    timings: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    # While in progress: the answers (long form) and timings so far, sealed under a key derived from
    # the respondent-key secret and this row's respondent key (RespondentKeys.seal); NULL otherwise.
    sealed: Mapped[str | None] = mapped_column(Text)
    page_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answers_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    review: Mapped[str | None] = mapped_column(String(10))  # kept / removed, after a flag
    country: Mapped[str | None] = mapped_column(String(2))
    specialty: Mapped[str | None] = mapped_column(String(40))
    sex: Mapped[str | None] = mapped_column(String(10))
    age_band: Mapped[str | None] = mapped_column(String(12))
    practice_band: Mapped[str | None] = mapped_column(String(12))

    answers: Mapped[list[SurveyAnswer]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    flags: Mapped[list[QualityFlag]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class SurveyAnswer(Base):
    """One answer in long form: a question, an item (row, option or rank; "" for one value), a value."""

    __tablename__ = "survey_answers"
    # SQLite: stored in primary-key order (random response ids), not in the order answers were written.
    __table_args__ = ({"sqlite_with_rowid": False},)

    response_id: Mapped[int] = mapped_column(
        VoteId, ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question: Mapped[str] = mapped_column(String(40), primary_key=True)
    item: Mapped[str] = mapped_column(String(40), primary_key=True, default="")
    value: Mapped[str] = mapped_column(Text)


class QualityFlag(Base):
    """Why a complete looks doubtful (speeder, straight_lining, attention, gibberish, duplicate)."""

    __tablename__ = "quality_flags"

    response_id: Mapped[int] = mapped_column(
        VoteId, ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(20), primary_key=True)
    detail: Mapped[str] = mapped_column(String(300))
