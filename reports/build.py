"""Build a poll report (or a survey's question-by-question report) and write its documents."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import pandas as pd

from reports import __version__, numbers, wording
from reports.context import AUDIENCES, ReportContext, SurveyContext, WeightingRow
from reports.disclosure import disclosure
from reports.inputs import PollMeta, Release, check_responses, input_hash
from reports.press import press_sentences
from reports.renderers import FILE_NAMES, get_renderer
from reports.statistics import DIMENSIONS, BaseFigures, Breakdown, breakdown, country_breakdown, topline
from reports.suppression import MIN_POOL_BASE, pooled_countries
from reports.weighting import SETTINGS, PollWeighting, weight_poll

DEFAULT_FORMATS = ("pdf", "html", "json", "csv", "xlsx")


Context = TypeVar("Context", ReportContext, SurveyContext)


@dataclass(frozen=True)
class BuiltReport(Generic[Context]):
    """A built report: its context (a poll's or a survey's) and the files written (format → path)."""

    context: Context
    paths: dict[str, Path] = field(default_factory=dict)


def _check_options(
    audience: str, locale: Sequence[str], formats: Sequence[str], dimensions: Sequence[str]
) -> None:
    if audience not in AUDIENCES:
        raise ValueError(f"audience={audience!r}: use 'public' (small cells withheld) or 'staff'")
    bad = [x for x in locale if x not in wording.LOCALES]
    if bad or not locale or isinstance(locale, str):
        raise ValueError(
            f"locale={locale!r}: give a tuple of locales among {wording.LOCALES}, e.g. ('en', 'es')"
        )
    for name in formats:
        get_renderer(name)
    wrong = [d for d in dimensions if d not in DIMENSIONS]
    if wrong:
        raise ValueError(f"breakdowns {wrong}: use some of {', '.join(DIMENSIONS)}")


def build_context(
    meta: PollMeta,
    responses: pd.DataFrame,
    *,
    audience: str = "public",
    locale: Sequence[str] = ("en", "es"),
    version: str | None = None,
    statements: Mapping[str, Mapping[str, str]] | None = None,
    dimensions: Sequence[str] = DIMENSIONS,
    release: Release | None = None,
) -> ReportContext:
    """Statistics, sentences and disclosure of one poll, as a :class:`ReportContext`.

    Args:
        meta: the poll.
        responses: one row per vote (the input contract of :mod:`reports.inputs`).
        audience: "public" or "staff".
        locale: locales of the sentences and disclosure.
        version: Pulse version for the hash (default ``reports.__version__``).
        statements: optional press predicates per option (:func:`reports.press.press_sentences`).
        dimensions: breakdowns ("country", "specialty_group").
        release: where and when the report is published (URL, date, press contact) for the
            document's title block and citation line.

    Returns:
        The context.

    Raises:
        ValueError: an input that breaks the contract, or an unknown option value.

    Example:
        >>> build_context(meta, votes).topline.n  # doctest: +SKIP
        107

    Reference: AAPOR disclosure (2021); Pew margin of error; R survey for the variances.
    """
    _check_options(audience, locale, (), dimensions)
    votes = check_responses(meta, responses)
    figures = poll_figures(meta, votes, audience=audience, dimensions=dimensions)
    top, countries, breakdowns, pool = figures.topline, figures.countries, figures.breakdowns, figures.pool
    everyone = figures.everyone
    in_pool = votes[votes["country"].isin(pool)]
    counts = {"all": int(in_pool["specialty"].nunique())}
    counts.update({str(c): int(n) for c, n in votes.groupby("country")["specialty"].nunique().items()})
    sentences = press_sentences(meta, top, countries, counts, locales=tuple(locale), statements=statements)
    shown = {row.key: not row.withheld for row in countries.rows}
    pool_total = sum(c.population for c in everyone.countries if c.country in pool) or 1.0
    rows = tuple(
        WeightingRow(
            country=c.country,
            n=c.n if shown.get(c.country) else None,
            design_effect=_published(c.design_effect, 2) if shown.get(c.country) else None,
            effective_n=_published(c.effective_n, 0) if shown.get(c.country) else None,
            population_share=c.population / pool_total if c.country in pool else None,
            pooled=c.country in pool,
            margins=tuple(
                {
                    "variable": u.variable,
                    "used": u.used,
                    "coding": u.coding,
                    "levels": u.levels,
                    "source": u.source,
                    "year": u.year,
                    "notes": list(u.notes),
                }
                for u in c.margins
            ),
            missing=c.missing,
        )
        for c in everyone.countries
    )
    version = __version__ if version is None else str(version)
    settings = dict(SETTINGS) | {
        "dimensions": list(dimensions),
        "statements": statements or {},
        "min_pool_base": MIN_POOL_BASE,
    }
    digest = input_hash(meta, votes, frames=everyone.frames, settings=settings, version=version)
    return ReportContext(
        meta=meta,
        audience=audience,
        locales=tuple(locale),
        version=version,
        input_hash=digest,
        topline=top,
        breakdowns=breakdowns,
        sentences=sentences,
        disclosure=disclosure(
            meta, top, countries, everyone.countries, pool, locales=tuple(locale), release=release
        ),
        weighting=rows,
        specialty_count=counts["all"] if not top.withheld else 0,
        pooled_countries=pool,
        release=release or Release(),
    )


@dataclass(frozen=True)
class PollFigures:
    """A poll's published figures, shared by the report and the app's poll page and API.

    Attributes:
        topline: the pooled figures.
        countries: the country breakdown.
        breakdowns: the breakdowns asked for, in order (the country one included when asked).
        pool: countries in the pooled figures.
        everyone: the weighting of every vote (each country raked to its own frame).
    """

    topline: BaseFigures
    countries: Breakdown
    breakdowns: tuple[Breakdown, ...]
    pool: tuple[str, ...]
    everyone: PollWeighting


def poll_figures(
    meta: PollMeta,
    votes: pd.DataFrame,
    *,
    audience: str = "public",
    dimensions: Sequence[str] = DIMENSIONS,
    variance: bool = True,
) -> PollFigures:
    """The numbers of a poll — pooling, suppression, rounding, precision — with no words or documents.

    The report and the app's live results both call this, so a share and its precision read the
    same in the PDF, on the poll page and in the API.

    Args:
        meta: the poll.
        votes: checked votes (:func:`reports.inputs.check_responses`).
        audience: "public" or "staff".
        dimensions: breakdowns to compute.
        variance: compute standard errors and the tests against the rest (marks); the poll page
            does without them.

    Returns:
        A :class:`PollFigures`.

    Raises:
        ValueError: no votes.

    Example:
        >>> poll_figures(meta, check_responses(meta, df)).topline.n  # doctest: +SKIP

    Reference: :mod:`reports.suppression` (disclosure control), :mod:`reports.precision`.
    """
    everyone = weight_poll(votes, meta.specialties)
    sizes = {str(c): int(n) for c, n in votes.groupby("country", sort=False).size().items()}
    pool = pooled_countries({c: sizes[c] for c in meta.countries if c in sizes})
    if not pool and audience == "staff":  # staff see a poll's figures however few its votes
        pool = tuple(c for c in meta.countries if c in sizes)
    if not pool:
        pooled = None
    elif len(pool) == len(sizes):
        pooled = everyone
    else:
        pooled = weight_poll(votes[votes["country"].isin(pool)].reset_index(drop=True), meta.specialties)
    top = topline(pooled, meta, audience=audience, variance=variance)
    countries = country_breakdown(pooled, everyone, meta, pool, audience=audience, variance=variance)
    breakdowns = tuple(
        countries if d == "country" else breakdown(pooled, meta, d, audience=audience, variance=variance)
        for d in dimensions
    )
    return PollFigures(top, countries, breakdowns, pool, everyone)


def _published(value: float, digits: int) -> float:
    return numbers.round_half_up(value, digits)


def write(
    context: ReportContext | SurveyContext, out_dir: str | Path, formats: Sequence[str]
) -> dict[str, Path]:
    """Render ``context`` in each format into ``out_dir`` (report.pdf, report.html, report.json,
    tables.csv, tables.xlsx) and return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return {name: get_renderer(name)(context, out / FILE_NAMES[name]) for name in formats}


