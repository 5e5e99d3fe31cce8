"""The disclosure carries every AAPOR element in English and Spanish."""

from __future__ import annotations

import pytest

from reports.disclosure import ELEMENTS

# Documents are rendered here (Chromium for charts, WeasyPrint for PDFs): out of the fast lane.
pytestmark = pytest.mark.slow


def test_every_aapor_element_in_both_languages(public_report) -> None:
    context = public_report.context
    for locale in ("en", "es"):
        items = {d.key: d.text for d in context.disclosure_in(locale)}
        assert tuple(items) == ELEMENTS
        assert all(text.strip() for text in items.values())
        assert context.meta.question_text(locale) in items["question"]
        for key, _ in context.meta.options:
            assert context.meta.option_text(key, locale) in items["question"]


def test_disclosure_says_how_the_sample_and_weights_came_about(public_report) -> None:
    en = {d.key: d.text for d in public_report.context.disclosure_in("en")}
    es = {d.key: d.text for d in public_report.context.disclosure_in("es")}
    assert "self-selected" in en["sample"] and "not a random" in en["sample"]
    assert "autoseleccionada" in es["sample"]
    assert "web" in en["mode"] and "app" in en["mode"]
    assert "August 2014" in en["fieldwork"] and "agosto de 2014" in es["fieldwork"]
    assert "United States 250" in en["sample_sizes"] and "Ireland fewer than 10" in en["sample_sizes"]
    # Readable methodology: source names with their year, no source codes or snake_case values.
    assert "AAMC 2022 Physician Specialty Data Report (2021)" in en["weighting"]
    assert "US-AAMC" not in en["weighting"] and "_" not in en["weighting"] + es["weighting"]
    assert "merged" in en["weighting"] and "fusionaron" in es["weighting"]
    assert "Ireland had fewer than 30 respondents and is not included" in en["population"]
    assert "AAPOR" in en["precision"] and "credibility interval" in en["precision"]
    assert "margin of sampling error" in en["precision"] and "misleading" in en["precision"]
    assert "Pulse" == en["sponsor"] == en["conducted_by"]
    assert "Self-selection" in en["limitations"]


def test_the_pdf_carries_the_disclosure(public_report) -> None:
    from tests.reports.conftest import read_pdf

    text = read_pdf(public_report.paths["pdf"])
    for title in (
        "Sponsor",
        "Conducted by",
        "Population",
        "Mode",
        "Weighting",
        "Precision",
        "Limitations",
        "How to cite",
    ):
        assert title in text
    # One language per document: the English PDF carries no Spanish disclosure, and vice versa.
    for spanish in ("Patrocinador", "Ponderación", "Limitaciones", "El 5"):
        assert spanish not in text
