"""Every table of a report as rows of cells, shared by the CSV, XLSX, HTML and PDF outputs.

A withheld cell is blank (None) and its row carries the note saying why; staff outputs keep the
numbers and the note. Shares are percentages with one decimal; the JSON keeps full precision.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.context import ReportContext, SurveyContext, sections
from reports.statistics import COUNTRY_LABELS, BaseFigures

COLUMNS = (
    "question",
    "table",
    "row",
    "option",
    "weighted_pct",
    "raw_pct",
    "ci_low_pct",
    "ci_high_pct",
    "moe_pts",
    "n",
    "effective_n",
    "design_effect",
    "vs_rest",
    "note",
)
SUPPRESSION_NOTE = "Blank cells: withheld (fewer than 10 respondents, or would reveal such a cell)."
SMALL_NOTE = "small base (under 30 respondents): read with caution"
MARKS = {"higher": "▲ higher than the rest", "lower": "▼ lower than the rest"}
TABLE_TITLES = {
    "topline": "All respondents",
    "country": "By country",
    "specialty_group": "By specialty group",
}


@dataclass(frozen=True)
class TableRow:
    """One row: a base × option with its formatted-ready numbers (None = blank)."""

    question: int
    table: str
    row: str
    option: str
    weighted_pct: float | None
    raw_pct: float | None
    ci_low_pct: float | None
    ci_high_pct: float | None
    moe_pts: float | None
    n: int | None
    effective_n: float | None
    design_effect: float | None
    vs_rest: str | None
    note: str | None

    def values(self) -> tuple:
        """The row's cells in :data:`COLUMNS` order."""
        return tuple(getattr(self, c) for c in COLUMNS)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _rows(context: ReportContext, table: str, base: BaseFigures, locale: str) -> list[TableRow]:
    notes = []
    if base.suppressed:
        notes.append(
            ("withheld: " if base.withheld else "staff only — withheld in public outputs: ") + base.suppressed
        )
    if base.small and base.n:
        notes.append(SMALL_NOTE)
    out = []
    for e in base.estimates:
        out.append(
            TableRow(
                question=context.meta.poll_id,
                table=table,
                row=base.label[locale],
                option=context.meta.option_text(e.option, locale),
                weighted_pct=_pct(e.share),
                raw_pct=_pct(e.raw_share),
                ci_low_pct=_pct(e.ci_low),
                ci_high_pct=_pct(e.ci_high),
                moe_pts=None if e.moe is None else round(100 * e.moe, 1),
                n=base.n,
                effective_n=None if base.effective_n is None else round(base.effective_n, 1),
                design_effect=None if base.design_effect is None else round(base.design_effect, 3),
                vs_rest=MARKS.get(e.mark or "", None),
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


def weighting_rows(context: ReportContext | SurveyContext, locale: str | None = None) -> list[dict]:
    """One row per question × country × margin: coding, levels and targets, source, year, notes."""
    locale = locale or context.locales[0]
    rows = []
    for section in sections(context):
        for w in section.weighting:
            for m in w.margins:
                rows.append(
                    {
                        "question": section.meta.poll_id,
                        "country": COUNTRY_LABELS[w.country][locale],
                        "n": w.n,
                        "variable": m["variable"],
                        "used": m["used"],
                        "coding": m["coding"],
                        "targets": "; ".join(f"{k} {100 * v:.1f}%" for k, v in m["levels"].items()),
                        "source": m["source"],
                        "year": m["year"],
                        "notes": "; ".join(m["notes"]),
                        "population_share_pct": round(100 * w.population_share, 1),
                    }
                )
    return rows
