"""What the HTML and PDF template shows: formatted strings and charts, from the context only.

One language per document: the context's first locale. Every number is formatted by
:mod:`reports.numbers` from the published (rounded) figures, so a share reads the same on the
page, in the PDF and in the CSV.
"""

from __future__ import annotations

import base64
import html
from typing import Any

from reports import figures, numbers, wording
from reports.context import ReportContext, SurveyContext, sections
from reports.precision import SHORT_LABEL
from reports.statistics import BaseFigures, Breakdown
from reports.suppression import FLAG_BASE, MIN_CELL, SMALL_BASE
from reports.templates import report_environment

HEADINGS = {
    "en": {
        "option": "Answer",
        "weighted": "Weighted %",
        "precision": "95% credibility interval",
        "n": "n",
        "neff": "effective n",
        "deff": "design effect",
        "country": "By country",
        "specialty_group": "By specialty group",
        "topline": "All respondents in the pooled figures",
        "headlines": "Key findings",
        "disclosure": "How this poll was done",
        "hash": "Input hash (SHA-256)",
        "withheld": "withheld",
        "hedged": "too few respondents for a percentage",
        "not_pooled": "not in the pooled figures",
        "small": f"* small base (under {FLAG_BASE} respondents or effective respondents): read with caution",
        "marks": "▲/▼ significantly higher/lower than the other respondents (5% level)",
        "blank": f"Withheld: fewer than {MIN_CELL} respondents, or a figure that would reveal one. No "
        f"percentage is given for fewer than {SMALL_BASE} respondents or effective respondents.",
        "staff": "STAFF COPY — contains figures withheld from public outputs.",
        "poll": "Poll",
        "base": "Base",
        "fieldwork": "Fieldwork",
        "published": "Published",
        "cite": "How to cite",
        "contact": "Press contact",
        "url": "Report online",
        "kicker": "Pulse physician poll",
        "physicians": "physicians",
    },
    "es": {
        "option": "Respuesta",
        "weighted": "% ponderado",
        "precision": "Intervalo de credibilidad del 95 %",
        "n": "n",
        "neff": "n efectiva",
        "deff": "efecto de diseño",
        "country": "Por país",
        "specialty_group": "Por grupo de especialidad",
        "topline": "Todos los encuestados de las cifras combinadas",
        "headlines": "Resultados principales",
        "disclosure": "Cómo se hizo esta encuesta",
        "hash": "Huella de los datos (SHA-256)",
        "withheld": "no publicado",
        "hedged": "demasiado pocos encuestados para un porcentaje",
        "not_pooled": "fuera de las cifras combinadas",
        "small": f"* base pequeña (menos de {FLAG_BASE} encuestados o encuestados efectivos): interpretar "
        "con cautela",
        "marks": "▲/▼ significativamente mayor/menor que el resto de encuestados (nivel del 5 %)",
        "blank": f"No publicado: menos de {MIN_CELL} encuestados, o una cifra que permitiría deducirla. No se "
        f"da porcentaje con menos de {SMALL_BASE} encuestados o encuestados efectivos.",
        "staff": "COPIA INTERNA — contiene cifras que no se publican.",
        "poll": "Encuesta",
        "base": "Base",
        "fieldwork": "Trabajo de campo",
        "published": "Publicado",
        "cite": "Cómo citar",
        "contact": "Contacto de prensa",
        "url": "Informe en línea",
        "kicker": "Encuesta médica de Pulse",
        "physicians": "médicos",
    },
}
MARK_SYMBOL = {"higher": "▲", "lower": "▼"}


def _share_cell(base: BaseFigures, option: str, locale: str) -> dict[str, str]:
    e = next(x for x in base.estimates if x.option == option)
    if not base.shares_published or e.share is None:
        return {"share": "", "precision": "", "mark": ""}
    return {
        "share": numbers.percent(e.share, locale),
        "precision": "" if e.precision is None else e.precision.text(locale),
        "mark": MARK_SYMBOL.get(e.mark or "", ""),
    }


