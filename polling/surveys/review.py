"""Staff review of flagged completes: keep them, or remove them (leaving quotas, reversing the honorarium).

A removed complete's honorarium is reversed by a new ledger posting, never an edit. The response
names no member, so the member is found as the one the ledger credited for this survey whose
respondent key is the response's (the secret is needed; it never leaves the app).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from polling import policies
from polling.accounts.models import User
from polling.db import utcnow
from polling.errors import Conflict, NotFound
from polling.ledger import service as ledger
from polling.members.models import MemberProfile
from polling.respondents.demographics import snapshot
from polling.respondents.keys import RespondentKeys
from polling.surveys import quotas, signals
from polling.surveys.models import QualityFlag, Survey, SurveyAnswer, SurveyResponse
from polling.surveys.taking import saved_answers


@dataclass(frozen=True)
class Flagged:
    response: SurveyResponse
    survey_id: int
    flags: tuple[QualityFlag, ...]


def queue(session: Session, staff: User, survey_id: int | None = None) -> list[Flagged]:
    """Completes with flags that no one has decided on yet."""
    policies.require(staff, "study.manage")
    query = select(SurveyResponse).where(
        SurveyResponse.status == "complete",
        SurveyResponse.review.is_(None),
        exists().where(QualityFlag.response_id == SurveyResponse.id),
    )
    if survey_id is not None:
        query = query.where(SurveyResponse.survey_id == survey_id)
    rows = session.scalars(query.order_by(SurveyResponse.survey_id, SurveyResponse.id).limit(200))
    return [Flagged(r, r.survey_id, tuple(r.flags)) for r in rows]


def _member_of(session: Session, keys: RespondentKeys, response: SurveyResponse) -> MemberProfile | None:
    for member_id in ledger.credited_members(session, response.survey_id):
        if keys.key("survey", response.survey_id, member_id) == response.respondent_key:
            return session.get(MemberProfile, member_id)
    return None


def decide(
    session: Session, keys: RespondentKeys, staff: User, response_id: int, *, keep: bool
) -> SurveyResponse:
    """Keep a flagged complete, or remove it: out of the quota counts, honorarium reversed."""
    policies.require(staff, "study.manage")
    response = session.scalar(
        select(SurveyResponse).where(SurveyResponse.id == response_id).with_for_update()
    )
    if response is None:
        raise NotFound(_l("No response with this number."))
    if response.status != "complete" or response.review is not None:
        raise Conflict(_l("This response has already been reviewed."))
    if keep:
        response.review = "kept"
        session.commit()
        return response
    survey = session.get(Survey, response.survey_id)
    assert survey is not None
    member = _member_of(session, keys, response)
    if member is not None:
        exact = snapshot(member, response.ended_on or utcnow().date())
        answers = saved_answers(keys, response, survey.questionnaire)
        quotas.release(session, [c.id for c in quotas.cells_of(survey, exact, answers)])
        ledger.reverse_honorarium(session, member.id, survey.id)
        signals.response_removed.send(session, survey_id=survey.id, member_id=member.id)
    session.execute(update(Survey).where(Survey.id == survey.id).values(completes=Survey.completes - 1))
    response.status, response.review = "removed", "removed"
    _scrub(session, response)
    session.commit()
    return response


def _scrub(session: Session, response: SurveyResponse) -> None:
    """A removed complete keeps nothing that came from its member: no answers, flags, timings or
    snapshot — only that the member's response to the survey was removed (which stops a second
    try). The ledger's reversal names the member it debits, and a survey has few removals: a
    removed row keeping its data would be linked to its member by the reversal alone.
    """
    session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
    session.execute(delete(QualityFlag).where(QualityFlag.response_id == response.id))
    response.timings, response.answers_digest = {}, None
    response.country = response.specialty = response.sex = None
    response.age_band = response.practice_band = None
    session.expire(response, ["answers", "flags"])
