"""Language choice: the member's setting, else the session's choice, else Accept-Language."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from polling.extensions import babel
from sampling import codes

LANGUAGES = {"en": "English", "es": "Español"}
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    if not has_request_context():  # the CLI and jobs speak the default language
        return "en"
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(list(LANGUAGES), default="en") or "en"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES, get_locale=get_locale, country_name=country_name, specialty_name=specialty_name
    )


def country_name(code: str) -> str:
    """A country's name in the request's language (the code when it is not one of Pulse's)."""
    return codes.country_name(code, str(get_locale() or "en"))


def specialty_name(code: str) -> str:
    from sampling.taxonomy import SPECIALTIES

    specialty = SPECIALTIES.get(code)
    return specialty.name(str(get_locale())) if specialty else code
