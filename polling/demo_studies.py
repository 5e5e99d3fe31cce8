"""Demo studies of Demo Research Ltd (``client@demo.pulse``): one in draft, one in field, one closed.

Each goes the way a real study goes, through the same services: the client drafts the brief and
uploads the questionnaire, accepts the quote, staff approve it, Pulse draws the invitation sample,
and demo members take the survey through the taking engine (so quotas, honoraria, dispositions and
the k-anonymous snapshots are exactly what live fieldwork stores). The closed study is then closed
by staff, which settles its partials. Running it again adds nothing already there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from polling.accounts.models import User
from polling.db import utcnow
from polling.demo import DOMAIN
from polling.errors import PulseError
from polling.members.models import MemberProfile
from polling.respondents.keys import RespondentKeys
from polling.studies import field_controls, fielding, pricing, review, service
from polling.studies.invitations import draw_wave
from polling.studies.models import Invitation, Study
from polling.surveys import taking

ORGANISATION_ADMIN = f"client@{DOMAIN}"
STAFF = f"staff@{DOMAIN}"


def _t(en: str, es: str) -> dict[str, str]:
    return {"en": en, "es": es}


def _options(*pairs: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"code": code, "text": _t(en, es)} for code, en, es in pairs]


def _questionnaire(topic_en: str, topic_es: str) -> dict[str, Any]:
    """A short questionnaire: a screener, one choice, one scale, an optional comment."""
    return {
        "version": 1,
        "languages": ["en", "es"],
        "pages": [
            {
                "id": "screener",
                "questions": [
                    {
                        "id": "involved",
                        "type": "single",
                        "text": _t(
                            f"Are you involved in {topic_en} decisions for your patients?",
                            f"¿Participa en decisiones de {topic_es} para sus pacientes?",
                        ),
                        "options": _options(("yes", "Yes", "Sí"), ("no", "No", "No")),
                        "screen_out_if": "involved == 'no'",
                    }
                ],
            },
            {
                "id": "practice",
                "questions": [
                    {
                        "id": "guideline",
                        "type": "single",
                        "text": _t(
                            "How closely do you follow the national guideline?",
                            "¿En qué medida sigue la guía nacional?",
                        ),
                        "options": _options(
                            ("always", "Always", "Siempre"),
                            ("mostly", "Mostly", "Casi siempre"),
                            ("rarely", "Rarely", "Rara vez"),
                        ),
                    },
                    {
                        "id": "confidence",
                        "type": "nps",
                        "text": _t(
                            "How likely are you to recommend the current first-line option to a colleague?",
                            "¿Qué probabilidad hay de que recomiende la opción de primera línea actual a un colega?",
                        ),
                    },
                ],
            },
            {
                "id": "comments",
                "questions": [
                    {
                        "id": "comment",
                        "type": "text",
                        "required": False,
                        "text": _t("Anything else we should know?", "¿Algo más que debamos saber?"),
                        "max_length": 500,
                    }
                ],
            },
        ],
    }


def _brief(title: str, cells: list[dict[str, Any]], *, days: int, sponsor_type: str) -> dict[str, Any]:
    today = utcnow().date()
    return {
        "title": title,
        "objectives": "Understand current practice and the reasons behind it, by country.",
        "sponsor_name": "Demo Pharma plc" if sponsor_type == "pharmaceutical" else "Demo University",
        "sponsor_type": sponsor_type,
        "sponsor_named": False,
        "cells": cells,
        "sample_size": sum(cell["target"] for cell in cells),
        "field_start": today.isoformat(),
        "field_end": (today + timedelta(days=days)).isoformat(),
        "languages": ["en", "es"],
        "length_minutes": 10,
    }


DRAFT = (
    "Heart failure: first-line choices",
    "heart failure treatment",
    "tratamiento de la insuficiencia cardiaca",
    [
        {"country": "UK", "specialty": "cardiology", "target": 40},
        {"country": "ES", "specialty": "cardiology", "target": 40},
    ],
)
IN_FIELD = (
    "Antibiotic prescribing in primary care",
    "antibiotic prescribing",
    "prescripción de antibióticos",
    [
        {"country": "US", "specialty": "family_medicine", "target": 30},
        {"country": "UK", "specialty": "family_medicine", "target": 20},
        {"country": "ES", "specialty": "family_medicine", "target": 20},
    ],
)
CLOSED = (
    "Managing chronic pain without opioids",
    "chronic pain management",
    "manejo del dolor crónico",
    [
        {"country": "US", "specialty": "family_medicine", "target": 20},
        {"country": "CA", "specialty": "family_medicine", "target": 10},
    ],
)


def _draft(session: Session, client: User, plan: tuple[str, str, str, list[dict[str, Any]]]) -> Study:
    title, topic_en, topic_es, cells = plan
    study = service.create_draft(
        session, client, _brief(title, cells, days=28, sponsor_type="pharmaceutical")
    )
    return service.set_questionnaire(session, client, study.id, _questionnaire(topic_en, topic_es))


def _fielded(
    app: Flask, session: Session, client: User, staff: User, plan: tuple[str, str, str, list[dict[str, Any]]]
) -> Study:
    study = _draft(session, client, plan)
    service.submit(session, client, study.id, pricing.quote)
    study = review.approve(session, staff, study.id)
    draw_wave(session, study.id, fielding.settings_of(app))
    session.commit()
    return study


def _take(
    session: Session, keys: RespondentKeys, user: User, survey_id: int, rng: np.random.Generator
) -> None:
    """One invitee's path through the survey: some stop half-way, a few are screened out."""
    view = taking.consent(session, keys, user, survey_id, True)
    if rng.random() < 0.08:
        pages = [{"involved": "no"}]
    else:
        pages = [
            {"involved": "yes"},
            {
                "guideline": str(rng.choice(["always", "mostly", "rarely"], p=[0.3, 0.5, 0.2])),
                "confidence": str(int(rng.integers(3, 11))),
            },
            {"comment": ""},
        ]
        if rng.random() < 0.12:
            pages = pages[:2]  # left on the last page: a partial or a break-off at close
    for answers in pages:
        if view.response is None or view.status != "in_progress":
            return
        view = taking.submit(
            session,
            keys,
            user,
            survey_id,
            {"page": view.response.page, "step": view.response.step, "action": "next", "answers": answers},
        )


