"""A cell of 9 respondents, and the cell that would reveal it, never leave staff hands."""

from __future__ import annotations

import csv
import json
import re

import pytest
from openpyxl import load_workbook

from reports.suppression import COMPLEMENTARY, PRIMARY, suppression_plan
from tests.reports.conftest import SMALL_CELL_SIZES, normalise, read_pdf

# Documents are rendered here (Chromium for charts, WeasyPrint for PDFs): out of the fast lane.
pytestmark = pytest.mark.slow


def test_plan_primary_and_complementary() -> None:
    assert suppression_plan({"US": 120, "UK": 40, "IE": 9}) == {
        "US": None,
        "UK": COMPLEMENTARY,
        "IE": PRIMARY,
    }
    assert suppression_plan({"US": 120, "UK": 40}) == {"US": None, "UK": None}
    # two small cells that together hold fewer than 10 need a third
    plan = suppression_plan({"US": 120, "UK": 40, "IE": 3, "NZ": 4})
    assert plan["UK"] == COMPLEMENTARY and plan["US"] is None
    # nothing needs protecting when the total is not published
    assert suppression_plan({"US": 120, "IE": 9}, total_published=False) == {"US": None, "IE": PRIMARY}
    assert suppression_plan({"US": 120, "NZ": 0}) == {"US": None, "NZ": None}


def _rows(report, key):
    table = report.context.breakdown("country")
    return next(r for r in table.rows if r.key == key)


def test_the_small_country_is_withheld_and_out_of_every_total(public_report) -> None:
    ie, uk, us = (_rows(public_report, k) for k in ("IE", "UK", "US"))
    assert ie.withheld and ie.n is None and not ie.pooled
    assert all(e.share is None and e.raw_share is None for e in ie.estimates)
    assert us.n == SMALL_CELL_SIZES["US"] and uk.n == SMALL_CELL_SIZES["UK"] and uk.pooled
    # Ireland's 9 are in no published total: the pooled base is the US and the UK only.
    assert public_report.context.topline.n == SMALL_CELL_SIZES["US"] + SMALL_CELL_SIZES["UK"]
    assert public_report.context.pooled_countries == ("US", "UK")


def test_specialty_groups_get_complementary_suppression_with_one_neutral_label(public_report) -> None:
    table = public_report.context.breakdown("specialty_group")
    withheld = [r for r in table.rows if r.withheld]
    assert len(withheld) != 1  # never a single withheld row under a published total
    assert all(r.suppressed in (None, "withheld") or r.suppressed for r in withheld)
    data = json.loads(public_report.paths["json"].read_text(encoding="utf-8"))
    assert COMPLEMENTARY not in json.dumps(data) and PRIMARY not in json.dumps(data["breakdowns"])


def _walk(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, (*path, i))
    else:
        yield path, value


def test_json_has_no_trace_of_the_small_cells(public_report) -> None:
    data = json.loads(public_report.paths["json"].read_text(encoding="utf-8"))
    countries = next(b for b in data["breakdowns"] if b["dimension"] == "country")
    for row in countries["rows"]:
        if row["key"] == "IE":
            numbers = [
                v
                for p, v in _walk(row)
                if isinstance(v, (int, float)) and not isinstance(v, bool) and p[-1] != "step"
            ]
            assert numbers == [], row
    for w in data["weighting"]:
        if w["country"] == "IE":
            assert w["n"] is None and w["design_effect"] is None and w["effective_n"] is None
    assert not any(p[-1] == "n" and v == 9 for p, v in _walk(data))
    # Nothing unweighted, nothing at full precision.
    assert not any(
        p[-1] in ("raw_share", "se", "p_value", "difference") and v is not None for p, v in _walk(data)
    )
    shares = [v for p, v in _walk(data) if p[-1] == "share" and v is not None]
    assert shares and all(round(100 * v, 6) == round(100 * v) for v in shares)


def test_csv_leaves_the_cells_blank_with_a_note(public_report) -> None:
    with public_report.paths["csv"].open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    header = rows[1]
    records = [dict(zip(header, r)) for r in rows[2:]]
    small = [r for r in records if r["table"] == "country" and r["row"] == "Ireland"]
    assert small and all(r["n"] == "" and r["weighted_pct"] == "" and r["raw_pct"] == "" for r in small)
    assert all(r["note"].startswith("withheld") for r in small)
    assert not any(r["n"] == "9" for r in records)
    assert all(r["raw_pct"] == "" for r in records)


def test_xlsx_leaves_the_cells_blank(public_report) -> None:
    book = load_workbook(public_report.paths["xlsx"])
    sheet = book["By country"]
    header = [c.value for c in sheet[1]]
    for values in sheet.iter_rows(min_row=2, values_only=True):
        row = dict(zip(header, values))
        if row["row"] == "Ireland":
            assert row["n"] is None and row["weighted_pct"] is None and row["precision"] is None
    weighting = book["Weighting"]
    head = [c.value for c in weighting[1]]
    for values in weighting.iter_rows(min_row=2, values_only=True):
        row = dict(zip(head, values))
        if row["country"] == "Ireland":
            assert row["n"] is None
    counts = set()
    for sheet in book:
        rows = list(sheet.iter_rows(values_only=True))
        if rows and "n" in rows[0]:
            counts |= {r[rows[0].index("n")] for r in rows[1:]}
    assert 9 not in counts


def _row_text(text: str, label: str, next_label: str) -> str:
    return text.split(label, 1)[1].split(next_label, 1)[0]


def test_html_and_pdf_show_no_numbers_for_the_small_cells(public_report) -> None:
    html = normalise(
        re.sub(r"<[^>]+>", " ", public_report.paths["html"].read_text(encoding="utf-8").split("<script>")[0])
    )
    pdf = read_pdf(public_report.paths["pdf"])
    for text in (html, pdf):
        table = text.split("By country", 1)[1]
        assert not re.search(r"\d", _row_text(table, "Ireland", "By specialty group"))
        assert "Ireland 9" not in text
        assert "n = 295" in text


def test_staff_see_everything_with_the_reason(staff_report) -> None:
    ie = _rows(staff_report, "IE")
    assert ie.n == 9 and not ie.withheld and ie.suppressed == PRIMARY
    assert all(e.share is not None for e in ie.estimates)
    assert "staff only" in staff_report.paths["csv"].read_text(encoding="utf-8-sig")