def build_poll_report(
    meta: PollMeta,
    responses: pd.DataFrame,
    *,
    audience: str = "public",
    locale: Sequence[str] = ("en", "es"),
    out_dir: str | Path | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    version: str | None = None,
    statements: Mapping[str, Mapping[str, str]] | None = None,
    release: Release | None = None,
) -> BuiltReport[ReportContext]:
    """Build a poll's report and, given ``out_dir``, write its documents.

    Args:
        meta: the poll.
        responses: one row per vote.
        audience: "public" (press room; cells under 10 withheld) or "staff".
        locale: locales, e.g. ("en", "es"); the first is the document's main language.
        out_dir: where to write; None builds the context only.
        formats: any of "pdf", "html", "json", "csv", "xlsx".
        version: Pulse version recorded in the hash (default ``reports.__version__``).
        statements: optional press predicates per option and locale.
        release: publication URL, date and press contact (:class:`reports.context.Release`).

    Returns:
        A :class:`BuiltReport` with the context and the paths written.

    Raises:
        ValueError: bad inputs or options (the message says which and how to fix it).
        KeyError: an unknown format.

    Example:
        >>> built = build_poll_report(meta, votes, out_dir="out")  # doctest: +SKIP
        >>> sorted(p.name for p in built.paths.values())  # doctest: +SKIP
        ['report.html', 'report.json', 'report.pdf', 'tables.csv', 'tables.xlsx']

    Reference: AAPOR Code (2021) disclosure; British Polling Council (full tables published).
    """
    _check_options(audience, locale, formats, DIMENSIONS)
    context = build_context(
        meta,
        responses,
        audience=audience,
        locale=locale,
        version=version,
        statements=statements,
        release=release,
    )
    return BuiltReport(context, write(context, out_dir, formats) if out_dir is not None else {})


