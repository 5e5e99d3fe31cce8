"""Paid surveys: creating and fielding them from a questionnaire file, and the list a member sees.

Plain functions over a session; each that writes commits its own unit of work. Taking a survey is
:mod:`polling.surveys.taking`; quotas :mod:`polling.surveys.quotas`; quality :mod:`polling.surveys.quality`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from polling import policies
from polling.accounts.models import User
from polling.db import utcnow
from polling.errors import Conflict, InvalidInput, NotFound
from polling.members.models import MemberProfile
from polling.respondents import targeting
from polling.respondents.keys import RespondentKeys
from polling.surveys.models import (
    QuotaCell,
    Survey,
    SurveyCountry,
    SurveyHonorarium,
    SurveyResponse,
    SurveySpecialty,
)
from polling.surveys.questionnaire import InvalidQuestionnaire, validate_questionnaire
from polling.surveys.schemas import SurveyInputSchema
from polling.surveys.signals import invited_surveys

SURVEY_TARGETS = targeting.TargetColumns(
    SurveyCountry.survey_id, SurveyCountry.country, SurveySpecialty.survey_id, SurveySpecialty.specialty
)


def state(survey: Survey, now: datetime | None = None) -> str:
    """draft, scheduled, open, full or closed."""
    if survey.status == "draft":
        return "draft"
    now = now or utcnow()
    if survey.status == "closed" or now >= survey.closes_at:
        return "closed"
    if now < survey.opens_at:
        return "scheduled"
    if survey.target_completes is not None and survey.completes >= survey.target_completes:
        return "full"
    return "open"


def questionnaire_or_refusal(raw: object) -> dict[str, Any]:
    """The validated questionnaire, or InvalidInput listing each problem under ``questionnaire``."""
    try:
        return validate_questionnaire(raw)
    except InvalidQuestionnaire as exc:
        raise InvalidInput(
            _l("The questionnaire has %(n)d problems; each is listed with its path.", n=len(exc.problems)),
            fields={"questionnaire": list(exc.problems)},
        ) from None


def _load(raw: Mapping[str, object]) -> dict[str, Any]:
    try:
        data: dict[str, Any] = SurveyInputSchema().load(raw)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"survey": exc.messages}
        raise InvalidInput(
            _l("Some fields are not valid."),
            fields={str(k): v if isinstance(v, list) else [str(v)] for k, v in messages.items()},
        ) from None
    data["questionnaire"] = questionnaire_or_refusal(data["questionnaire"])
    if data["closes_at"] <= data["opens_at"]:
        raise InvalidInput.for_field("closes_at", _l("Close the survey after it opens."))
    paid = {h["country"] for h in data["honoraria"]}
    missing = [c for c in data["countries"] if c not in paid]
    if missing:
        raise InvalidInput.for_field(
            "honoraria", _l("Set the honorarium for %(countries)s.", countries=", ".join(missing))
        )
    return data


def create_survey(session: Session, staff: User, raw: Mapping[str, object]) -> Survey:
    """A draft survey from a survey file (topic, targets, honoraria, quotas, questionnaire)."""
    policies.require(staff, "study.manage")
    data = _load(raw)
    survey = Survey(
        topic=data["topic"],
        sponsor=data["sponsor"],
        pharmaceutical=data["pharmaceutical"],
        length_minutes=data["length_minutes"],
        opens_at=data["opens_at"],
        closes_at=data["closes_at"],
        target_completes=data.get("target_completes"),
        questionnaire=data["questionnaire"],
        questionnaire_version=1,
        status="draft",
        target_countries=[SurveyCountry(country=c) for c in sorted(set(data["countries"]))],
        target_specialties=[SurveySpecialty(specialty=s) for s in sorted(set(data["specialties"]))],
        honoraria=[SurveyHonorarium(**h) for h in data["honoraria"]],
        quota_cells=[QuotaCell(**q, filled=0, over_quota=0) for q in data["quotas"]],
    )
    session.add(survey)
    session.commit()
    return survey


def replace_questionnaire(session: Session, staff: User, survey_id: int, raw: object) -> Survey:
    """A new questionnaire version for a draft; once in field the questionnaire is frozen."""
    policies.require(staff, "study.manage")
    survey = get_survey(session, survey_id)
    if survey.status != "draft":
        raise Conflict(
            _l(
                "This survey is in field: its questionnaire is frozen. Close it and create a new survey instead."
            )
        )
    survey.questionnaire = questionnaire_or_refusal(raw)
    survey.questionnaire_version += 1
    session.commit()
    return survey


def field(session: Session, staff: User, survey_id: int) -> Survey:
    policies.require(staff, "study.manage")
    survey = get_survey(session, survey_id)
    if survey.status != "draft":
        raise Conflict(_l("Only a draft survey can be put in field."))
    survey.status = "field"
    session.commit()
    return survey


def close(session: Session, staff: User, survey_id: int) -> Survey:
    policies.require(staff, "study.manage")
    survey = get_survey(session, survey_id)
    if survey.status != "field":
        raise Conflict(_l("Only a survey in field can be closed."))
    survey.status = "closed"
    session.commit()
    return survey


def get_survey(session: Session, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(_l("No survey with this number."))
    return survey


def all_surveys(session: Session, staff: User) -> list[Survey]:
    policies.require(staff, "study.manage")
    return list(session.scalars(select(Survey).order_by(Survey.id.desc())))


@dataclass(frozen=True)
class SurveyCard:
    """What "Surveys for you" shows: topic (never the sponsor), length, honorarium, closing date."""

    survey: Survey
    state: str
    currency: str | None
    amount_minor: int | None
    response_status: str | None


def for_member(session: Session, keys: RespondentKeys, member: MemberProfile) -> list[SurveyCard]:
    """Surveys in field that are for ``member`` and that they have not finished, closing soonest first.

    An invitation-only survey (a client study's) is listed only for the members invited to it.
    """
    now = utcnow()
    invited = sorted(invited_surveys(session, member.id))
    surveys = session.scalars(
        select(Survey)
        .where(Survey.status == "field", Survey.opens_at <= now, Survey.closes_at > now)
        .where(targeting.eligible_clause(SURVEY_TARGETS, Survey.id, member))
        .where(or_(Survey.invitation_only.is_(False), Survey.id.in_(invited)))
        .order_by(Survey.closes_at, Survey.id)
    )
    cards = []
    for survey in surveys:
        status = session.scalar(
            select(SurveyResponse.status).where(
                SurveyResponse.survey_id == survey.id,
                SurveyResponse.respondent_key == keys.key("survey", survey.id, member.id),
            )
        )
        if status not in (None, "in_progress"):
            continue
        honorarium = survey.honorarium_for(member.country)
        cards.append(
            SurveyCard(
                survey,
                state(survey, now),
                honorarium.currency if honorarium else None,
                honorarium.amount_minor if honorarium else None,
                status,
            )
        )
    return cards