def _fieldwork(
    session: Session, keys: RespondentKeys, study: Study, share: float, rng: np.random.Generator
) -> int:
    """Demo invitees take the study's survey: ``share`` of them start; returns how many started."""
    invitees = session.execute(
        select(User, Invitation.member_id)
        .join(MemberProfile, MemberProfile.user_id == User.id)
        .join(Invitation, Invitation.member_id == MemberProfile.id)
        .where(Invitation.study_id == study.id)
        .order_by(Invitation.id)
    ).all()
    started = 0
    for user, _member_id in invitees:
        if rng.random() >= share or study.survey_id is None:
            continue
        try:
            _take(session, keys, user, study.survey_id, rng)
        except PulseError:  # the cell filled meanwhile, or the survey closed: as in real fieldwork
            session.rollback()
        started += 1
    return started


def seed_studies(app: Flask, session: Session, keys: RespondentKeys, *, seed: int) -> int:
    """Demo Research Ltd's three studies, if missing; returns how many demo members took part."""
    client = session.scalar(select(User).where(User.email == ORGANISATION_ADMIN))
    staff = session.scalar(select(User).where(User.email == STAFF))
    if client is None or staff is None or client.organisation_id is None:
        return 0
    if session.scalar(select(Study.id).where(Study.organisation_id == client.organisation_id)) is not None:
        return 0
    client.organisation_admin = True
    session.commit()
    rng = np.random.default_rng(seed + 17)
    pricing.load_reference_data(session)
    session.commit()
    _draft(session, client, DRAFT)
    closed = _fielded(app, session, client, staff, CLOSED)
    took_part = _fieldwork(session, keys, closed, 0.7, rng)
    field_controls.close(session, staff, keys, closed.id, "Demo: fieldwork complete.")
    in_field = _fielded(app, session, client, staff, IN_FIELD)
    took_part += _fieldwork(session, keys, in_field, 0.35, rng)
    return took_part
