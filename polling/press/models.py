"""Poll reports as the press room serves them, their files, and journalists' followed topics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from polling.db import Base, UTCDateTime, utcnow
from polling.polls.models import Poll

STATUSES = ("draft", "published", "withdrawn")


class Report(Base):
    """The public report of one closed poll: built as a draft, then published or withdrawn by staff."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    input_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(20), index=True)
    countries: Mapped[str] = mapped_column(String(100))
    n: Mapped[int] = mapped_column(Integer)
    title_en: Mapped[str] = mapped_column(String(500))
    title_es: Mapped[str] = mapped_column(String(500))
    # {"en": ["sentence", ...], "es": [...]}: the headline sentences of each language
    sentences: Mapped[dict[str, Any]] = mapped_column(JSON)
    fieldwork_start: Mapped[datetime] = mapped_column(UTCDateTime)
    fieldwork_end: Mapped[datetime] = mapped_column(UTCDateTime)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    poll: Mapped[Poll] = relationship()
    files: Mapped[list[ReportFile]] = relationship(back_populates="report", cascade="all, delete-orphan")

    @property
    def country_codes(self) -> tuple[str, ...]:
        return tuple(self.countries.split())

    def title(self, locale: str) -> str:
        return self.title_es if locale.startswith("es") else self.title_en

    def sentences_in(self, locale: str) -> list[str]:
        return list(self.sentences.get("es" if locale.startswith("es") else "en", []))


class ReportFile(Base):
    """One rendered document of a report (PDF, HTML, CSV, XLSX, JSON, page fragment)."""

    __tablename__ = "report_files"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    report: Mapped[Report] = relationship(back_populates="files")


class TopicFollow(Base):
    """A journalist follows a topic of the press room."""

    __tablename__ = "topic_follows"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(20), primary_key=True)
