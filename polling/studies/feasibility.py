"""Feasibility of a study, cell by cell: who is eligible now, how they answered before, what to expect.

For each target cell (country × specialty, optionally one sex or age band):

* **Eligible now**: verified members of the cell (:func:`polling.respondents.targeting.eligible_members`,
  narrowed by sex and by the age band the member is in this year).
* **History**: invitations to *earlier* studies of members of the cell's country and specialty
  (not the sex or age band: too few invitations per finer cell). Invitations are all invitations,
  whatever their disposition; completes are invitations whose disposition is ``complete``. A
  complete later *removed for quality* does not count: the target is usable completes, and quality
  removals will thin the next study as they thinned the last.
* **Estimate**: :func:`sampling.feasibility.estimate_cell` with its stated prior (Beta(2, 8):
  20 %, worth 10 invitations) and fielding plan; intervals are the 10th–90th percentiles.

A cell that the eligible members cannot fill, or not within the field window, is ``short``; one
whose cautious end misses is ``at_risk``. Each such cell names what would fill it: a smaller
target, more countries, related specialties, or a longer field window.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from polling.members.models import MemberProfile
from polling.respondents.targeting import eligible_members
from polling.studies.models import Invitation, Study, StudyCell
from sampling.codes import AGE_BANDS, AGE_BANDS_55, country_name
from sampling.feasibility import LEVEL, PLAN, PRIOR, CellEstimate, estimate_cell
from sampling.taxonomy import SPECIALTIES, group_of

#: Ages (inclusive) of each age band a cell may name.
AGE_RANGES: dict[str, tuple[int, int]] = {
    AGE_BANDS[0]: (0, 34),
    AGE_BANDS[1]: (35, 44),
    AGE_BANDS[2]: (45, 54),
    AGE_BANDS[3]: (55, 64),
    AGE_BANDS[4]: (65, 200),
    AGE_BANDS_55[0]: (0, 54),
    AGE_BANDS_55[1]: (55, 200),
}
STATUSES = ("fillable", "at_risk", "short")


@dataclass(frozen=True)
class CellFeasibility:
    """One cell's feasibility, with what would fill it when it is not ``fillable``."""

    cell_id: int
    country: str
    specialty: str
    sex: str | None
    age_band: str | None
    label: str
    target: int
    estimate: CellEstimate
    from_prior_only: bool
    status: str
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class StudyFeasibility:
    """Every cell of a study, the field window and the model's stated assumptions."""

    study_id: int
    window_days: int | None
    cells: tuple[CellFeasibility, ...]
    method: str = field(default="")

    @property
    def eligible(self) -> int:
        return sum(c.estimate.eligible for c in self.cells)

    @property
    def target(self) -> int:
        return sum(c.target for c in self.cells)

    @property
    def invitations_needed(self) -> int:
        return sum(min(c.estimate.invitations_needed, c.estimate.eligible) for c in self.cells)

    @property
    def short_cells(self) -> tuple[CellFeasibility, ...]:
        return tuple(c for c in self.cells if c.status == "short")

    def as_dict(self) -> dict[str, Any]:
        """One dict for the page, the API and the PDF."""
        return {
            "study_id": self.study_id,
            "window_days": self.window_days,
            "eligible": self.eligible,
            "target": self.target,
            "invitations_needed": self.invitations_needed,
            "method": self.method,
            "cells": [
                {
                    **{k: v for k, v in asdict(c).items() if k != "estimate"},
                    "suggestions": list(c.suggestions),
                    **_estimate_dict(c.estimate),
                }
                for c in self.cells
            ],
        }


def _estimate_dict(e: CellEstimate) -> dict[str, Any]:
    return {
        "eligible": e.eligible,
        "past_invitations": e.invitations,
        "past_completes": e.completes,
        "response_rate": round(e.response_rate, 4),
        "response_rate_low": round(e.rate_low, 4),
        "response_rate_high": round(e.rate_high, 4),
        "expected_completes": round(e.expected_completes, 1),
        "expected_completes_low": e.completes_low,
        "expected_completes_high": e.completes_high,
        "probability_of_target": round(e.probability_of_target, 3),
        "invitations_needed": e.invitations_needed,
        "field_days": e.field_days,
        "field_days_low": e.field_days_low,
        "field_days_high": e.field_days_high,
    }


def method_note() -> str:
    """The model in one paragraph, for the page, the API and the PDF."""
    return _(
        "Response rates come from members' invitations to earlier studies in the same country and "
        "specialty (completes over all invitations; completes removed for quality do not count), "
        "combined with a prior of %(prior)d%% worth %(strength)d invitations where there is little or "
        "no history. Intervals run from the 10th to the 90th percentile. Field days assume waves of "
        "a quarter of the eligible members every %(interval)d days, each answered within %(days)d days.",
        prior=round(PRIOR.mean * 100),
        strength=round(PRIOR.strength),
        interval=PLAN.wave_interval_days,
        days=PLAN.response_days,
    )


def _locale() -> str:
    return str(get_locale() or "en")


def _specialty_name(code: str) -> str:
    return SPECIALTIES[code].name(_locale()) if code in SPECIALTIES else code


def cell_label(cell: StudyCell) -> str:
    """ "Spain · Cardiology · female · 35-44", in the request's language."""
    parts = [country_name(cell.country, _locale()), _specialty_name(cell.specialty)]
    parts += [p for p in (cell.sex, cell.age_band) if p]
    return " · ".join(parts)


