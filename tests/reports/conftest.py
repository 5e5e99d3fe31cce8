"""Fixtures for the reports tests: synthetic polls in the input contract, built once per module."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.io as pio
import pytest

from reports.build import BuiltReport, build_poll_report
from reports.inputs import PollMeta
from reports.synthetic import synthetic_meta, synthetic_responses

pio.renderers.default = "json"

#: A three-country poll where Ireland has 9 respondents (primary) and the UK 45 (complementary).
SMALL_CELL_SIZES = {"US": 250, "UK": 45, "IE": 9}


def normalise(text: str) -> str:
    """Collapse white space (PDF text extraction breaks lines; Spanish uses non-breaking spaces)."""
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.fixture(scope="module")
def small_cell_poll() -> tuple[PollMeta, pd.DataFrame]:
    meta = synthetic_meta(7, ("US", "UK", "IE"))
    return meta, synthetic_responses(meta, 304, country_n=SMALL_CELL_SIZES, seed=3)


@pytest.fixture(scope="module")
def public_report(small_cell_poll, tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    meta, votes = small_cell_poll
    return build_poll_report(meta, votes, out_dir=tmp_path_factory.mktemp("public"))


@pytest.fixture(scope="module")
def staff_report(small_cell_poll, tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    meta, votes = small_cell_poll
    return build_poll_report(
        meta, votes, audience="staff", out_dir=tmp_path_factory.mktemp("staff"), formats=("json", "csv")
    )


def read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    return normalise(" ".join(page.extract_text() for page in PdfReader(path).pages))
