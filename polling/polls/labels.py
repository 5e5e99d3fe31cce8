"""Names of topics and poll states in the visitor's language, and percentages as people write them."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from reports import numbers

TOPIC_NAMES = {
    "network": _l("Medical networks"),
    "diagnosis": _l("Diagnosis"),
    "burnout": _l("Burnout and wellbeing"),
    "telemedicine": _l("Telemedicine"),
    "workforce": _l("Workforce"),
    "technology": _l("Technology"),
    "ethics": _l("Ethics"),
    "other": _l("Other"),
}
STATE_NAMES = {
    "proposed": _l("proposed"),
    "declined": _l("declined"),
    "draft": _l("draft"),
    "scheduled": _l("scheduled"),
    "open": _l("open"),
    "closed": _l("closed"),
    "published": _l("published"),
    "withdrawn": _l("withdrawn"),
}


def topic_name(code: str) -> str:
    return str(TOPIC_NAMES.get(code, code))


def state_name(code: str) -> str:
    return str(STATE_NAMES.get(code, code))


def percent(share: float | None) -> str:
    """80% in English, 80 % in Spanish, rounded half up by the reports' one formatter; a dash when
    suppressed or unknown."""
    if share is None:
        return "—"
    return numbers.percent(share, "es" if str(get_locale()).startswith("es") else "en")


def register(bp: Blueprint) -> None:
    for function in (topic_name, state_name, percent):
        bp.add_app_template_global(function)
