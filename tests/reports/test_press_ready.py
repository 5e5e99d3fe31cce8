"""Issue 11 (PDF a journalist can forward) and issue 13 (spreadsheet formulas, chart labels)."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reports.build import build_poll_report
from reports.figures import svg, topline_figure
from reports.inputs import PollMeta
from reports.synthetic import synthetic_meta, synthetic_responses
from tests.reports.conftest import normalise

# Documents are rendered here (Chromium for charts, WeasyPrint for PDFs): out of the fast lane.
pytestmark = pytest.mark.slow


HOSTILE = '=HYPERLINK("http://evil.example","<a href=\'http://evil.example\'>click</a>")'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    base = synthetic_meta(21, ("US",))
    meta = PollMeta(
        **{
            **base.__dict__,
            "options": ((base.options[0][0], {"en": HOSTILE, "es": HOSTILE}), *base.options[1:]),
        }
    )
    votes = synthetic_responses(meta, 300, seed=4)
    return build_poll_report(meta, votes, locale=("en",), out_dir=tmp_path_factory.mktemp("hostile"))


def test_csv_and_xlsx_never_start_a_cell_with_a_formula(hostile) -> None:
    with hostile.paths["csv"].open(encoding="utf-8-sig") as handle:
        cells = [c for row in csv.reader(handle) for c in row]
    assert any(HOSTILE in c for c in cells)
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    book = load_workbook(hostile.paths["xlsx"])
    values = [c.value for sheet in book for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(HOSTILE in v for v in values)
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in values)
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)


def test_chart_labels_are_text_never_links(hostile) -> None:
    markup = svg(topline_figure(hostile.context, "en"))
    assert "<a " not in markup and "evil.example" in markup  # shown, as text


def test_pdf_is_tagged_in_one_language_with_title_citation_and_reading_order(
    public_report, tmp_path: Path
) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.fail("poppler-utils is missing: apt-get install poppler-utils (Makefile APT_PACKAGES)")
    pdf = public_report.paths["pdf"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info
    assert "Title:           Would an international medical social network be valuable to you?" in info
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    page = next(tmp_path.glob("p*.png"))
    assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and page.stat().st_size > 5000
    first = normalise(
        subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
    )
    # Reading order on page 1: title, publication date, headline sentence, then the tables.
    order = [
        first.index(s)
        for s in ("Would an international", "Published:", "of physicians in", "All respondents")
    ]
    assert order == sorted(order), first[:400]
    whole = normalise(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    )
    assert "How to cite" in whole and "Press contact" in whole and "Pulse (" in whole
    assert "Patrocinador" not in whole and " the app" not in whole and "±0.0" not in whole
