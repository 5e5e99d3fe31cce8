"""A small questionnaire with skip logic, a screener, piping and an attention check, and survey files."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from polling.db import utcnow


def t(en: str, es: str | None = None) -> dict[str, str]:
    return {"en": en, "es": es or f"{en} (es)"}


def options(*codes: str, **flags: dict[str, bool]) -> list[dict[str, Any]]:
    return [{"code": c, "text": t(c.title()), **flags.get(c, {})} for c in codes]


def questionnaire() -> dict[str, Any]:
    return {
        "version": 1,
        "languages": ["en", "es"],
        "pages": [
            {
                "id": "screen",
                "questions": [
                    {
                        "id": "patients",
                        "type": "single",
                        "text": t("Do you see patients?", "¿Atiende pacientes?"),
                        "options": options("yes", "no"),
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
                        "text": t("Which tools do you use?"),
                        "options": options("ehr", "ai", "none", none={"exclusive": True, "anchor": True}),
                        "randomise_options": True,
                    },
                    {
                        "id": "hours",
                        "type": "numeric",
                        "text": t("Hours a week?"),
                        "minimum": 0,
                        "maximum": 100,
                    },
                ],
            },
            {
                "id": "ai",
                "show_if": "any(uses, 'ai')",
                "questions": [
                    {
                        "id": "ai_nps",
                        "type": "nps",
                        "text": t("You use {{uses}}: how likely to recommend AI?"),
                    },
                    {
                        "id": "grid",
                        "type": "matrix",
                        "text": t("Agree?"),
                        "rows": options("r1", "r2", "r3"),
                        "scale": options("1", "2", "3"),
                    },
                ],
            },
            {
                "id": "end",
                "questions": [
                    {
                        "id": "attention",
                        "type": "single",
                        "text": t("Choose 'blue' to show you are reading."),
                        "options": options("red", "blue"),
                        "attention_check": {"expect": "blue"},
                    },
                    {"id": "comment", "type": "text", "text": t("Anything else?"), "required": False},
                ],
            },
        ],
    }


def survey_file(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    data: dict[str, Any] = {
        "topic": t("Tools in clinical practice", "Herramientas en la práctica clínica"),
        "sponsor": "Acme Pharma",
        "pharmaceutical": True,
        "length_minutes": 10,
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=7)).isoformat(),
        "countries": ["US", "UK"],
        "honoraria": [
            {"country": "US", "currency": "USD", "amount_minor": 5000},
            {"country": "UK", "currency": "GBP", "amount_minor": 4000},
        ],
        "questionnaire": questionnaire(),
    }
    data.update(overrides)
    return data


def make_survey(session, staff, **overrides: Any):  # type: ignore[no-untyped-def]
    from polling.surveys import service

    survey = service.create_survey(session, staff, survey_file(**overrides))
    return service.field(session, staff, survey.id)


def page(view, answers: dict[str, Any], action: str = "next", **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "page": view.response.page,
        "step": view.response.step,
        "action": action,
        "answers": answers,
        **extra,
    }


AI_PATH = [
    {"patients": "yes"},
    {"uses": ["ai", "ehr"], "hours": "12"},
    {"ai_nps": "9", "grid": {"r1": "1", "r2": "2", "r3": "3"}},
    {"attention": "blue", "comment": "Useful survey"},
]
