"""Poll input: the fields staff and members fill in, checked before anything is saved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from polling.db import bounded_utc
from polling.errors import InvalidInput
from polling.polls.models import TOPICS
from sampling.codes import COUNTRIES
from sampling.taxonomy import SPECIALTIES

MIN_OPTIONS, MAX_OPTIONS = 2, 10


@dataclass(frozen=True)
class PollInput:
    question_en: str
    question_es: str
    options: tuple[tuple[str, str], ...]
    statements: tuple[tuple[str, str], ...]
    multiple: bool
    topic: str
    countries: tuple[str, ...]
    specialties: tuple[str, ...]
    opens_at: datetime
    closes_at: datetime
    featured: bool
    exclusive: tuple[int, ...] = ()  # positions of options that cannot be combined ("None of these")


def _text(raw: Mapping[str, object], name: str) -> str:
    value = raw.get(name)
    return str(value).strip() if value is not None else ""


def _given(raw: Mapping[str, object], name: str) -> str | list[object]:
    """A field's values: every value of a form field, a JSON list, or one string as given."""
    getlist = getattr(raw, "getlist", None)
    values = getlist(name) if getlist else raw.get(name)
    if values is None:
        return []
    if isinstance(values, str):
        return values
    return list(values) if isinstance(values, list | tuple) else [values]


def _list(raw: Mapping[str, object], name: str) -> list[str]:
    given = _given(raw, name)
    values = given.split() if isinstance(given, str) else given
    return [str(v).strip() for v in values if str(v).strip()]


def _time(raw: Mapping[str, object], name: str, errors: dict[str, list[object]]) -> datetime | None:
    value = raw.get(name)
    try:
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[name] = [_l("Enter a date and time like 2026-03-01T09:00 (UTC).")]
        return None
    stored = bounded_utc(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    if stored is None:
        errors[name] = [_l("Enter a date and time between the years 2000 and 2100.")]
    return stored


def validate_poll(raw: Mapping[str, object]) -> PollInput:
    """Check a poll's fields; raises InvalidInput naming each bad field."""
    errors: dict[str, list[object]] = {}
    question_en, question_es = _text(raw, "question_en"), _text(raw, "question_es")
    for name, value in (("question_en", question_en), ("question_es", question_es)):
        if not 10 <= len(value) <= 500:
            errors[name] = [_l("Write the question in 10 to 500 characters.")]
    labels_en, labels_es = _list(raw, "option_en"), _list(raw, "option_es")
    if len(labels_en) != len(labels_es):
        errors["options"] = [_l("Give every option in both English and Spanish.")]
    elif not MIN_OPTIONS <= len(labels_en) <= MAX_OPTIONS:
        errors["options"] = [
            _l("Give between %(low)d and %(high)d options.", low=MIN_OPTIONS, high=MAX_OPTIONS)
        ]
    elif any(len(label) > 200 for label in labels_en + labels_es):
        errors["options"] = [_l("Keep each option under 200 characters.")]
    elif len({label.lower() for label in labels_en}) != len(labels_en):
        errors["options"] = [_l("Two options have the same English wording.")]
    statements = _statements(raw, len(labels_en), errors)
    exclusive = _exclusive(raw, len(labels_en), errors)
    topic = _text(raw, "topic") or "other"
    if topic not in TOPICS:
        errors["topic"] = [_l("Choose a topic from the list.")]
    countries = [c.upper() for c in _list(raw, "countries")]
    if any(c not in COUNTRIES for c in countries):
        errors["countries"] = [_l("Choose countries from the list (or none for all nine).")]
    specialties = _list(raw, "specialties")
    if any(s not in SPECIALTIES for s in specialties):
        errors["specialties"] = [_l("Choose specialties from the list (or none for all).")]
    opens_at, closes_at = _time(raw, "opens_at", errors), _time(raw, "closes_at", errors)
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = [_l("The poll must close after it opens.")]
    if errors or opens_at is None or closes_at is None:
        raise InvalidInput(_l("The poll was not saved: correct the fields below."), fields=errors)
    return PollInput(
        question_en,
        question_es,
        tuple(zip(labels_en, labels_es)),
        statements,
        _flag(raw, "multiple"),
        topic,
        tuple(dict.fromkeys(countries)),
        tuple(dict.fromkeys(specialties)),
        opens_at,
        closes_at,
        _flag(raw, "featured"),
        exclusive if _flag(raw, "multiple") else (),
    )


def _exclusive(raw: Mapping[str, object], count: int, errors: dict[str, list[object]]) -> tuple[int, ...]:
    """Positions (0-based) of the options that exclude every other answer, e.g. "None of these"."""
    try:
        positions = sorted({int(v) for v in _list(raw, "exclusive")})
    except ValueError:
        errors["exclusive"] = [_l("Mark exclusive options by their number, 1 to 10.")]
        return ()
    if any(not 0 <= p < count for p in positions):
        errors["exclusive"] = [_l("Mark as exclusive only options that have a wording.")]
    elif positions and len(positions) == count:
        errors["exclusive"] = [_l("At least one option must be combinable with others.")]
    return tuple(positions)


def _statements(
    raw: Mapping[str, object], count: int, errors: dict[str, list[object]]
) -> tuple[tuple[str, str], ...]:
    """Optional press wording per option, in both languages or neither; '' where none."""

    def padded(name: str) -> list[str]:
        given = _given(raw, name)
        values = [str(v).strip() for v in ([given] if isinstance(given, str) else given)]
        return (values + [""] * count)[:count]

    pairs = tuple(zip(padded("statement_en"), padded("statement_es")))
    if any(bool(en) != bool(es) for en, es in pairs):
        errors["statements"] = [
            _l("Give an option's press wording in both English and Spanish, or leave both empty.")
        ]
    elif any(len(en) > 300 or len(es) > 300 for en, es in pairs):
        errors["statements"] = [_l("Keep each press wording under 300 characters.")]
    return pairs


def _flag(raw: Mapping[str, object], name: str) -> bool:
    value = raw.get(name)
    return value is True or str(value).lower() in {"1", "true", "on", "yes"}
