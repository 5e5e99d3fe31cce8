"""What the HTML and PDF template shows: formatted strings and charts, from the context only."""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

from reports import figures, wording
from reports.context import ReportContext, SurveyContext, sections
from reports.statistics import BaseFigures, Breakdown

HEADINGS = {
    "en": {
        "option": "Option",
        "weighted": "Weighted %",
        "interval": "95% interval",
        "raw": "Raw %",
        "moe": "MOE ±",
        "row": "",
        "n": "n",
        "neff": "Effective n",
        "deff": "Design effect",
        "country": "By country",
        "specialty_group": "By specialty group",
        "topline": "All respondents",
        "headlines": "Headlines",
        "disclosure": "About this poll",
        "hash": "Input hash (SHA-256)",
        "withheld": "withheld",
        "small": "* base under 30 respondents: read with caution",
        "marks": "▲/▼ significantly higher/lower than the rest of the respondents (5% level)",
        "blank": "Blank: withheld (fewer than 10 respondents, or would reveal such a figure).",
        "staff": "STAFF COPY — contains figures withheld from public outputs.",
        "poll": "Poll",
        "base": "Base",
        "fieldwork": "Fieldwork",
    },
    "es": {
        "option": "Opción",
        "weighted": "% ponderado",
        "interval": "Intervalo 95 %",
        "raw": "% bruto",
        "moe": "Margen ±",
        "row": "",
        "n": "n",
        "neff": "n efectiva",
        "deff": "Efecto de diseño",
        "country": "Por país",
        "specialty_group": "Por grupo de especialidad",
        "topline": "Todos los encuestados",
        "headlines": "Titulares",
        "disclosure": "Sobre esta encuesta",
        "hash": "Huella de los datos (SHA-256)",
        "withheld": "no publicado",
        "small": "* base de menos de 30 encuestados: interpretar con cautela",
        "marks": "▲/▼ significativamente mayor/menor que el resto de encuestados (nivel del 5 %)",
        "blank": "En blanco: no publicado (menos de 10 encuestados, o permitiría deducir una cifra así).",
        "staff": "COPIA INTERNA — contiene cifras que no se publican.",
        "poll": "Encuesta",
        "base": "Base",
        "fieldwork": "Trabajo de campo",
    },
}
MARK_SYMBOL = {"higher": "▲", "lower": "▼"}


def _num(value: float | None, locale: str, digits: int = 1) -> str:
    return "" if value is None else wording.decimal(value, locale, digits)


def _pct(value: float | None, locale: str) -> str:
    return "" if value is None else wording.decimal(100 * value, locale, 1)


def _topline_rows(context: ReportContext, base: BaseFigures, locale: str) -> list[dict[str, str]]:
    rows = []
    for e in base.estimates:
        interval = "" if e.ci_low is None else f"{_pct(e.ci_low, locale)}–{_pct(e.ci_high, locale)}"
        rows.append(
            {
                "option": context.meta.option_text(e.option, locale),
                "weighted": _pct(e.share, locale),
                "interval": interval,
                "raw": _pct(e.raw_share, locale),
                "moe": "" if e.moe is None else wording.points(e.moe, locale),
            }
        )
    return rows


def _breakdown_rows(table: Breakdown, locale: str) -> list[dict[str, Any]]:
    rows = []
    for r in table.rows:
        cells = [
            ("" if e.share is None else _pct(e.share, locale) + (MARK_SYMBOL.get(e.mark or "", "")))
            for e in r.estimates
        ]
        rows.append(
            {
                "label": r.label[locale] + ("*" if r.small and not r.withheld else ""),
                "n": "" if r.n is None else wording.integer(r.n, locale),
                "cells": cells,
                "moe": "" if r.moe is None else wording.points(r.moe, locale),
                "note": (
                    HEADINGS[locale]["withheld"]
                    if r.withheld
                    else ("⚠ " + r.suppressed if r.suppressed else "")
                ),
            }
        )
    return rows


def _section(
    context: ReportContext, mode: str, index: int, survey: bool = False, svgs: list[str] | None = None
) -> dict[str, Any]:
    """One question's block. In a survey document: the headline for all respondents only, one
    chart (by country when there are several), and the disclosure once at the end."""
    locale = context.locales[0]
    top = context.topline
    if mode == "pdf":
        rendered = [
            _svg_img(markup)
            for markup in (svgs if svgs is not None else figures.svgs(chart_figures(context, survey=survey)))
        ]
    else:
        rendered = [
            figures.figure_div(f, f"chart-{context.meta.poll_id}-{i}")
            for i, f in enumerate(chart_figures(context, survey=survey))
        ]
    base = {
        "n": "" if top.n is None else wording.integer(top.n, locale),
        "neff": _num(top.effective_n, locale, 1),
        "deff": _num(top.design_effect, locale, 2),
        "moe": "" if top.moe is None else wording.points(top.moe, locale),
    }
    return {
        "index": index,
        "meta": context.meta,
        "question": context.meta.question_text(locale),
        "fieldwork": f"{wording.date(context.meta.opens_at, locale)} – {wording.date(context.meta.closes_at, locale)}",
        "sentences": {
            loc: [s.text for s in context.sentences_in(loc) if not survey or s.scope == "all"]
            for loc in context.locales
        },
        "charts": rendered,
        "topline": _topline_rows(context, top, locale),
        "base": base,
        "topline_withheld": top.withheld,
        "options": [context.meta.option_text(k, locale) for k in context.meta.option_keys],
        "breakdowns": [
            {"key": b.dimension, "rows": _breakdown_rows(b, locale)} for b in context.breakdowns if b.rows
        ],
        "disclosure": {} if survey else {loc: context.disclosure_in(loc) for loc in context.locales},
        "hash": context.input_hash,
    }


