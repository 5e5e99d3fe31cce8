"""Report building speed: a 3,000-vote poll (warm) and a 10,000-respondent × 40-question survey.

Run: ``.venv/bin/python benchmarks/bench_reports.py`` (``--questions``/``--respondents`` to resize).
Prints seconds per stage next to the bare WeasyPrint time of the same HTML, measured in the same
run; nothing here is a timed assertion. Goals (issue): poll < 2 s warm, survey < 15 s.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports.build import build_context, build_poll_report, build_survey_report
from reports.renderers import TEMPLATE_DIR, _document
from reports.synthetic import synthetic_meta, synthetic_responses

COUNTRIES = ("US", "UK", "CA", "AU", "IE", "NZ", "ZA", "MX", "ES")


def _timed(label: str, fn, baseline: float | None = None):
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    ratio = f"  ({seconds / baseline:.1f}× bare WeasyPrint)" if baseline else ""
    print(f"{label:<46} {seconds:7.2f} s{ratio}")
    return value, seconds


def _weasyprint(html: str, out: Path) -> None:
    from weasyprint import HTML

    HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--votes", type=int, default=3000)
    parser.add_argument("--respondents", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=40)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=".*kopts.*")
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    out = Path(tempfile.mkdtemp(prefix="bench-reports-"))

    print(f"Poll: {args.votes} votes in {len(COUNTRIES)} countries")
    meta = synthetic_meta(1, COUNTRIES)
    votes = synthetic_responses(meta, args.votes, seed=1)
    _timed(
        "cold build (statistics, charts, all formats)",
        lambda: build_poll_report(meta, votes, out_dir=out / "cold"),
    )
    context, _ = _timed("statistics only (context)", lambda: build_context(meta, votes))
    html = _document(context, "pdf")
    _, bare = _timed("bare WeasyPrint of the same HTML", lambda: _weasyprint(html, out / "bare.pdf"))
    _timed(
        "warm build: statistics + charts + PDF",
        lambda: build_poll_report(meta, votes, out_dir=out / "pdf", formats=("pdf",)),
        bare,
    )
    _timed("warm build: all five formats", lambda: build_poll_report(meta, votes, out_dir=out / "warm"), bare)

    print(f"\nSurvey: {args.respondents} respondents × {args.questions} questions, breakdown by country")
    questions = []
    respondents = synthetic_responses(synthetic_meta(100, COUNTRIES), args.respondents, seed=0)
    demographics = respondents[["country", "specialty", "sex", "age_band", "practice_band"]]
    for q in range(args.questions):  # the same respondents answer every question
        m = synthetic_meta(100 + q, COUNTRIES)
        answers = synthetic_responses(m, args.respondents, seed=q).filter(like="option:")
        questions.append((m, pd.concat([demographics, answers], axis=1)))
    survey, _ = _timed("statistics only (contexts)", lambda: build_survey_report(questions))
    html = _document(survey.context, "pdf")
    _, bare = _timed("bare WeasyPrint of the same HTML", lambda: _weasyprint(html, out / "survey-bare.pdf"))
    _timed(
        "whole survey report (statistics, charts, PDF)",
        lambda: build_survey_report(questions, out_dir=out / "survey", formats=("pdf",)),
        bare,
    )
    print(f"\nfiles in {out}")


if __name__ == "__main__":
    main()
