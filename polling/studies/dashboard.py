"""The field dashboard of a study: quotas, dispositions, AAPOR rates, incidence, length, drop-off.

Every figure is counted by the database (``GROUP BY``) at the moment it is asked for, so every
worker shows the same live numbers; nothing is kept in a process. The client who commissioned the
study sees small counts (they are its own fieldwork), never a member: invitations are counted by
disposition and cell, responses by status, page and country, honoraria credits by day.

Three sources, each for what it knows:

- the **invitations** (one per invited member, with its disposition) give the disposition counts,
  the AAPOR rates, the participation rate, the incidence and the quality removals, per study and
  per target country (the country of the invitee's cell);
- the **survey responses** (anonymous) give the median length of interview, drop-off by page and
  the quality flags. A response keeps a country only once it ends, generalised for anonymity, so
  drop-off (unfinished responses) is counted for the study as a whole;
- the **honoraria ledger** gives completes per day: a response keeps no day of its own.

AAPOR codes of Pulse's dispositions (:data:`AAPOR_CODE`), for an invited online panel, where the
invitation is the contact (../shared/STATS.md "Response rates"):

======================  ====  ==========================================================
Pulse disposition       code  why
======================  ====  ==========================================================
invited (never opened)  NC    the invitation was the contact attempt; no sign it arrived
bounced                 UH    the invitation never reached anyone: eligibility unknown
opened (never started)  UO    reached, eligibility unknown (never reached the screener)
started (break-off)     R     a break-off before the partial threshold
refused (opted out)     R     an explicit refusal
partial                 P     answered at least half of their pages (dispositions.py)
complete                I     a usable complete
screened_out            NE    the screener found them not eligible
over_quota              O     eligible, but their quota cell was full: eligible non-interview
removed                 O     an eligible complete removed by quality review: not usable
======================  ====  ==========================================================

``e`` (the eligible share of UH + UO) is estimated from the same study:
:func:`sampling.aapor.screener_eligibility`, the eligible share among the invitees whose
eligibility the screener determined. The rates are labelled as conditional on panel membership;
the headline for an opt-in panel is the participation rate (usable completes / invitations).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import Session, aliased

from polling.accounts.models import User
from polling.ledger.models import LedgerTransaction
from polling.studies.models import DISPOSITIONS, Invitation, Study, StudyCell
from polling.studies.service import get_study
from polling.surveys.models import QualityFlag, QuotaCell, Survey, SurveyResponse
from polling.surveys.service import state
from sampling import aapor

AAPOR_CODE: dict[str, str] = {
    "invited": "NC",
    "bounced": "UH",
    "opened": "UO",
    "started": "R",
    "refused": "R",
    "partial": "P",
    "complete": "I",
    "screened_out": "NE",
    "over_quota": "O",
    "removed": "O",
}
INCIDENCE_DEFINITION = _l(
    "Incidence = eligible / screened: invitees the screener let through (complete, partial, over "
    "quota, removed) over those plus the screened out."
)
#: sampling.aapor's English notes, as people read them (translated).
E_METHOD = _l(
    "e = (I + P + O) / (I + P + O + NE): the share found eligible among invitees whose eligibility "
    "the screener determined (completes, partials and other eligible cases against screen-outs)."
)
CONDITIONAL_NOTE = _l(
    "Conditional on panel membership: Pulse's panel is opt-in (non-probability), so these are rates "
    "among invited panel members, not response rates of a probability sample. The participation rate "
    "(usable completes / invitations) is the rate to report."
)


@dataclass(frozen=True)
class Rates:
    """Dispositions of one group of invitees and the outcome rates that follow from them."""

    dispositions: dict[str, int]  # Pulse's dispositions, every one named
    counts: aapor.DispositionCounts  # the same, in AAPOR's codes
    outcome: aapor.OutcomeRates
    e: float | None
    invitations: int
    usable: int
    participation: float | None
    eligible: int
    screened: int
    incidence: float | None


@dataclass(frozen=True)
class CellProgress:
    """A study target cell: its quota, how many were invited and completed (from dispositions)."""

    country: str
    specialty: str
    sex: str | None
    age_band: str | None
    target: int
    invited: int
    completes: int


@dataclass(frozen=True)
class QuotaProgress:
    """A quota cell of the fielded survey: completes counted against its target as they happen."""

    name: str
    countries: tuple[str, ...]
    target: int
    filled: int
    over_quota: int


@dataclass(frozen=True)
class PageDropOff:
    page: str
    in_progress: int


@dataclass(frozen=True)
class DayCompletes:
    day: date
    completes: int
    cumulative: int


@dataclass(frozen=True)
class Quality:
    removed: int
    awaiting_review: int
    flags: dict[str, int]  # flagged responses by reason


@dataclass(frozen=True)
class Fieldwork:
    """The dashboard of one scope: the whole study (``country`` None) or one target country."""

    country: str | None
    rates: Rates
    cells: tuple[CellProgress, ...]
    quotas: tuple[QuotaProgress, ...]
    completes_by_day: tuple[DayCompletes, ...]
    median_loi_minutes: float | None
    quality: Quality
    drop_off: tuple[PageDropOff, ...] | None  # None per country (unfinished responses keep none)


@dataclass(frozen=True)
class Dashboard:
    study: Study
    survey_state: str | None  # polling.surveys.service.state of the fielded survey; None before
    total: Fieldwork
    countries: tuple[Fieldwork, ...]
    e_method: object = E_METHOD
    conditional_note: object = CONDITIONAL_NOTE
    incidence_definition: object = INCIDENCE_DEFINITION


def rates_of(dispositions: Mapping[str, int]) -> Rates:
    """AAPOR counts, outcome rates (e from the screened), participation and incidence of a group."""
    codes = dict.fromkeys(("I", "P", "R", "NC", "O", "UH", "UO", "NE"), 0)
    for disposition, n in dispositions.items():
        codes[AAPOR_CODE[disposition]] += n
    counts = aapor.DispositionCounts(**codes)
    e = aapor.screener_eligibility(counts)
    eligible = counts.I + counts.P + counts.O
    return Rates(
        dispositions={d: int(dispositions.get(d, 0)) for d in DISPOSITIONS},
        counts=counts,
        outcome=aapor.outcome_rates(counts, e),
        e=e,
        invitations=counts.total,
        usable=counts.I,
        participation=aapor.participation_rate(counts.I, counts.total),
        eligible=eligible,
        screened=eligible + counts.NE,
        incidence=e,  # the same share: eligible among the screened
    )


def _disposition_rows(session: Session, study_id: int) -> list[tuple[int | None, str | None, str, int]]:
    rows = session.execute(
        select(Invitation.cell_id, StudyCell.country, Invitation.disposition, func.count())
        .outerjoin(StudyCell, StudyCell.id == Invitation.cell_id)
        .where(Invitation.study_id == study_id)
        .group_by(Invitation.cell_id, StudyCell.country, Invitation.disposition)
    ).all()
    return [(cell, country, str(disposition), int(n)) for cell, country, disposition, n in rows]


def _summed(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for disposition, n in rows:
        total[disposition] = total.get(disposition, 0) + n
    return total


def _loi_seconds_sql(dialect: str) -> str:
    """Seconds of one response: the sum of its per-page timings (a JSON object), in SQL."""
    if dialect == "postgresql":
        return (
            "(SELECT COALESCE(SUM(CAST(t.value AS DOUBLE PRECISION)), 0) FROM json_each_text(r.timings) AS t)"
        )
    return "(SELECT COALESCE(SUM(t.value), 0) FROM json_each(r.timings) AS t)"


def _median_loi(session: Session, survey_id: int, by_country: bool) -> dict[str | None, float]:
    """Median length of interview of usable completes in minutes, per country or overall.

    The median is taken in SQL (row number against count: the middle row, or the mean of the two).
    """
    group = "r.country" if by_country else "NULL"
    sql = f"""
        WITH loi AS (
            SELECT {group} AS grp, {_loi_seconds_sql(session.get_bind().dialect.name)} AS seconds
            FROM survey_responses AS r
            WHERE r.survey_id = :survey_id AND r.status = 'complete'
        ), ranked AS (
            SELECT grp, seconds,
                   ROW_NUMBER() OVER (PARTITION BY grp ORDER BY seconds) AS position,
                   COUNT(*) OVER (PARTITION BY grp) AS n
            FROM loi
        )
        SELECT grp, AVG(seconds) FROM ranked
        WHERE position IN ((n + 1) / 2, (n + 2) / 2)
        GROUP BY grp
    """
    rows = session.execute(text(sql), {"survey_id": survey_id}).all()
    return {grp: float(seconds) / 60 for grp, seconds in rows}


def _completes_by_day(
    session: Session, study_id: int, survey_id: int
) -> dict[str | None, list[tuple[date, int]]]:
    """Usable completes per day and target country, from the honoraria ledger.

    A response keeps no day of its own (``polling.surveys.taking.fieldwork_day``: a day would line
    it up with its member's credit), so the day a complete happened is the day the ledger credited
    its honorarium; a credit later reversed (removed for quality) is left out. The country is the
    one of the invitee's target cell, as for the dispositions. Counted in SQL; no member leaves it.
    """
    credit, reversal = aliased(LedgerTransaction), aliased(LedgerTransaction)
    rows = session.execute(
        select(StudyCell.country, credit.posted_on, func.count())
        .select_from(credit)
        .outerjoin(Invitation, (Invitation.study_id == study_id) & (Invitation.member_id == credit.member_id))
        .outerjoin(StudyCell, StudyCell.id == Invitation.cell_id)
        .where(
            credit.survey_id == survey_id,
            credit.kind == "honorarium",
            ~exists().where(
                reversal.survey_id == credit.survey_id,
                reversal.member_id == credit.member_id,
                reversal.kind == "reversal",
            ),
        )
        .group_by(StudyCell.country, credit.posted_on)
    ).all()
    by: dict[str | None, dict[date, int]] = {}
    for country, day, n in rows:
        for key in (None, country):
            days = by.setdefault(key, {})
            days[day] = days.get(day, 0) + int(n)
    return {key: sorted(days.items()) for key, days in by.items()}


def _cumulated(days: list[tuple[date, int]]) -> tuple[DayCompletes, ...]:
    running, result = 0, []
    for day, n in days:
        running += n
        result.append(DayCompletes(day, n, running))
    return tuple(result)


def _quality(session: Session, survey_id: int) -> dict[str | None, tuple[int, dict[str, int]]]:
    """Flagged completes awaiting review, and quality flags by reason, per response country.

    A complete removed for quality keeps neither flags nor country (``polling.surveys.review``):
    removals are counted from the dispositions instead.
    """
    flags = session.execute(
        select(SurveyResponse.country, QualityFlag.reason, func.count())
        .join(QualityFlag, QualityFlag.response_id == SurveyResponse.id)
        .where(SurveyResponse.survey_id == survey_id)
        .group_by(SurveyResponse.country, QualityFlag.reason)
    ).all()
    waiting = session.execute(
        select(SurveyResponse.country, func.count())
        .where(
            SurveyResponse.survey_id == survey_id,
            SurveyResponse.status == "complete",
            SurveyResponse.review.is_(None),
            SurveyResponse.id.in_(select(QualityFlag.response_id)),
        )
        .group_by(SurveyResponse.country)
    ).all()
    reasons: dict[str | None, dict[str, int]] = {}
    for country, reason, n in flags:
        for key in (None, country):
            by_reason = reasons.setdefault(key, {})
            by_reason[reason] = by_reason.get(reason, 0) + int(n)
    awaiting: dict[str | None, int] = {}
    for country, n in waiting:
        for key in (None, country):
            awaiting[key] = awaiting.get(key, 0) + int(n)
    return {
        key: (awaiting.get(key, 0), dict(sorted(reasons.get(key, {}).items())))
        for key in set(reasons) | set(awaiting)
    }


def _drop_off(session: Session, survey: Survey) -> tuple[PageDropOff, ...]:
    """Unfinished responses by the page they are on, in questionnaire order (how long each has been
    idle is sealed with its answers: a time in clear would line it up with its member's log-in)."""
    rows = session.execute(
        select(SurveyResponse.page, func.count())
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.status == "in_progress")
        .group_by(SurveyResponse.page)
    ).all()
    found = {str(page): int(n) for page, n in rows}
    order = [str(p["id"]) for p in (survey.questionnaire or {}).get("pages", [])]
    pages = order + sorted(set(found) - set(order))
    return tuple(PageDropOff(p, found.get(p, 0)) for p in pages)


def _quota_progress(session: Session, survey: Survey | None) -> tuple[QuotaProgress, ...]:
    if survey is None:
        return ()
    rows = session.execute(
        select(QuotaCell.name, QuotaCell.conditions, QuotaCell.target, QuotaCell.filled, QuotaCell.over_quota)
        .where(QuotaCell.survey_id == survey.id)
        .order_by(QuotaCell.id)
    ).all()
    return tuple(
        QuotaProgress(name, tuple((conditions or {}).get("country") or ()), target, filled, over_quota)
        for name, conditions, target, filled, over_quota in rows
    )


def fieldwork(session: Session, user: User, study_id: int) -> Dashboard:
    """The field dashboard of a study, for its organisation's clients and fielding staff.

    Raises:
        NotFound: no such study, or one of another organisation.
    """
    study = get_study(session, user, study_id)
    return dashboard_of(session, study)


def dashboard_of(session: Session, study: Study) -> Dashboard:
    """The dashboard of ``study`` (no permission check: the caller has made it)."""
    survey = session.get(Survey, study.survey_id) if study.survey_id is not None else None
    rows = _disposition_rows(session, study.id)
    by_cell: dict[int | None, dict[str, int]] = {}
    for cell_id, _country, disposition, n in rows:
        by_cell.setdefault(cell_id, {})[disposition] = n
    progress: dict[str | None, list[CellProgress]] = {None: []}
    for cell in study.cells:
        counts = by_cell.get(cell.id, {})
        row = CellProgress(
            cell.country,
            cell.specialty,
            cell.sex,
            cell.age_band,
            cell.target,
            sum(counts.values()),
            counts.get("complete", 0),
        )
        progress[None].append(row)
        progress.setdefault(cell.country, []).append(row)
    quotas = _quota_progress(session, survey)
    if survey is not None:
        by_day = _completes_by_day(session, study.id, survey.id)
        loi = _median_loi(session, survey.id, by_country=False) | _median_loi(
            session, survey.id, by_country=True
        )
        quality = _quality(session, survey.id)
        drop_off: tuple[PageDropOff, ...] | None = _drop_off(session, survey)
    else:
        by_day, loi, quality, drop_off = {}, {}, {}, ()

    def scope(country: str | None) -> Fieldwork:
        mine = [(d, n) for _cell, c, d, n in rows if country is None or c == country]
        rates = rates_of(_summed(mine))
        awaiting, flags = quality.get(country, (0, {}))
        return Fieldwork(
            country=country,
            rates=rates,
            cells=tuple(progress.get(country, [])),
            quotas=tuple(q for q in quotas if country is None or country in q.countries),
            completes_by_day=_cumulated(by_day.get(country, [])),
            median_loi_minutes=loi.get(country),
            quality=Quality(rates.dispositions["removed"], awaiting, flags),
            drop_off=drop_off if country is None else None,
        )

    return Dashboard(
        study=study,
        survey_state=state(survey) if survey is not None else None,
        total=scope(None),
        # every target country, even one with no invitations yet
        countries=tuple(scope(country) for country in study.country_codes),
    )


def body(dashboard: Dashboard) -> dict[str, Any]:
    """The dashboard as JSON-ready data: what the API answers and the page shows (one dict)."""
    study = dashboard.study

    def scope(f: Fieldwork) -> dict[str, Any]:
        r = f.rates
        return {
            "country": f.country,
            "dispositions": r.dispositions,
            "aapor_counts": {
                name: getattr(r.counts, name) for name in ("I", "P", "R", "NC", "O", "UH", "UO", "NE")
            },
            "rates": r.outcome.as_dict(),
            "e": r.e,
            "invitations": r.invitations,
            "usable_completes": r.usable,
            "participation_rate": r.participation,
            "eligible": r.eligible,
            "screened": r.screened,
            "incidence": r.incidence,
            "cells": [vars(c) for c in f.cells],
            "quotas": [vars(q) | {"countries": list(q.countries)} for q in f.quotas],
            "completes_by_day": [vars(d) for d in f.completes_by_day],
            "median_loi_minutes": f.median_loi_minutes,
            "quality": vars(f.quality),
            "drop_off": None if f.drop_off is None else [vars(p) for p in f.drop_off],
        }

    return {
        "study_id": study.id,
        "title": study.title,
        "status": study.status,
        "survey_state": dashboard.survey_state,
        "field_start": study.field_start,
        "field_end": study.field_end,
        "aapor_codes": dict(AAPOR_CODE),
        "e_method": str(dashboard.e_method),
        "rates_note": str(dashboard.conditional_note),
        "incidence_definition": str(dashboard.incidence_definition),
        "total": scope(dashboard.total),
        "countries": [scope(c) for c in dashboard.countries],
    }
