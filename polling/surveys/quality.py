"""Response quality: flags with reasons, computed when a response completes.

Speeders (total time under a share of the survey's median, ``SURVEY_SPEEDER_SHARE``; a page's time under
a share of that page's median among completes, ``SURVEY_PAGE_SPEEDER_SHARE``), straight-lining
in matrices, failed attention checks, gibberish open ends, and answer patterns identical to another
complete. Flags go to the staff review queue; they travel with the data.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from polling.surveys.engine import questions_by_id
from polling.surveys.models import SurveyResponse

#: A complete faster than this share of the median complete is a speeder.
SPEEDER_SHARE = 0.4
#: A page answered faster than this share of that page's median among completes is sped through.
PAGE_SPEEDER_SHARE = 0.3
#: Completes needed before a median means anything.
MEDIAN_MINIMUM = 5
_VOWELS = re.compile(r"[aeiouyáéíóúü]", re.IGNORECASE)


def digest(answers: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(answers, sort_keys=True, default=str).encode()).hexdigest()


def gibberish(text: str) -> bool:
    """Open text no reader could use: keyboard runs, one repeated character, or no vowels at all."""
    letters = re.sub(r"[^A-Za-zÀ-ÿ]", "", text)
    if len(letters) < 4:
        return False
    if not _VOWELS.search(letters) or len(set(letters.lower())) <= 2:
        return True
    return any(run in letters.lower() for run in ("asdf", "qwer", "zxcv", "hjkl", "jkjk", "dfgh"))


def flags_for(
    session: Session,
    document: Mapping[str, Any],
    survey_id: int,
    answers: Mapping[str, Any],
    total_seconds: float,
    share: float = SPEEDER_SHARE,
    timings: Mapping[str, float] | None = None,
    page_share: float = PAGE_SPEEDER_SHARE,
) -> dict[str, str]:
    """reason → detail for a response about to complete (``timings``: its seconds per page)."""
    flags: dict[str, str] = {}
    others = list(
        session.execute(
            select(SurveyResponse.timings, SurveyResponse.answers_digest).where(
                SurveyResponse.survey_id == survey_id, SurveyResponse.status == "complete"
            )
        )
    )
    totals = [sum(t.values()) for t, _ in others if t]
    if len(totals) >= MEDIAN_MINIMUM:
        median = statistics.median(totals)
        if total_seconds < share * median:
            flags["speeder"] = f"{total_seconds:.0f} s against a median of {median:.0f} s"
    fast = page_speeds(timings or {}, [t for t, _ in others if t], page_share)
    if fast:
        flags["page_speeder"] = "; ".join(fast)[:300]
    questions = questions_by_id(document)
    for qid, value in answers.items():
        spec = questions.get(qid) or {}
        if spec.get("type") == "matrix" and len(value) >= 3 and len(set(value.values())) == 1:
            flags["straight_lining"] = f"{qid}: the same answer in every row"
        check = spec.get("attention_check")
        if check and value != check["expect"]:
            flags["attention"] = f"{qid}: answered {value}, expected {check['expect']}"
        if spec.get("type") == "text" and gibberish(str(value)):
            flags["gibberish"] = f"{qid}: {str(value)[:60]}"
    if len(answers) >= 3 and digest(answers) in {d for _, d in others}:
        flags["duplicate"] = "the same answers as another complete"
    return flags


def page_speeds(
    timings: Mapping[str, float], others: list[Mapping[str, float]], share: float = PAGE_SPEEDER_SHARE
) -> list[str]:
    """The pages answered in under ``share`` of that page's median among ``others`` (the survey's
    completes), each as "page: s against a median of m s"; a page needs :data:`MEDIAN_MINIMUM`
    completes that timed it before its median counts."""
    out = []
    for page, seconds in timings.items():
        times = [float(t[page]) for t in others if page in t]
        if len(times) < MEDIAN_MINIMUM:
            continue
        median = statistics.median(times)
        if seconds < share * median:
            out.append(f"{page}: {seconds:.0f} s against a median of {median:.0f} s")
    return out