def eligible_count(session: Session, cell: StudyCell, today: date | None = None) -> int:
    """Verified members eligible for ``cell`` now (its sex and age band this year, if it has them)."""
    query = eligible_members([cell.country], [cell.specialty])
    if cell.sex:
        query = query.where(MemberProfile.sex == cell.sex)
    if cell.age_band:
        youngest, oldest = AGE_RANGES.get(cell.age_band, (1, 0))  # an unknown band matches no one
        year = (today or date.today()).year
        query = query.where(MemberProfile.birth_year.between(year - oldest, year - youngest))
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def history(session: Session, study: Study) -> dict[tuple[str, str], tuple[int, int]]:
    """(country, specialty) → (invitations, completes) of earlier studies, for this study's cells."""
    completes = func.sum(case((Invitation.disposition == "complete", 1), else_=0))
    rows = session.execute(
        select(MemberProfile.country, MemberProfile.specialty, func.count(Invitation.id), completes)
        .join(MemberProfile, MemberProfile.id == Invitation.member_id)
        .where(
            Invitation.study_id != study.id,
            MemberProfile.country.in_(study.country_codes),
            MemberProfile.specialty.in_(study.specialty_codes),
        )
        .group_by(MemberProfile.country, MemberProfile.specialty)
    )
    return {(country, specialty): (int(n), int(x or 0)) for country, specialty, n, x in rows}


def _eligible_everywhere(session: Session) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(MemberProfile.country, MemberProfile.specialty, func.count())
        .where(MemberProfile.status == "verified")
        .group_by(MemberProfile.country, MemberProfile.specialty)
    )
    return {(country, specialty): int(n) for country, specialty, n in rows}


def window_days(study: Study) -> int | None:
    """Days of the field window, both ends included (None until both are set)."""
    if study.field_start is None or study.field_end is None:
        return None
    return (study.field_end - study.field_start).days + 1


def _status(estimate: CellEstimate, window: int | None) -> str:
    days = estimate.field_days
    if not estimate.fillable or (window is not None and days is not None and days > window):
        return "short"
    cautious = estimate.field_days_high
    if (
        estimate.completes_low < estimate.target
        or cautious is None
        or (window is not None and cautious > window)
    ):
        return "at_risk"
    return "fillable"


def _suggestions(
    study: Study,
    cell: StudyCell,
    estimate: CellEstimate,
    window: int | None,
    everywhere: dict[tuple[str, str], int],
) -> tuple[str, ...]:
    locale = _locale()
    out: list[str] = []
    if 0 < estimate.completes_low < estimate.target:
        out.append(
            _(
                "Lower the target to %(n)d: nine times in ten the %(eligible)d eligible members give "
                "at least that.",
                n=estimate.completes_low,
                eligible=estimate.eligible,
            )
        )
    countries = sorted(
        (
            (n, country)
            for (country, specialty), n in everywhere.items()
            if specialty == cell.specialty and country not in study.country_codes
        ),
        reverse=True,
    )[:3]
    if countries:
        out.append(
            _(
                "Add countries: %(list)s have eligible members of this specialty.",
                list=", ".join(f"{country_name(c, locale)} ({n})" for n, c in countries),
            )
        )
    group = group_of(cell.specialty) if cell.specialty in SPECIALTIES else None
    related = sorted(
        (
            (n, specialty)
            for (country, specialty), n in everywhere.items()
            if country == cell.country
            and specialty in SPECIALTIES
            and specialty not in study.specialty_codes
            and group_of(specialty) == group
        ),
        reverse=True,
    )[:3]
    if related:
        out.append(
            _(
                "Add related specialties in %(country)s: %(list)s.",
                country=country_name(cell.country, locale),
                list=", ".join(f"{_specialty_name(s)} ({n})" for n, s in related),
            )
        )
    days = estimate.field_days_high or estimate.field_days
    if window is not None and days is not None and days > window:
        out.append(
            _(
                "Extend the field window to %(days)d days (it is %(window)d days now).",
                days=days,
                window=window,
            )
        )
    return tuple(out)


def feasibility(session: Session, study: Study, today: date | None = None) -> StudyFeasibility:
    """Feasibility of every cell of ``study`` (already checked by :func:`service.get_study`)."""
    past = history(session, study)
    everywhere = _eligible_everywhere(session)
    window = window_days(study)
    cells = []
    for cell in study.cells:
        invitations, completes = past.get((cell.country, cell.specialty), (0, 0))
        estimate = estimate_cell(eligible_count(session, cell, today), invitations, completes, cell.target)
        status = _status(estimate, window)
        cells.append(
            CellFeasibility(
                cell_id=cell.id,
                country=cell.country,
                specialty=cell.specialty,
                sex=cell.sex,
                age_band=cell.age_band,
                label=cell_label(cell),
                target=cell.target,
                estimate=estimate,
                from_prior_only=invitations == 0,
                status=status,
                suggestions=()
                if status == "fillable"
                else _suggestions(study, cell, estimate, window, everywhere),
            )
        )
    return StudyFeasibility(study.id, window, tuple(cells), method=method_note())


__all__ = [
    "LEVEL",
    "STATUSES",
    "CellFeasibility",
    "StudyFeasibility",
    "cell_label",
    "eligible_count",
    "feasibility",
    "history",
    "method_note",
    "window_days",
]
