"""A study in field with a hand-counted fieldwork: invitations by disposition, responses, quotas.

Invitations (the AAPOR codes in brackets):

  UK cardiology (quota 10): complete 4 (I), partial 1 (P), started 1 + refused 1 (R), invited 5 (NC),
      over_quota 1 + removed 1 (O), bounced 1 (UH), opened 2 (UO), screened_out 2 (NE)   = 19
  ES cardiology (quota 5):  complete 2 (I), invited 3 (NC), opened 1 (UO), screened_out 1 (NE) = 7

Responses: completes UK 300, 600, 720, 900 s (one flagged straight_lining, awaiting review), ES 480,
540 s; one UK complete removed for quality (credited, reversed; the response keeps nothing); one
over quota and three screened out (no country kept); unfinished: one on page "tools" shown 2 days
ago, one on "ai" now. Honoraria credited (the day of each complete) on day 0 (UK 300, ES 480),
day 1 (UK 600, UK 720, ES 540) and day 3 (UK 900).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta
from typing import Any
from unittest.mock import patch

from sqlalchemy import select

from polling.db import utcnow
from polling.ledger import service as ledger
from polling.studies.models import Invitation, Study, StudyCell
from polling.surveys.models import QualityFlag, QuotaCell, SurveyResponse
from tests.factories import make_member, make_user
from tests.surveys.helpers import make_survey, questionnaire

UK_DISPOSITIONS = {
    "complete": 4,
    "partial": 1,
    "started": 1,
    "refused": 1,
    "invited": 5,
    "over_quota": 1,
    "removed": 1,
    "bounced": 1,
    "opened": 2,
    "screened_out": 2,
}
ES_DISPOSITIONS = {"complete": 2, "invited": 3, "opened": 1, "screened_out": 1}
FIRST_DAY = utcnow().date() - timedelta(days=5)


def clients(session, hasher):  # type: ignore[no-untyped-def]
    """A client of Acme Research (whose study it is) and one of Other Insights."""
    ours = make_user(session, hasher, "client", organisation="Acme Research")
    theirs = make_user(session, hasher, "client", organisation="Other Insights")
    return ours, theirs


def fielded_survey(session, staff):  # type: ignore[no-untyped-def]
    return make_survey(
        session,
        staff,
        countries=["UK", "ES"],
        honoraria=[
            {"country": "UK", "currency": "GBP", "amount_minor": 4000},
            {"country": "ES", "currency": "EUR", "amount_minor": 4500},
        ],
        quotas=[
            {"name": "UK cardiology", "conditions": {"country": ["UK"]}, "target": 10},
            {"name": "ES cardiology", "conditions": {"country": ["ES"]}, "target": 5},
        ],
    )


def study_in_field(session, client_user, survey=None, **overrides: Any) -> Study:  # type: ignore[no-untyped-def]
    today = utcnow().date()
    values: dict[str, Any] = {
        "organisation_id": client_user.organisation_id,
        "created_by_id": client_user.id,
        "title": "Heart failure treatment choices",
        "sponsor_name": "Acme Pharma",
        "sponsor_type": "pharmaceutical",
        "questionnaire": questionnaire(),
        "sample_size": 15,
        "field_start": FIRST_DAY,
        "field_end": today + timedelta(days=14),
        "status": "field",
        "survey_id": survey.id if survey is not None else None,
        "cells": [
            StudyCell(country="UK", specialty="cardiology", target=10),
            StudyCell(country="ES", specialty="cardiology", target=5),
        ],
    }
    values.update(overrides)
    study = Study(**values)
    session.add(study)
    session.commit()
    return study


def invite(
    session, hasher, study: Study, cell: StudyCell, dispositions: dict[str, int]
) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    """Invitations with the given dispositions; returns the member ids by disposition."""
    members: dict[str, list[int]] = {}
    for disposition, n in dispositions.items():
        for _ in range(n):
            member = make_member(session, hasher, status="pending")  # only the row is needed
            members.setdefault(disposition, []).append(member.id)
            session.add(
                Invitation(
                    study_id=study.id,
                    member_id=member.id,
                    cell_id=cell.id,
                    disposition=disposition,
                    invited_on=FIRST_DAY,
                )
            )
    session.commit()
    return members


def credit(session, survey, member_id: int, day, *, reverse: bool = False) -> None:  # type: ignore[no-untyped-def]
    """The honorarium of a complete, credited on ``day`` (the day the complete happened); reversed
    the same day with ``reverse`` (removed for quality). The ledger is append-only: its clock is set."""
    with patch.object(ledger, "utcnow", return_value=datetime.combine(day, time(12), tzinfo=UTC)):
        ledger.credit_honorarium(session, member_id, survey.id, "GBP", 4000)
        if reverse:
            ledger.reverse_honorarium(session, member_id, survey.id)


def respond(session, survey, status: str, **fields: Any) -> SurveyResponse:  # type: ignore[no-untyped-def]
    seconds = fields.pop("seconds", None)
    values: dict[str, Any] = {
        "survey_id": survey.id,
        "respondent_key": secrets.token_hex(32),
        "questionnaire_version": 1,
        "status": status,
        "page": "end",
        "started_on": FIRST_DAY,
        "timings": {} if seconds is None else {"screen": 20.0, "tools": seconds - 20.0},
    }
    values.update(fields)
    response = SurveyResponse(**values)
    session.add(response)
    session.flush()
    return response


def hand_counted_study(session, hasher):  # type: ignore[no-untyped-def]
    """The study above; returns (study, survey, client of its organisation, client of another)."""
    ours, theirs = clients(session, hasher)
    staff = make_user(session, hasher, "staff")
    survey = fielded_survey(session, staff)
    study = study_in_field(session, ours, survey)
    uk, es = study.cells
    uk_members = invite(session, hasher, study, uk, UK_DISPOSITIONS)
    es_members = invite(session, hasher, study, es, ES_DISPOSITIONS)
    day = FIRST_DAY
    uk_first, uk_second, uk_third, uk_fourth = uk_members["complete"]
    es_first, es_second = es_members["complete"]
    for country, seconds, member_id, ended in (
        ("UK", 300, uk_first, day),
        ("ES", 480, es_first, day),
        ("UK", 600, uk_second, day + timedelta(days=1)),
        ("UK", 720, uk_third, day + timedelta(days=1)),
        ("ES", 540, es_second, day + timedelta(days=1)),
        ("UK", 900, uk_fourth, day + timedelta(days=3)),
    ):
        # a response stores the survey's first day, never its own (polling.surveys.taking)
        done = respond(session, survey, "complete", country=country, seconds=seconds, ended_on=day)
        credit(session, survey, member_id, ended)
        if seconds == 720:
            session.add(QualityFlag(response_id=done.id, reason="straight_lining", detail="same column"))
    # removed for quality: credited, then reversed; the response keeps nothing of its member
    removed = uk_members["removed"][0]
    credit(session, survey, removed, day, reverse=True)
    respond(session, survey, "removed", ended_on=day, review="removed")
    respond(session, survey, "over_quota", page="tools", ended_on=day)
    for _ in range(3):
        respond(session, survey, "screened_out", page="screen", ended_on=day)
    respond(session, survey, "in_progress", page="tools")
    respond(session, survey, "in_progress", page="ai")
    for cell in session.scalars(select(QuotaCell).where(QuotaCell.survey_id == survey.id)):
        cell.filled, cell.over_quota = (4, 1) if cell.name.startswith("UK") else (2, 0)
    session.commit()
    return study, survey, ours, theirs
