"""Staff review of submitted studies: the queue, approval (which fields the paid survey), sending back.

Approval turns the brief into an invitation-only paid survey (:class:`polling.surveys.models.Survey`):
the title as its topic in every language of the study, the questionnaire (validated again), the
length, the field window (from the first day's start to the end of the last day, UTC), one
honorarium per country (:func:`polling.studies.pricing.honorarium_by_country`) and one quota cell per
target cell. The study is then in field (approved until its first day); its invitations are drawn and mailed by
:func:`polling.studies.fielding.launch`, after this commit.

A study moves out of ``submitted`` once: the status change is an ``UPDATE … WHERE status =
'submitted'``, so two staff deciding at once get one decision and one 409.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from polling import policies
from polling.accounts.models import User
from polling.db import utcnow
from polling.errors import Conflict, InvalidInput
from polling.studies import pricing
from polling.studies.field_controls import closes_at
from polling.studies.models import Study, StudyCell, StudyEvent, move_status
from polling.studies.service import get_study
from polling.surveys.models import QuotaCell, Survey, SurveyCountry, SurveyHonorarium, SurveySpecialty
from polling.surveys.service import questionnaire_or_refusal

#: ``(session, study) -> {country: (currency, honorarium in minor units)}``.
Honoraria = Callable[[Session, Study], dict[str, tuple[str, int]]]


def queue(session: Session, staff: User) -> list[Study]:
    """Studies waiting for review, the longest waiting first."""
    policies.require(staff, "study.manage")
    return list(
        session.scalars(
            select(Study).where(Study.status == "submitted").order_by(Study.submitted_at, Study.id)
        )
    )


def history(session: Session, user: User, study_id: int) -> list[StudyEvent]:
    """The study's events (submitted, returned with comments, approved), oldest first; for its
    client and fielding staff."""
    study = get_study(session, user, study_id)
    return list(
        session.scalars(
            select(StudyEvent).where(StudyEvent.study_id == study.id).order_by(StudyEvent.at, StudyEvent.id)
        )
    )


def _decide(session: Session, staff: User, study_id: int, to: str) -> Study:
    study = get_study(session, staff, study_id, "study.manage")
    if not move_status(session, study, ("submitted",), to):
        raise Conflict(
            _l("Only a submitted study can be reviewed; this one is %(status)s.", status=study.status)
        )
    return study


def send_back(session: Session, staff: User, study_id: int, comment: str) -> Study:
    """Return the study to its client with ``comment`` (required): they edit and submit again."""
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput.for_field("comment", _l("Say what the client should change."))
    if len(comment) > 4000:
        raise InvalidInput.for_field("comment", _l("Keep the comment under 4,000 characters."))
    study = _decide(session, staff, study_id, "returned")
    study.review_comment = comment
    session.add(StudyEvent(study_id=study.id, actor_id=staff.id, kind="returned", comment=comment))
    session.commit()
    return study


def _window(study: Study) -> tuple[datetime, datetime]:
    if study.field_start is None or study.field_end is None:
        raise InvalidInput.for_field("field_end", _l("The study needs a field window before approval."))
    opens = datetime.combine(study.field_start, time(0), UTC)
    closes = closes_at(study.field_end)
    if closes <= utcnow():
        raise InvalidInput.for_field(
            "field_end", _l("The field window has already ended: send the study back for new dates.")
        )
    return opens, closes


def _cell_name(cell: StudyCell) -> str:
    return "-".join(part for part in (cell.country, cell.specialty, cell.sex, cell.age_band) if part)[:80]


def _conditions(cell: StudyCell) -> dict[str, Any]:
    conditions: dict[str, Any] = {"country": [cell.country], "specialty": [cell.specialty]}
    if cell.sex:
        conditions["sex"] = [cell.sex]
    if cell.age_band:
        conditions["age_band"] = [cell.age_band]
    return conditions


def survey_of(session: Session, study: Study, honoraria: Honoraria) -> Survey:
    """The invitation-only paid survey that fields ``study`` (in field, not yet added to the session).

    Raises:
        InvalidInput: the questionnaire or field window is not fit to field (the field is named).
        Conflict: a country has no fair-market value (pricing).
    """
    if not study.cells:
        raise InvalidInput.for_field("cells", _l("The study has no target cells."))
    document = questionnaire_or_refusal(study.questionnaire)
    opens, closes = _window(study)
    paid = honoraria(session, study)
    missing = [c for c in study.country_codes if c not in paid]
    if missing:
        raise Conflict(_l("No honorarium for %(countries)s.", countries=", ".join(missing)))
    languages = study.languages or ["en"]
    return Survey(
        topic=dict.fromkeys(languages, study.title),
        sponsor=study.sponsor_name or "—",
        pharmaceutical=study.sponsor_type in ("pharmaceutical", "device"),
        length_minutes=study.length_minutes,
        status="field",
        opens_at=opens,
        closes_at=closes,
        target_completes=study.sample_size or sum(cell.target for cell in study.cells),
        questionnaire=document,
        questionnaire_version=1,
        invitation_only=True,
        target_countries=[SurveyCountry(country=c) for c in study.country_codes],
        target_specialties=[SurveySpecialty(specialty=s) for s in study.specialty_codes],
        honoraria=[
            SurveyHonorarium(country=country, currency=currency, amount_minor=amount)
            for country, (currency, amount) in sorted(paid.items())
            if country in study.country_codes
        ],
        quota_cells=[
            QuotaCell(
                name=_cell_name(cell),
                conditions=_conditions(cell),
                target=cell.target,
                hard=cell.hard,
                filled=0,
                over_quota=0,
            )
            for cell in study.cells
        ],
    )


def approve(session: Session, staff: User, study_id: int, honoraria: Honoraria | None = None) -> Study:
    """Approve a submitted study: its paid survey is created, in field from the window's first day;
    the study is in field (or approved, until its first day: ``fielding_tick`` then starts it).

    Call :func:`polling.studies.fielding.launch` after it to draw and mail the first wave.
    """
    study = get_study(session, staff, study_id, "study.manage")
    if study.status != "submitted":
        raise Conflict(
            _l("Only a submitted study can be reviewed; this one is %(status)s.", status=study.status)
        )
    survey = survey_of(
        session, study, honoraria or pricing.honorarium_by_country
    )  # refuses before anything changes
    study = _decide(session, staff, study_id, "field" if survey.opens_at <= utcnow() else "approved")
    session.add(survey)
    session.flush()
    study.survey_id = survey.id
    study.review_comment = None
    session.add(StudyEvent(study_id=study.id, actor_id=staff.id, kind="approved", comment=""))
    session.commit()
    return study
