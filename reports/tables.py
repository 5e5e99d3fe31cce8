"""Every table of a report as rows of cells, shared by the CSV, XLSX, HTML and PDF outputs.

A withheld cell is blank (None) and its row carries the note saying why; staff outputs keep the
numbers and the note. Shares are whole percentages, exactly as every other output publishes them,
and every text cell is made safe for spreadsheets (:func:`spreadsheet_text`).
"""

from __future__ import annotations

from dataclasses import dataclass

from reports import numbers
from reports.context import ReportContext, SurveyContext, sections
from reports.statistics import BaseFigures, country_label

COLUMNS = (
    "question",
    "table",
    "row",
    "option",
    "weighted_pct",
    "precision",
    "half_width_pts",
    "range_low_pct",
    "range_high_pct",
    "raw_pct",
    "n",
    "effective_n",
    "design_effect",
    "vs_rest",
    "note",
)
SUPPRESSION_NOTE = (
    "Blank cells: withheld (fewer than 10 respondents, or would reveal such a cell) or too few respondents "
    "for a percentage (under 30 respondents or effective respondents). Precision: 95% credibility interval."
)
MULTIPLE_NOTE = "Several answers allowed; shares add to more than 100%."
SMALL_NOTE = "small base (under 60 respondents or effective respondents): read with caution"
HEDGED_NOTE = "too few respondents for a percentage"
NOT_POOLED_NOTE = "not in the pooled figures (fewer than 30 respondents)"
MARKS = {"higher": "▲ higher than the rest", "lower": "▼ lower than the rest"}
TABLE_TITLES = {
    "topline": "All respondents",
    "country": "By country",
    "specialty_group": "By specialty group",
}
#: First characters a spreadsheet reads as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: object) -> object:
    """A cell value a spreadsheet cannot run: text starting like a formula gets a leading apostrophe.

    Example:
        >>> spreadsheet_text('=HYPERLINK("http://x")'), spreadsheet_text("Yes"), spreadsheet_text(12.5)
        ('\'=HYPERLINK("http://x")', 'Yes', 12.5)

    Reference: OWASP, "CSV Injection" (prefix cells beginning with = + - @ tab or carriage return).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class TableRow:
    """One row: a base × option with its published numbers (None = blank)."""

    question: int
    table: str
    row: str
    option: str
    weighted_pct: float | None
    precision: str | None
    half_width_pts: float | None
    range_low_pct: float | None
    range_high_pct: float | None
    raw_pct: float | None
    n: int | None
    effective_n: float | None
    design_effect: float | None
    vs_rest: str | None
    note: str | None

    def values(self) -> tuple[object, ...]:
        """The row's cells in :data:`COLUMNS` order, text made safe for spreadsheets."""
        return tuple(spreadsheet_text(getattr(self, c)) for c in COLUMNS)


def _pct(value: float | None, digits: int = 0) -> float | None:
    return None if value is None else numbers.round_half_up(100 * value, digits)


def _rows(context: ReportContext, table: str, base: BaseFigures, locale: str) -> list[TableRow]:
    notes = []
    if base.suppressed:
        notes.append(
            "withheld" if base.withheld else "staff only — withheld in public outputs: " + base.suppressed
        )
    elif base.withheld:
        notes.append("withheld")
    if not base.withheld and not base.shares_published:
        notes.append(HEDGED_NOTE)
    elif base.small and base.n:
        notes.append(SMALL_NOTE)
    if not base.pooled:
        notes.append(NOT_POOLED_NOTE)
    if context.meta.multiple and table == "topline":
        notes.append(MULTIPLE_NOTE)
    out = []
    for e in base.estimates:
        shown = base.shares_published and e.share is not None
        p = e.precision if shown else None
        out.append(
            TableRow(
                question=context.meta.poll_id,
                table=table,
                row=base.label[locale],
                option=context.meta.option_text(e.option, locale),
                weighted_pct=_pct(e.share) if shown else None,
                precision=None if p is None else p.text(locale),
                half_width_pts=None if p is None or p.half_width is None else _pct(p.half_width, 1),
                range_low_pct=None if p is None or p.low is None else _pct(p.low),
                range_high_pct=None if p is None or p.high is None else _pct(p.high),
                raw_pct=_pct(e.raw_share, 1) if context.audience == "staff" else None,
                n=base.n,
                effective_n=None if base.effective_n is None else numbers.round_half_up(base.effective_n),
                design_effect=None
                if base.design_effect is None
                else numbers.round_half_up(base.design_effect, 2),
                vs_rest=MARKS.get(e.mark or "", None) if shown else None,
                note="; ".join(notes) or None,
            )
        )
    return out


def report_tables(
    context: ReportContext | SurveyContext, locale: str | None = None
) -> dict[str, list[TableRow]]:
    """Rows of every table: "topline", "country", "specialty_group" (and "weighting").

    Args:
        context: a poll or survey context.
        locale: row and option labels' locale (default: the context's first).

    Returns:
        ``{table name: rows}``, every question's rows together for a survey.

    Example:
        >>> report_tables(context)["topline"][0].weighted_pct  # doctest: +SKIP
        80.4

    Reference: British Polling Council disclosure rules (full tables).
    """
    locale = locale or context.locales[0]
    out: dict[str, list[TableRow]] = {"topline": [], "country": [], "specialty_group": []}
    for section in sections(context):
        out["topline"].extend(_rows(section, "topline", section.topline, locale))
        for b in section.breakdowns:
            for row in b.rows:
                out[b.dimension].extend(_rows(section, b.dimension, row, locale))
    return {k: v for k, v in out.items() if v}


def weighting_rows(
    context: ReportContext | SurveyContext, locale: str | None = None
) -> list[dict[str, object]]:
    """One row per question × country × margin: coding, levels and targets, source, year, notes."""
    locale = locale or context.locales[0]
    rows = []
    for section in sections(context):
        for w in section.weighting:
            for m in w.margins:
                rows.append(
                    {
                        "question": section.meta.poll_id,
                        "country": country_label(w.country)[locale],
                        "n": w.n,
                        "variable": m["variable"],
                        "used": m["used"],
                        "coding": m["coding"],
                        "targets": "; ".join(f"{k} {100 * v:.1f}%" for k, v in m["levels"].items()),
                        "source": m["source"],
                        "year": m["year"],
                        "notes": "; ".join(m["notes"]),
                        "pooled": w.pooled,
                        "population_share_pct": None
                        if w.population_share is None
                        else numbers.round_half_up(100 * w.population_share, 1),
                    }
                )
    return rows
