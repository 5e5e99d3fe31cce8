"""Renderers: every one is ``render(context, out: Path) -> Path``, registered by name.

"pdf" (WeasyPrint, A4, tagged PDF/UA-1 with the document's language and title), "html" (the same
document for screens), "csv" and "xlsx" (every table; withheld cells blank with a note; text cells
that a spreadsheet would run as a formula neutralised), "json" (every published number). The HTML
and PDF share ``templates/reports/report.html``, its CSS and the same static SVG charts.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from reports.context import ReportContext, SurveyContext
from reports.presentation import document_data
from reports.tables import (
    COLUMNS,
    SUPPRESSION_NOTE,
    TABLE_TITLES,
    report_tables,
    spreadsheet_text,
    weighting_rows,
)
from reports.templates import report_environment, report_template_dir

Context = ReportContext | SurveyContext
Renderer = Callable[[Context, Path], Path]
TEMPLATE_DIR = report_template_dir()
#: WeasyPrint's tagged-PDF variant: PDF/UA-1 (structure tags, language, title, image alternatives).
PDF_VARIANT = "pdf/ua-1"
FILE_NAMES = {
    "pdf": "report.pdf",
    "html": "report.html",
    "json": "report.json",
    "csv": "tables.csv",
    "xlsx": "tables.xlsx",
}


def render_json(context: Context, out: Path) -> Path:
    """Write every number and text of the report as JSON (``context.to_dict()``).

    Example:
        >>> render_json(context, Path("report.json"))  # doctest: +SKIP
    """
    out = Path(out)
    out.write_text(
        json.dumps(context.to_dict(), ensure_ascii=False, indent=1, sort_keys=False), encoding="utf-8"
    )
    return out


def render_csv(context: Context, out: Path) -> Path:
    """Write every table in one long CSV (UTF-8 with BOM for spreadsheets); withheld cells blank.

    Example:
        >>> render_csv(context, Path("tables.csv"))  # doctest: +SKIP
    """
    out = Path(out)
    with out.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(("# " + SUPPRESSION_NOTE + f" Input hash {context.input_hash}.",))
        writer.writerow(COLUMNS)
        for rows in report_tables(context).values():
            for row in rows:
                writer.writerow(["" if v is None else v for v in row.values()])
    return out


def render_xlsx(context: Context, out: Path) -> Path:
    """Write one sheet per table, a weighting sheet and a notes sheet; withheld cells blank.

    Example:
        >>> render_xlsx(context, Path("tables.xlsx"))  # doctest: +SKIP
    """
    book = Workbook()
    book.remove(book.active)
    for name, rows in report_tables(context).items():
        sheet = book.create_sheet(TABLE_TITLES[name][:31])
        sheet.append(COLUMNS)
        for row in rows:
            sheet.append(list(row.values()))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    weighting = weighting_rows(context)
    sheet = book.create_sheet("Weighting")
    if weighting:
        sheet.append(list(weighting[0]))
        for item in weighting:
            sheet.append([spreadsheet_text(v) for v in item.values()])
    notes = book.create_sheet("Notes")
    for line in (
        SUPPRESSION_NOTE,
        f"Input hash (SHA-256): {context.input_hash}",
        "Percentages are weighted and rounded to whole points as published; precision is the 95% credibility "
        "interval (half_width_pts, or a range where a share is near 0% or 100%).",
    ):
        notes.append([line])
    book.save(out)
    return Path(out)


def _document(context: Context, mode: str) -> str:
    data: dict[str, Any] = document_data(context, mode)
    return report_environment().get_template("report.html").render(**data)


def render_html(context: Context, out: Path) -> Path:
    """Write a stand-alone HTML report (no script; charts as SVG images with text alternatives).

    For pages of the app use :func:`reports.presentation.html_fragment` instead.

    Example:
        >>> render_html(context, Path("report.html"))  # doctest: +SKIP
    """
    out = Path(out)
    out.write_text(_document(context, "html"), encoding="utf-8")
    return out


def render_pdf(context: Context, out: Path) -> Path:
    """Write the A4 PDF (WeasyPrint, tagged PDF/UA-1): title, sentences, charts as SVG with text
    alternatives, tables, methodology, citation, page numbers; one language.

    Example:
        >>> render_pdf(context, Path("report.pdf"))  # doctest: +SKIP

    Reference: CSS Paged Media (``@page`` counters), as WeasyPrint implements it.
    """
    from weasyprint import HTML

    out = Path(out)
    HTML(string=_document(context, "pdf"), base_url=str(TEMPLATE_DIR)).write_pdf(out, pdf_variant=PDF_VARIANT)
    return out


#: Registered renderers by format name.
RENDERERS: dict[str, Renderer] = {
    "pdf": render_pdf,
    "html": render_html,
    "csv": render_csv,
    "xlsx": render_xlsx,
    "json": render_json,
}


def get_renderer(name: str) -> Renderer:
    """Look up a renderer by format name.

    Raises:
        KeyError: an unknown format, listing the registered ones.

    Example:
        >>> get_renderer("json").__name__
        'render_json'
    """
    try:
        return RENDERERS[name]
    except KeyError:
        raise KeyError(f"no renderer {name!r}: use one of {', '.join(RENDERERS)}") from None


def render(name: str, context: Context, out: Path, **options: Any) -> Path:
    """Render ``context`` in format ``name`` to ``out``; renderers take no options, so any is refused.

    Raises:
        KeyError: an unknown format.
        TypeError: an unknown keyword argument.

    Example:
        >>> render("json", context, Path("report.json"))  # doctest: +SKIP
    """
    if options:
        raise TypeError(
            f"render() got unknown keyword argument(s) {', '.join(sorted(options))}: renderers take "
            "only (context, out)"
        )
    return get_renderer(name)(context, Path(out))


__all__ = [
    "FILE_NAMES",
    "RENDERERS",
    "get_renderer",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_pdf",
    "render_xlsx",
]
