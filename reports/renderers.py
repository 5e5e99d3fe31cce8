"""Renderers: every one is ``render(context, out: Path) -> Path``, registered by name.

"pdf" (WeasyPrint, A4, static SVG charts), "html" (interactive charts, plotly.js included once),
"csv" and "xlsx" (every table; withheld cells blank with a note), "json" (every number). The
HTML and PDF share ``templates/reports/report.html`` and its print CSS.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reports import wording
from reports.context import ReportContext, SurveyContext
from reports.templates import templates_root

Context = ReportContext | SurveyContext
Renderer = Callable[[Context, Path], Path]
TEMPLATE_DIR = templates_root() / "reports"
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
    from reports.tables import COLUMNS, SUPPRESSION_NOTE, report_tables

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
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from reports.tables import COLUMNS, SUPPRESSION_NOTE, TABLE_TITLES, report_tables, weighting_rows

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
        for row in weighting:
            sheet.append(list(row.values()))
    notes = book.create_sheet("Notes")
    for line in (
        SUPPRESSION_NOTE,
        f"Input hash (SHA-256): {context.input_hash}",
        "Percentages are weighted unless the column says raw; moe_pts is the Pew margin of error in points.",
    ):
        notes.append([line])
    book.save(out)
    return Path(out)


def _document(context: Context, mode: str) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from reports.presentation import document_data

    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    data: dict[str, Any] = document_data(context, mode)
    return env.get_template("report.html").render(**data)


def render_html(context: Context, out: Path) -> Path:
    """Write a stand-alone HTML report: interactive charts, plotly.js inline once.

    For pages under the app's CSP use :func:`reports.presentation.html_fragment` instead.

    Example:
        >>> render_html(context, Path("report.html"))  # doctest: +SKIP
    """
    out = Path(out)
    out.write_text(_document(context, "html"), encoding="utf-8")
    return out


def render_pdf(context: Context, out: Path) -> Path:
    """Write the A4 PDF (WeasyPrint): sentences, charts as SVG, tables, disclosure, page numbers.

    Example:
        >>> render_pdf(context, Path("report.pdf"))  # doctest: +SKIP

    Reference: CSS Paged Media (``@page`` counters), as WeasyPrint implements it.
    """
    from weasyprint import HTML

    out = Path(out)
    HTML(string=_document(context, "pdf"), base_url=str(TEMPLATE_DIR)).write_pdf(out)
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
    "wording",
]