def _note(base: BaseFigures, locale: str) -> str:
    h = HEADINGS[locale]
    if base.withheld:
        return h["withheld"]
    parts = []
    if base.suppressed:
        parts.append("⚠ " + base.suppressed)
    if not base.shares_published:
        parts.append(h["hedged"])
    if not base.pooled:
        parts.append(h["not_pooled"])
    return "; ".join(parts)


def _breakdown_rows(context: ReportContext, table: Breakdown, locale: str) -> list[dict[str, Any]]:
    return [
        {
            "label": r.label[locale] + ("*" if r.small and not r.withheld else ""),
            "n": "" if r.n is None else numbers.integer(r.n, locale),
            "cells": [_share_cell(r, k, locale) for k in context.meta.option_keys],
            "note": _note(r, locale),
        }
        for r in table.rows
    ]


def document_title(context: ReportContext, locale: str) -> str:
    """The document's title: the poll's question."""
    return context.meta.question_text(locale)


def citation(context: ReportContext, locale: str) -> str:
    """The "How to cite" line: publisher, year, title, base, fieldwork, URL.

    Example:
        >>> citation(context, "en")  # doctest: +SKIP
        'Pulse (2026). “Would …?” Poll of 1,234 physicians, 4–25 August 2014. https://…/press/3'
    """
    release, meta, top = context.release, context.meta, context.topline
    question = meta.question_text(locale)
    year = release.published_on.year
    base = "" if top.n is None else numbers.integer(top.n, locale)
    fieldwork = wording.fieldwork(meta.opens_at, meta.closes_at, locale)
    if locale == "en":
        text = f"{release.publisher} ({year}). “{question}” Poll of {base} physicians, fieldwork {fieldwork}."
    else:
        text = f"{release.publisher} ({year}). «{question}» Encuesta a {base} médicos, trabajo de campo {fieldwork}."
    return text + (f" {release.url}" if release.url else "")


def _svg_img(markup: str, alt: str) -> str:
    """An SVG as an <img> data URI with its text alternative (PDF/UA and screen readers read it)."""
    data = base64.b64encode(markup.encode("utf-8")).decode("ascii")
    return f'<img class="chart" alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}">'


def chart_figures(context: ReportContext, *, survey: bool = False) -> list[Any]:
    """The figures of one question's block: the topline, and the leading option by country when
    several countries have published percentages (a survey's block keeps only the latter)."""
    locale = context.locales[0]
    top = context.topline
    charts: list[Any] = []
    if top.estimates and top.shares_published:
        table = context.breakdown("country")
        lead = max(top.estimates, key=lambda e: e.share or 0).option
        by_country = table is not None and sum(1 for r in table.rows if r.shares_published) > 1
        if not (survey and by_country):
            charts.append(figures.topline_figure(context, locale))
        if by_country:
            charts.append(figures.breakdown_figure(context, "country", lead, locale))
    return charts


