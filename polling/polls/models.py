"""Polls, their options, and anonymous votes.

A vote row holds no member id: only a respondent key (an HMAC of member and poll under a server
secret), the chosen options and the member's weighting demographics at the time of the vote. The
unique constraint on (poll, respondent key) makes "one vote per member" a fact of the database.

The chosen options are a bit mask of option positions (bit i = the option at position i). A poll's
options cannot change once it has votes, so positions are stable, and the results query is one
GROUP BY over an index of the votes table, with no join.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from polling.db import Base, UTCDateTime, utcnow

TOPICS = ("network", "diagnosis", "burnout", "telemedicine", "workforce", "technology", "ethics", "other")


class Poll(Base):
    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_en: Mapped[str] = mapped_column(String(500))
    question_es: Mapped[str] = mapped_column(String(500))
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    topic: Mapped[str] = mapped_column(String(20), default="other")
    # Space-separated codes; empty means every country / every specialty.
    countries: Mapped[str] = mapped_column(String(100), default="")
    specialties: Mapped[str] = mapped_column(Text, default="")
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

    options: Mapped[list[PollOption]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", order_by="PollOption.position"
    )

    @property
    def country_codes(self) -> tuple[str, ...]:
        return tuple(self.countries.split())

    @property
    def specialty_codes(self) -> tuple[str, ...]:
        return tuple(self.specialties.split())

    def question(self, locale: str) -> str:
        return self.question_es if locale.startswith("es") else self.question_en


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

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    respondent_key: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    specialty: Mapped[str] = mapped_column(String(40))
    sex: Mapped[str] = mapped_column(String(10))
    age_band: Mapped[str] = mapped_column(String(12))
    practice_band: Mapped[str] = mapped_column(String(12))
    options_mask: Mapped[int] = mapped_column(Integer)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def options_mask(positions: list[int]) -> int:
    """The bit mask of chosen option positions."""
    return sum(1 << p for p in set(positions))