def build_survey_report(
    questions: Sequence[tuple[PollMeta, pd.DataFrame]],
    *,
    title: str = "Survey results",
    audience: str = "public",
    locale: Sequence[str] = ("en", "es"),
    out_dir: str | Path | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    version: str | None = None,
    dimensions: Sequence[str] = ("country",),
) -> BuiltReport[SurveyContext]:
    """One document for several questions (a survey), each built as a poll with the same functions.

    Args:
        questions: (meta, responses) per question.
        title: the document's title.
        audience: "public" or "staff".
        locale: locales.
        out_dir: where to write; None builds the context only.
        formats: output formats.
        version: Pulse version recorded in the hashes.
        dimensions: breakdowns per question (country only by default).

    Returns:
        A :class:`BuiltReport` whose context is a :class:`reports.context.SurveyContext`.

    Raises:
        ValueError: no questions, or bad inputs.

    Example:
        >>> build_survey_report([(meta1, df1), (meta2, df2)], out_dir="out")  # doctest: +SKIP

    Reference: as :func:`build_poll_report`.
    """
    if not questions:
        raise ValueError("a survey report needs at least one (meta, responses) question")
    _check_options(audience, locale, formats, dimensions)
    contexts = tuple(
        build_context(m, r, audience=audience, locale=locale, version=version, dimensions=dimensions)
        for m, r in questions
    )
    digest = hashlib.sha256("".join(c.input_hash for c in contexts).encode()).hexdigest()
    context = SurveyContext(title=title, sections=contexts, input_hash=digest)
    return BuiltReport(context, write(context, out_dir, formats) if out_dir is not None else {})
