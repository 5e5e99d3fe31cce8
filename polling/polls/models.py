"""Polls, their options, and anonymous votes.

A vote row holds no member id: only a respondent key (an HMAC of member and poll under a server
secret), the chosen options, the day, and the member's weighting demographics at the time of the
vote, coarsened until at least k members who could have voted share them
(``polling.respondents.anonymity``). The unique constraint on (poll, respondent key) makes "one
vote per member" a fact of the database.

The chosen options are a bit mask of option positions (bit i = the option at position i). A poll's
options cannot change once it has votes, so positions are stable, and the results query is one
GROUP BY over an index of the votes table, with no join.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from polling.db import Base, UTCDateTime, utcnow

# 64-bit ids; on SQLite an INTEGER PRIMARY KEY, so the table is stored in id order.
VoteId = BigInteger().with_variant(Integer(), "sqlite")


def random_vote_id() -> int:
    """A vote id: 62 random bits (collisions are as likely as guessing a key)."""
    return secrets.randbits(62) + 1


TOPICS = ("network", "diagnosis", "burnout", "telemedicine", "workforce", "technology", "ethics", "other")


class Poll(Base):
    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_en: Mapped[str] = mapped_column(String(500))
    question_es: Mapped[str] = mapped_column(String(500))
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    topic: Mapped[str] = mapped_column(String(20), default="other")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    # proposed (by a member) → declined, or draft → published; scheduled/open/closed follow from
    # the times once published (see ``service.state``).
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Targeting as rows (polling.respondents.targeting): no row means every country / specialty.
    target_countries: Mapped[list[PollCountry]] = relationship(
        cascade="all, delete-orphan", order_by="PollCountry.position", lazy="selectin"
    )
    target_specialties: Mapped[list[PollSpecialty]] = relationship(
        cascade="all, delete-orphan", order_by="PollSpecialty.position", lazy="selectin"
    )
    options: Mapped[list[PollOption]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", order_by="PollOption.position"
    )

    @property
    def country_codes(self) -> tuple[str, ...]:
        return tuple(row.country for row in self.target_countries)

    @property
    def specialty_codes(self) -> tuple[str, ...]:
        return tuple(row.specialty for row in self.target_specialties)

    def set_targets(self, countries: tuple[str, ...], specialties: tuple[str, ...]) -> None:
        """Target these countries and specialties (empty: all), replacing the poll's rows."""
        if countries != self.country_codes:
            self.target_countries = [PollCountry(position=i, country=c) for i, c in enumerate(countries)]
        if specialties != self.specialty_codes:
            self.target_specialties = [
                PollSpecialty(position=i, specialty=s) for i, s in enumerate(specialties)
            ]

    def question(self, locale: str) -> str:
        return self.question_es if locale.startswith("es") else self.question_en


class PollCountry(Base):
    """A country a poll is for; a poll with none is for every country."""

    __tablename__ = "poll_countries"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PollSpecialty(Base):
    """A specialty a poll is for; a poll with none is for every specialty."""

    __tablename__ = "poll_specialties"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    specialty: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PollOption(Base):
    __tablename__ = "poll_options"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label_en: Mapped[str] = mapped_column(String(200))
    label_es: Mapped[str] = mapped_column(String(200))
    # Optional press wording, a predicate the report's sentence uses: "83% of UK physicians
    # <say collaborating through a global network would help them>". Not shown to voters.
    statement_en: Mapped[str | None] = mapped_column(String(300))
    statement_es: Mapped[str | None] = mapped_column(String(300))
    # An option that cannot be combined with others in a multiple-choice poll ("None of these").
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    poll: Mapped[Poll] = relationship(back_populates="options")

    def label(self, locale: str) -> str:
        return self.label_es if locale.startswith("es") else self.label_en


class Vote(Base):
    """One member's vote in one poll, with no link to the member but the keyed hash."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("poll_id", "respondent_key"),
        CheckConstraint("options_mask > 0 AND options_mask < 1024", name="options_mask_range"),
        Index(
            "ix_votes_poll_cell",
            "poll_id",
            "country",
            "specialty",
            "sex",
            "age_band",
            "practice_band",
            "options_mask",
        ),
    )

    # A random number, not a sequence: ids (and SQLite's row order, which follows them) carry no
    # order of voting (polling.respondents.anonymity).
    id: Mapped[int] = mapped_column(VoteId, primary_key=True, autoincrement=False, default=random_vote_id)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    respondent_key: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    specialty: Mapped[str] = mapped_column(String(40))
    sex: Mapped[str] = mapped_column(String(10))
    age_band: Mapped[str] = mapped_column(String(12))
    practice_band: Mapped[str] = mapped_column(String(12))
    options_mask: Mapped[int] = mapped_column(Integer)
    # The day, not the time: a finer time lines votes up with log-ins and tokens.
    cast_on: Mapped[date] = mapped_column(Date, default=lambda: utcnow().date())


class LiveResult(Base):
    """What an open poll's live results show: its votes counted by stored cell and options, as of
    the last time k new votes had come in (``polling.polls.privacy.release_steps``).

    Kept apart from the votes so that no vote row says whether it is among the latest.
    """

    __tablename__ = "live_results"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    votes: Mapped[int] = mapped_column(Integer)
    # [[country, specialty, sex, age_band, practice_band, options_mask, n], ...]
    cells: Mapped[list[list[Any]]] = mapped_column(JSON)


def options_mask(positions: list[int]) -> int:
    """The bit mask of chosen option positions."""
    return sum(1 << p for p in set(positions))
