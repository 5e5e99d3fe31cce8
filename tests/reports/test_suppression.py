"""A cell of 9 respondents, and the cell that would reveal it, never leave staff hands."""

from __future__ import annotations

import csv
import json
import re

from openpyxl import load_workbook

from reports.suppression import COMPLEMENTARY, PRIMARY, suppression_plan
from tests.reports.conftest import SMALL_CELL_SIZES, normalise, read_pdf


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


def test_context_withholds_both_cells(public_report) -> None:
    ie, uk, us = (_rows(public_report, k) for k in ("IE", "UK", "US"))
    assert ie.withheld and ie.suppressed == PRIMARY and ie.n is None
    assert uk.withheld and uk.suppressed == COMPLEMENTARY and uk.n is None
    assert all(e.share is None and e.raw_share is None for e in ie.estimates + uk.estimates)
    assert us.n == SMALL_CELL_SIZES["US"] and not us.withheld
    assert public_report.context.topline.n == sum(SMALL_CELL_SIZES.values())


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
        if row["key"] in ("IE", "UK"):
            numbers = [v for p, v in _walk(row) if isinstance(v, (int, float)) and not isinstance(v, bool)]
            assert numbers == [], row
    for w in data["weighting"]:
        if w["country"] in ("IE", "UK"):
            assert w["n"] is None and w["design_effect"] is None and w["effective_n"] is None
    assert not any(p[-1] == "n" and v in (9, 45) for p, v in _walk(data))


def test_csv_leaves_the_cells_blank_with_a_note(public_report) -> None:
    with public_report.paths["csv"].open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    header = rows[1]
    records = [dict(zip(header, r)) for r in rows[2:]]
    small = [r for r in records if r["table"] == "country" and r["row"] in ("Ireland", "United Kingdom")]
    assert small and all(r["n"] == "" and r["weighted_pct"] == "" and r["raw_pct"] == "" for r in small)
    assert all(r["note"].startswith("withheld") for r in small)
    assert not any(r["n"] in ("9", "45") for r in records)


def test_xlsx_leaves_the_cells_blank(public_report) -> None:
    book = load_workbook(public_report.paths["xlsx"])
    sheet = book["By country"]
    header = [c.value for c in sheet[1]]
    for values in sheet.iter_rows(min_row=2, values_only=True):
        row = dict(zip(header, values))
        if row["row"] in ("Ireland", "United Kingdom"):
            assert row["n"] is None and row["weighted_pct"] is None and row["moe_pts"] is None
    weighting = book["Weighting"]
    head = [c.value for c in weighting[1]]
    for values in weighting.iter_rows(min_row=2, values_only=True):
        row = dict(zip(head, values))
        if row["country"] in ("Ireland", "United Kingdom"):
            assert row["n"] is None
    counts = set()
    for sheet in book:
        rows = list(sheet.iter_rows(values_only=True))
        if rows and "n" in rows[0]:
            counts |= {r[rows[0].index("n")] for r in rows[1:]}
    assert 9 not in counts and 45 not in counts


def _row_text(text: str, label: str, next_label: str) -> str:
    return text.split(label, 1)[1].split(next_label, 1)[0]


def test_html_and_pdf_show_no_numbers_for_the_small_cells(public_report) -> None:
    html = normalise(
        re.sub(r"<[^>]+>", " ", public_report.paths["html"].read_text(encoding="utf-8").split("<script>")[0])
    )
    pdf = read_pdf(public_report.paths["pdf"])
    for text in (html, pdf):
        table = text.split("By country", 1)[1]
        assert not re.search(r"\d", _row_text(table, "United Kingdom", "Ireland"))
        assert not re.search(r"\d", _row_text(table, "Ireland", "By specialty group"))
        assert "United Kingdom 45" not in text and "Ireland 9" not in text
        assert "n = 304" in text


def test_staff_see_everything_with_the_reason(staff_report) -> None:
    ie = _rows(staff_report, "IE")
    assert ie.n == 9 and not ie.withheld and ie.suppressed == PRIMARY
    assert all(e.share is not None for e in ie.estimates)
    assert "staff only" in staff_report.paths["csv"].read_text(encoding="utf-8-sig")
