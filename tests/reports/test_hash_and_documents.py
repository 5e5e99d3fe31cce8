"""Input hash, renderers, and the PDF's numbers read back against the JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports import numbers, wording
from reports.build import build_context, build_poll_report
from reports.precision import Precision
from reports.presentation import html_fragment
from reports.renderers import RENDERERS, get_renderer, render
from reports.synthetic import synthetic_meta, synthetic_responses
from tests.reports.conftest import normalise, read_pdf

# Documents are rendered here (Chromium for charts, WeasyPrint for PDFs): out of the fast lane.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def poll():
    meta = synthetic_meta(3, ("US", "CA"))
    return meta, synthetic_responses(meta, 400, seed=9)


def test_same_inputs_same_hash_and_numbers_whatever_the_row_order(poll) -> None:
    meta, votes = poll
    first = build_context(meta, votes)
    shuffled = build_context(meta, votes.sample(frac=1.0, random_state=1).reset_index(drop=True))
    assert first.input_hash == shuffled.input_hash
    assert json.dumps(first.to_dict()) == json.dumps(shuffled.to_dict())


def test_hash_changes_with_any_input(poll) -> None:
    meta, votes = poll
    base = build_context(meta, votes).input_hash
    changed = votes.copy()
    changed.loc[0, "sex"] = "male" if changed.loc[0, "sex"] == "female" else "female"
    assert build_context(meta, changed).input_hash != base
    assert build_context(meta, votes, version="9.9").input_hash != base
    reworded = type(meta)(**{**meta.__dict__, "question": {"en": "Other?", "es": "¿Otra?"}})
    assert build_context(reworded, votes).input_hash != base
    assert len(base) == 64


def test_registry_and_unknown_options_are_refused(poll, tmp_path: Path) -> None:
    meta, votes = poll
    assert set(RENDERERS) == {"pdf", "html", "csv", "xlsx", "json"}
    with pytest.raises(KeyError, match="no renderer 'docx'"):
        get_renderer("docx")
    context = build_context(meta, votes, locale=("en",))
    with pytest.raises(TypeError, match="unknown keyword argument"):
        render("json", context, tmp_path / "r.json", pretty=True)
    with pytest.raises(TypeError, match="unexpected keyword"):
        build_poll_report(meta, votes, colour="red")  # type: ignore[call-arg]
    with pytest.raises(KeyError, match="no renderer"):
        build_poll_report(meta, votes, out_dir=tmp_path, formats=("docx",))


def pct(share: float) -> str:
    """The house format of a share in tables: percent, one decimal, half up."""
    return wording.decimal(100 * share, "en", 1)


def test_pdf_numbers_are_the_json_numbers(poll, tmp_path: Path) -> None:
    meta, votes = poll
    built = build_poll_report(meta, votes, out_dir=tmp_path, locale=("en",))
    data = json.loads(built.paths["json"].read_text(encoding="utf-8"))
    text = read_pdf(built.paths["pdf"])
    top = data["topline"]
    assert f"n = {top['n']}" in text
    for e in top["estimates"]:
        option = dict(meta.options)[e["option"]]["en"]
        precision = Precision(**e["precision"]).text("en")
        row = f"{option} {numbers.percent(e['share'], 'en')} {precision}"
        assert row in text, row
    for b in data["breakdowns"]:
        for r in b["rows"]:
            if r["withheld"] or r["status"] not in ("ok", "flagged"):
                continue
            marks = {"higher": "▲", "lower": "▼"}
            cells = " ".join(
                numbers.percent(e["share"], "en")
                + marks.get(e["mark"] or "", "")
                + " "
                + Precision(**e["precision"]).text("en")
                for e in r["estimates"]
            )
            star = "*" if r["status"] == "flagged" else ""
            assert f"{r['label']['en']}{star} {numbers.integer(r['n'], 'en')} {cells}" in text
    for sentence in data["sentences"]:
        assert normalise(sentence["text"]) in text
    assert data["input_hash"] in text.replace(" ", "")
    assert "1 / " in text  # page numbers from the @page counters


def test_html_and_fragment_carry_no_script_and_no_plotly_bundle(poll, tmp_path: Path) -> None:
    meta, votes = poll
    built = build_poll_report(meta, votes, out_dir=tmp_path, formats=("html",))
    page = built.paths["html"].read_text(encoding="utf-8")
    assert "<script" not in page and "Plotly" not in page
    assert page.count('<img class="chart"') == 2 and len(page) < 400_000
    fragment = html_fragment(built.context)
    assert "<script" not in fragment and fragment.count('<img class="chart" alt="') == 2
