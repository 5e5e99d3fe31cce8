"""Demo paid surveys: one open for the demo members, one closed with completes across countries.

The open survey shows the whole flow: a screener ("Do you see patients?" — answer No to be screened
out), skip logic (the AI page only for those who use AI tools), piping, an attention check, and a
hard quota cell for Spain that is already full, so the Spanish demo member is told so politely.
The closed survey holds completes of about 60% of the demo membership, stored as the live path
stores them (respondent keys, generalised snapshots, long-form answers, an honorarium each in the
ledger), with some flagged for quality review. Running it again adds nothing already there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from polling.accounts.models import User
from polling.db import utcnow
from polling.demo import DOMAIN
from polling.ledger.models import COUNTRY_CURRENCY, LedgerEntry, LedgerTransaction
from polling.ledger.service import honorarium_key
from polling.members.models import MemberProfile
from polling.polls.models import random_vote_id
from polling.respondents import anonymity
from polling.respondents.demographics import snapshot
from polling.respondents.keys import RespondentKeys
from polling.surveys import engine, quality
from polling.surveys.models import (
    QualityFlag,
    QuotaCell,
    Survey,
    SurveyAnswer,
    SurveyCountry,
    SurveyHonorarium,
    SurveyResponse,
)
from polling.surveys.questionnaire import validate_questionnaire
from sampling.codes import COUNTRIES

OPEN_TOPIC = {
    "en": "Digital tools in clinical practice",
    "es": "Herramientas digitales en la práctica clínica",
}
CLOSED_TOPIC = {"en": "Burnout and working hours", "es": "Desgaste profesional y horas de trabajo"}
#: Honoraria in minor units per currency (roughly the same value everywhere).
AMOUNTS = {
    "USD": 5000,
    "GBP": 4000,
    "CAD": 6500,
    "AUD": 7500,
    "EUR": 4500,
    "NZD": 8000,
    "ZAR": 90000,
    "MXN": 85000,
}


def _t(en: str, es: str) -> dict[str, str]:
    return {"en": en, "es": es}


def _options(*pairs: tuple[str, str, str], **flags: dict[str, bool]) -> list[dict[str, Any]]:
    return [{"code": code, "text": _t(en, es), **flags.get(code, {})} for code, en, es in pairs]


YES_NO = (("yes", "Yes", "Sí"), ("no", "No", "No"))
AGREE = (
    ("1", "Disagree", "En desacuerdo"),
    ("2", "Neither", "Ni de acuerdo ni en desacuerdo"),
    ("3", "Agree", "De acuerdo"),
)

OPEN_QUESTIONNAIRE: dict[str, Any] = {
    "version": 1,
    "languages": ["en", "es"],
    "pages": [
        {
            "id": "screener",
            "questions": [
                {
                    "id": "patients",
                    "type": "single",
                    "text": _t("Do you currently see patients?", "¿Atiende pacientes actualmente?"),
                    "options": _options(*YES_NO),
                    "screen_out_if": "patients == 'no'",
                }
            ],
        },
        {
            "id": "tools",
            "questions": [
                {
                    "id": "uses",
                    "type": "multiple",
                    "text": _t("Which of these do you use at work?", "¿Cuáles de estas usa en su trabajo?"),
                    "options": _options(
                        ("ehr", "Electronic health records", "Historia clínica electrónica"),
                        ("ai", "AI assistants", "Asistentes de inteligencia artificial"),
                        ("tele", "Video consultations", "Videoconsultas"),
                        ("none", "None of these", "Ninguna de estas"),
                        none={"exclusive": True, "anchor": True},
                    ),
                    "randomise_options": True,
                },
                {
                    "id": "hours",
                    "type": "numeric",
                    "text": _t(
                        "How many hours a week do you spend on documentation?",
                        "¿Cuántas horas a la semana dedica a la documentación?",
                    ),
                    "minimum": 0,
                    "maximum": 80,
                    "unit": _t("hours", "horas"),
                },
            ],
        },
        {
            "id": "ai",
            "show_if": "any(uses, 'ai')",
            "title": _t("AI assistants", "Asistentes de inteligencia artificial"),
            "questions": [
                {
                    "id": "ai_nps",
                    "type": "nps",
                    "text": _t(
                        "You use {{uses}}. How likely are you to recommend AI assistants to a colleague?",
                        "Usa {{uses}}. ¿Qué probabilidad hay de que recomiende los asistentes de IA a un colega?",
                    ),
                },
                {
                    "id": "ai_views",
                    "type": "matrix",
                    "text": _t("How far do you agree?", "¿En qué medida está de acuerdo?"),
                    "rows": _options(
                        ("time", "They save me time", "Me ahorran tiempo"),
                        ("safe", "They are safe for patients", "Son seguros para los pacientes"),
                        ("trust", "I trust their answers", "Confío en sus respuestas"),
                    ),
                    "scale": _options(*AGREE),
                },
            ],
        },
        {
            "id": "close",
            "questions": [
                {
                    "id": "attention",
                    "type": "single",
                    "text": _t(
                        "To show you are reading, please choose “Often”.",
                        "Para mostrar que está leyendo, elija «A menudo».",
                    ),
                    "options": _options(("never", "Never", "Nunca"), ("often", "Often", "A menudo")),
                    "attention_check": {"expect": "often"},
                },
                {
                    "id": "comment",
                    "type": "text",
                    "long": True,
                    "required": False,
                    "max_length": 1000,
                    "text": _t("Anything else you would like to tell us?", "¿Algo más que quiera contarnos?"),
                },
            ],
        },
    ],
}

CLOSED_QUESTIONNAIRE: dict[str, Any] = {
    "version": 1,
    "languages": ["en", "es"],
    "pages": [
        {
            "id": "hours",
            "questions": [
                {
                    "id": "weekly_hours",
                    "type": "numeric",
                    "text": _t("Hours worked last week?", "¿Horas trabajadas la semana pasada?"),
                    "minimum": 0,
                    "maximum": 120,
                },
                {
                    "id": "burnout",
                    "type": "matrix",
                    "text": _t("How far do you agree?", "¿En qué medida está de acuerdo?"),
                    "rows": _options(
                        ("tired", "I feel exhausted at the end of a day", "Termino el día agotado"),
                        (
                            "cynical",
                            "I care less about my patients than I did",
                            "Me importan menos mis pacientes",
                        ),
                        ("leave", "I think about leaving medicine", "Pienso en dejar la medicina"),
                    ),
                    "scale": _options(*AGREE),
                },
                {
                    "id": "attention",
                    "type": "single",
                    "text": _t("Please choose “Often”.", "Elija «A menudo»."),
                    "options": _options(("never", "Never", "Nunca"), ("often", "Often", "A menudo")),
                    "attention_check": {"expect": "often"},
                },
            ],
        }
    ],
}


def _honoraria() -> list[SurveyHonorarium]:
    return [
        SurveyHonorarium(country=c, currency=COUNTRY_CURRENCY[c], amount_minor=AMOUNTS[COUNTRY_CURRENCY[c]])
        for c in COUNTRIES
    ]


def seed_surveys(session: Session, keys: RespondentKeys, *, seed: int) -> int:
    """Create the two demo surveys if missing; returns the completes added."""
    now = utcnow()
    if session.scalar(select(Survey.id).where(Survey.sponsor == "Demo Health Analytics")) is None:
        survey = Survey(
            topic=OPEN_TOPIC,
            sponsor="Demo Health Analytics",
            pharmaceutical=True,
            length_minutes=8,
            status="field",
            opens_at=now - timedelta(days=2),
            closes_at=now + timedelta(days=28),
            questionnaire=validate_questionnaire(OPEN_QUESTIONNAIRE),
            target_countries=[SurveyCountry(country=c) for c in COUNTRIES],
            honoraria=_honoraria(),
            quota_cells=[
                QuotaCell(
                    name="Spain", conditions={"country": ["ES"]}, target=1, hard=True, filled=1, over_quota=0
                ),
                QuotaCell(
                    name="Everyone else", conditions={}, target=500, hard=False, filled=0, over_quota=0
                ),
            ],
        )
        session.add(survey)
        session.flush()
    if session.scalar(select(Survey.id).where(Survey.sponsor == "Demo Workforce Institute")) is not None:
        return 0
    return _closed_survey(session, keys, seed, now)


def _closed_survey(session: Session, keys: RespondentKeys, seed: int, now: Any) -> int:
    rng = np.random.default_rng(seed + 9)
    survey = Survey(
        topic=CLOSED_TOPIC,
        sponsor="Demo Workforce Institute",
        pharmaceutical=False,
        length_minutes=5,
        status="closed",
        opens_at=now - timedelta(days=40),
        closes_at=now - timedelta(days=10),
        questionnaire=validate_questionnaire(CLOSED_QUESTIONNAIRE),
        honoraria=_honoraria(),
    )
    session.add(survey)
    session.flush()
    members = [
        m
        for m in session.scalars(
            select(MemberProfile)
            .join(User, MemberProfile.user_id == User.id)
            .where(MemberProfile.status == "verified", User.email.like(f"%@members.{DOMAIN}"))
            .order_by(MemberProfile.id)
        )
        if rng.random() < 0.6
    ]
    day = (now - timedelta(days=20)).date()
    stored = anonymity.generalise(anonymity.crowd_of(members, day))
    responses, answers, flags, credits = [], [], [], []
    for member in members:
        response_id = random_vote_id()
        hours = int(rng.integers(25, 80))
        tired = "3" if hours > 55 or rng.random() < 0.4 else str(int(rng.integers(1, 3)))
        given: dict[str, Any] = {
            "weekly_hours": hours,
            "burnout": {
                "tired": tired,
                "cynical": str(int(rng.integers(1, 4))),
                "leave": str(int(rng.integers(1, 4))),
            },
            "attention": "often" if rng.random() > 0.04 else "never",
        }
        seconds = float(rng.gamma(6, 40))
        responses.append(
            {
                "id": response_id,
                "survey_id": survey.id,
                "respondent_key": keys.key("survey", survey.id, member.id),
                "questionnaire_version": 1,
                "status": "complete",
                "page": "hours",
                "step": 0,
                "started_on": day,
                "ended_on": day,
                "timings": {"hours": round(seconds, 1)},
                "answers_digest": quality.digest(given),
                **stored(snapshot(member, day)).as_columns(),
            }
        )
        answers += [
            {"response_id": response_id, "question": q, "item": item, "value": value}
            for q, value_given in given.items()
            for item, value in engine.long_form(value_given)
        ]
        if given["attention"] != "often":
            flags.append(
                {"response_id": response_id, "reason": "attention", "detail": "attention: answered never"}
            )
        if len(set(given["burnout"].values())) == 1:
            flags.append(
                {"response_id": response_id, "reason": "straight_lining", "detail": "burnout: same row"}
            )
        if seconds < 90:
            flags.append({"response_id": response_id, "reason": "speeder", "detail": f"{seconds:.0f} s"})
        currency = COUNTRY_CURRENCY[member.country]
        credits.append((member.id, currency, AMOUNTS[currency]))
    rng.shuffle(responses)  # no insertion order to line up with the ledger
    rng.shuffle(flags)
    if responses:
        session.execute(insert(SurveyResponse), responses)
        session.execute(insert(SurveyAnswer), answers)
    if flags:
        session.execute(insert(QualityFlag), flags)
    _credit(session, survey.id, credits, day)
    survey.completes = len(responses)
    session.flush()
    return len(responses)


def _credit(session: Session, survey_id: int, credits: list[tuple[int, str, int]], day: Any) -> None:
    if not credits:
        return
    rows = session.execute(
        insert(LedgerTransaction).returning(LedgerTransaction.id, LedgerTransaction.member_id),
        [
            {
                "key": honorarium_key(survey_id, m),
                "kind": "honorarium",
                "member_id": m,
                "survey_id": survey_id,
                "posted_on": day,
            }
            for m, _, _ in credits
        ],
    ).all()
    by_member = {member_id: transaction_id for transaction_id, member_id in rows}
    entries = []
    for member_id, currency, amount in credits:
        entries.append(
            {
                "transaction_id": by_member[member_id],
                "account": "member",
                "member_id": member_id,
                "currency": currency,
                "amount_minor": amount,
            }
        )
        entries.append(
            {
                "transaction_id": by_member[member_id],
                "account": "honoraria",
                "member_id": None,
                "currency": currency,
                "amount_minor": -amount,
            }
        )
    session.execute(insert(LedgerEntry), entries)
