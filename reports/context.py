"""The one object every output is rendered from: :class:`ReportContext`.

Layers: statistics (:mod:`reports.statistics`) → words (:mod:`reports.press`,
:mod:`reports.disclosure`) → this context → figures and documents (:mod:`reports.figures`,
:mod:`reports.renderers`). The context is frozen and :meth:`ReportContext.to_dict` gives its
JSON form, which is report.json.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reports.disclosure import DisclosureItem
from reports.inputs import PollMeta, Release
from reports.precision import METHOD as PRECISION_METHOD
from reports.press import PressSentence
from reports.statistics import BaseFigures, Breakdown

AUDIENCES = ("public", "staff")
__all__ = ["AUDIENCES", "Release", "ReportContext", "SurveyContext", "WeightingRow", "sections"]


@dataclass(frozen=True)
class WeightingRow:
    """One country's weighting as published (n and design effect None when withheld; ``pooled``:
    whether the country entered the pooled figures)."""

    country: str
    n: int | None
    design_effect: float | None
    effective_n: float | None
    population_share: float | None
    pooled: bool
    margins: tuple[dict[str, Any], ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class ReportContext:
    """Everything a poll report shows.

    Attributes:
        meta: the poll.
        audience: "public" (small cells withheld) or "staff" (everything, reasons shown).
        locales: the document's locales, first is the main one.
        version: Pulse version the numbers were made with.
        input_hash: SHA-256 of the inputs (:func:`reports.inputs.input_hash`).
        topline: the whole poll's figures.
        breakdowns: by country and by specialty group.
        sentences: press sentences.
        disclosure: the AAPOR disclosure elements.
        weighting: per-country weighting summary.
        specialty_count: distinct specialties among the pooled respondents.
        pooled_countries: the countries in the pooled figures (at least 30 respondents).
        release: URL, publication date and press contact of the document.
        labels: what the precision figure, design effect and effective n are.
    """

    meta: PollMeta
    audience: str
    locales: tuple[str, ...]
    version: str
    input_hash: str
    topline: BaseFigures
    breakdowns: tuple[Breakdown, ...]
    sentences: tuple[PressSentence, ...]
    disclosure: tuple[DisclosureItem, ...]
    weighting: tuple[WeightingRow, ...]
    specialty_count: int
    pooled_countries: tuple[str, ...] = ()
    release: Release = dataclasses.field(default_factory=Release)
    labels: dict[str, str] = dataclasses.field(
        default_factory=lambda: {
            "precision": PRECISION_METHOD,
            "design_effect": "Kish: n·Σw²/(Σw)²",
            "effective_n": "Kish: (Σw)²/Σw²",
        }
    )

    def breakdown(self, dimension: str) -> Breakdown | None:
        """The breakdown of ``dimension`` ("country" or "specialty_group"), if present."""
        return next((b for b in self.breakdowns if b.dimension == dimension), None)

    def sentences_in(self, locale: str) -> tuple[PressSentence, ...]:
        """The press sentences of one locale."""
        return tuple(s for s in self.sentences if s.locale == locale)

    def disclosure_in(self, locale: str) -> tuple[DisclosureItem, ...]:
        """The disclosure elements of one locale."""
        return tuple(d for d in self.disclosure if d.locale == locale)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of every number and text (NaN as None, dates ISO 8601).

        Example:
            >>> json.dumps(context.to_dict())  # doctest: +SKIP
        """
        out = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self) if f.name != "meta"}
        return {"meta": self.meta.to_dict(), **out}


@dataclass(frozen=True)
class SurveyContext:
    """Several questions of one survey, each a :class:`ReportContext`, rendered as one document."""

    title: str
    sections: tuple[ReportContext, ...]
    input_hash: str

    @property
    def audience(self) -> str:
        """The audience of every section."""
        return self.sections[0].audience

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales of every section."""
        return self.sections[0].locales

    def to_dict(self) -> dict[str, Any]:
        """JSON form: title, input hash and every section's :meth:`ReportContext.to_dict`."""
        return {
            "title": self.title,
            "input_hash": self.input_hash,
            "sections": [s.to_dict() for s in self.sections],
        }


def sections(context: ReportContext | SurveyContext) -> tuple[ReportContext, ...]:
    """The poll contexts a document holds (one for a poll report)."""
    return context.sections if isinstance(context, SurveyContext) else (context,)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value