def _section(context: ReportContext, index: int, svgs: list[str], survey: bool) -> dict[str, Any]:
    """One question's block, in the document's language only."""
    locale = context.locales[0]
    top = context.topline
    figs = chart_figures(context, survey=survey)
    rendered = [_svg_img(markup, figures.alt_text(f)) for markup, f in zip(svgs, figs)]
    topline_rows = []
    for e in top.estimates:
        cell = _share_cell(top, e.option, locale)
        topline_rows.append({"option": context.meta.option_text(e.option, locale), **cell})
    h = HEADINGS[locale]
    base_line = ""
    if top.n is not None and not top.withheld:
        base_line = f"n = {numbers.integer(top.n, locale)}"
        if top.effective_n is not None:
            base_line += f"; {h['neff']} {numbers.integer(int(top.effective_n), locale)}"
        if top.design_effect is not None:
            base_line += f"; {h['deff']} {numbers.decimal(top.design_effect, locale, 2)}"
    notes = []
    if context.meta.multiple:
        notes.append(figures.MULTIPLE_NOTE[locale])
    notes += [h["small"], h["marks"], h["blank"]]
    return {
        "index": index,
        "meta": context.meta,
        "question": context.meta.question_text(locale),
        "fieldwork": f"{wording.date(context.meta.opens_at, locale)} – {wording.date(context.meta.closes_at, locale)}",
        "sentences": [s.text for s in context.sentences_in(locale) if not survey or s.scope == "all"],
        "charts": rendered,
        "topline": topline_rows,
        "base": base_line,
        "n": "" if top.n is None else numbers.integer(top.n, locale),
        "topline_shown": top.shares_published,
        "options": [context.meta.option_text(k, locale) for k in context.meta.option_keys],
        "breakdowns": [
            {"key": b.dimension, "rows": _breakdown_rows(context, b, locale)}
            for b in context.breakdowns
            if b.rows
        ],
        "notes": notes,
        "disclosure": () if survey else context.disclosure_in(locale),
        "hash": context.input_hash,
        "precision_label": SHORT_LABEL[locale],
    }


def _survey_methods(parts: tuple[ReportContext, ...]) -> list[Any]:
    """The disclosure shared by a survey's questions (from the first; wording is shown per question)."""
    first = parts[0]
    locale = first.locales[0]
    note = {
        "en": "The exact wording and options of each question are shown above its tables.",
        "es": "La redacción exacta y las opciones de cada pregunta figuran sobre sus tablas.",
    }
    return [
        d if d.key != "question" else type(d)(d.key, d.locale, d.title, note[locale])
        for d in first.disclosure_in(locale)
    ]


def document_data(context: ReportContext | SurveyContext, mode: str) -> dict[str, Any]:
    """The template's variables for ``mode`` "pdf" or "html" (both with static SVG charts).

    Example:
        >>> document_data(context, "pdf")["lang"]  # doctest: +SKIP
        'en'
    """
    if mode not in ("pdf", "html"):
        raise ValueError(f"mode={mode!r}: use 'pdf' or 'html'")
    parts = sections(context)
    locale = context.locales[0]
    survey = len(parts) > 1
    title = context.title if isinstance(context, SurveyContext) else document_title(parts[0], locale)
    # Every chart of the document in one batch: Chromium draws several at once.
    per_section = [chart_figures(s, survey=survey) for s in parts]
    markups = iter(figures.svgs([f for fs in per_section for f in fs]))
    drawn = [[next(markups) for _ in fs] for fs in per_section]
    first = parts[0]
    release = first.release
    h = HEADINGS[locale]
    countries = wording.population(first.pooled_countries, locale) if first.pooled_countries else ""
    subtitle = f"{h['kicker']} · {wording.fieldwork(first.meta.opens_at, first.meta.closes_at, locale)}"
    if not survey and first.topline.n:
        subtitle += f" · n = {numbers.integer(first.topline.n, locale)}"
    return {
        "fragment": False,
        "mode": mode,
        "lang": locale,
        "title": title,
        "subtitle": subtitle,
        "population": countries,
        "published": wording.date(release.published_on, locale),
        "url": release.url or "",
        "contact": release.press_contact,
        "citation": citation(first, locale) if not survey else "",
        "h": h,
        "audience": context.audience,
        "sections": [_section(s, i, drawn[i], survey) for i, s in enumerate(parts)],
        "methods": _survey_methods(parts) if survey else [],
        "hash": context.input_hash,
    }


def html_fragment(context: ReportContext) -> str:
    """The report's body for a page of the app: no script, charts as SVG images with text alternatives.

    The page around the fragment shows the title and the headline sentences; the fragment keeps
    the figures, tables, the methodology and the citation, in the context's language.

    Example:
        >>> "<script" in html_fragment(context)  # doctest: +SKIP
        False
    """
    data = document_data(context, "html") | {"fragment": True}
    for section in data["sections"]:
        section["sentences"] = []
    return report_environment().get_template("report.html").render(**data)
