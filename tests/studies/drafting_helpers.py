"""Briefs and questionnaires for the drafting tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from polling.db import utcnow


def brief(**overrides: Any) -> dict[str, Any]:
    today = utcnow().date()
    data: dict[str, Any] = {
        "title": "Heart failure treatment choices",
        "objectives": "How cardiologists choose between SGLT2 inhibitors and ARNIs.",
        "sponsor_name": "Acme Pharma",
        "sponsor_type": "pharmaceutical",
        "sponsor_named": False,
        "cells": [
            {"country": "UK", "specialty": "cardiology", "target": 40, "hard": True},
            {"country": "ES", "specialty": "cardiology", "target": 40, "hard": True},
        ],
        "sample_size": 80,
        "field_start": (today + timedelta(days=3)).isoformat(),
        "field_end": (today + timedelta(days=24)).isoformat(),
        "languages": ["en", "es"],
        "length_minutes": 20,
    }
    data.update(overrides)
    return data


def questionnaire() -> dict[str, Any]:
    return {
        "version": 1,
        "languages": ["en", "es"],
        "pages": [
            {
                "id": "p1",
                "questions": [
                    {
                        "id": "treats",
                        "type": "single",
                        "text": {
                            "en": "Do you treat heart failure?",
                            "es": "¿Trata la insuficiencia cardíaca?",
                        },
                        "options": [
                            {"code": "yes", "text": {"en": "Yes", "es": "Sí"}},
                            {"code": "no", "text": {"en": "No", "es": "No"}},
                        ],
                    }
                ],
            },
            {
                "id": "p2",
                "questions": [
                    {
                        "id": "patients",
                        "type": "numeric",
                        "text": {"en": "Patients per month?", "es": "¿Pacientes al mes?"},
                        "show_if": "treats == 'yes'",
                        "minimum": 0,
                        "maximum": 1000,
                    }
                ],
            },
        ],
    }


def fake_quote(session: object, study: Any) -> dict[str, Any]:
    """A stand-in for polling.studies.pricing.quote: a total in minor units, a currency, a date."""
    return {"total_minor": 1234500, "currency": "EUR", "rate_date": "2026-11-27", "cells": len(study.cells)}