def chart_figures(context: ReportContext, *, survey: bool = False) -> list[Any]:
    """The figures of one question's block: the topline, and the leading option by country when
    several countries are published (a survey's block keeps only the latter)."""
    locale = context.locales[0]
    top = context.topline
    charts = []
    if top.estimates and not top.withheld:
        table = context.breakdown("country")
        lead = max(top.estimates, key=lambda e: e.share or 0).option
        by_country = table is not None and sum(1 for r in table.rows if not r.withheld) > 1
        if not (survey and by_country):
            charts.append(figures.topline_figure(context, locale))
        if by_country:
            charts.append(figures.breakdown_figure(context, "country", lead, locale))
    return charts


def _survey_methods(parts: tuple[ReportContext, ...]) -> dict[str, Any]:
    """The disclosure shared by a survey's questions (from the first; wording is shown per question)."""
    first = parts[0]
    note = {
        "en": "The exact wording and options of each question are shown above its tables.",
        "es": "La redacción exacta y las opciones de cada pregunta figuran sobre sus tablas.",
    }
    return {
        loc: [
            d if d.key != "question" else type(d)(d.key, d.locale, d.title, note[loc])
            for d in first.disclosure_in(loc)
        ]
        for loc in first.locales
    }


def _svg_img(markup: str) -> str:
    """An SVG as an <img> data URI: WeasyPrint then draws it with its SVG renderer (fills, patterns)."""
    data = base64.b64encode(markup.encode("utf-8")).decode("ascii")
    return f'<img class="chart" alt="" src="data:image/svg+xml;base64,{data}">'


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    return figures.plotly_js_path().read_text(encoding="utf-8")


def document_data(context: ReportContext | SurveyContext, mode: str) -> dict[str, Any]:
    """The template's variables for ``mode`` "pdf" (SVG charts) or "html" (interactive charts).

    Example:
        >>> document_data(context, "html")["sections"][0]["charts"][0][:4]  # doctest: +SKIP
        '<div'
    """
    if mode not in ("pdf", "html"):
        raise ValueError(f"mode={mode!r}: use 'pdf' or 'html'")
    parts = sections(context)
    locale = context.locales[0]
    title = (
        context.title
        if isinstance(context, SurveyContext)
        else f"Pulse · {HEADINGS[locale]['poll']} {parts[0].meta.poll_id}"
    )
    drawn: list[list[str]] = []
    if mode == "pdf":  # every chart of the document in one batch: Chromium draws several at once
        per_section = [chart_figures(s, survey=len(parts) > 1) for s in parts]
        markups = iter(figures.svgs([f for fs in per_section for f in fs]))
        drawn = [[next(markups) for _ in fs] for fs in per_section]
    return {
        "fragment": False,
        "mode": mode,
        "lang": locale,
        "title": title,
        "h": HEADINGS[locale],
        "audience": context.audience,
        "sections": [
            _section(s, mode, i, survey=len(parts) > 1, svgs=drawn[i] if drawn else None)
            for i, s in enumerate(parts)
        ],
        "methods": _survey_methods(parts) if len(parts) > 1 else {},
        "hash": context.input_hash,
        "plotly_js": _plotly_js() if mode == "html" else "",
        "charts_js": figures.charts_js_path().read_text(encoding="utf-8") if mode == "html" else "",
    }


def html_fragment(context: ReportContext, locale: str | None = None) -> str:
    """The report's body for a page of the app: no inline script, charts as ``div.pulse-chart``.

    The page must load ``/static/plotly.min.js`` (:func:`reports.figures.plotly_js_path`) and
    ``/static/pulse-charts.js`` (:func:`reports.figures.charts_js_path`), which CSP
    ``script-src 'self'`` allows.

    Example:
        >>> "<script" in html_fragment(context)  # doctest: +SKIP
        False
    """
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from reports.renderers import TEMPLATE_DIR

    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"]))
    data = document_data(context, "html") | {"fragment": True, "plotly_js": "", "charts_js": ""}
    main = context.locales[0] if locale is None else locale
    # The page around the fragment shows the title and the headline sentences; the fragment keeps
    # the figures, tables and the disclosure, in the page's language only.
    for section in data["sections"]:
        section["sentences"] = {}
        section["disclosure"] = {k: v for k, v in section["disclosure"].items() if k == main}
    return env.get_template("report.html").render(**data)
