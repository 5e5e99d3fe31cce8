"""Every wording rule of Pulse's press sentences and documents, in English and Spanish.

Numbers come from :mod:`reports.numbers` (Babel's CLDR formats: "80%", "±7.6", "2,276";
"80 %", "±7,6", "2.276"), the one formatter of every output. Country phrases carry their articles
("del Reino Unido", "de EE. UU."). Percentages round half up to whole points; precision figures
to one decimal.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime

from reports.numbers import LOCALES, NBSP, decimal, integer, percent, round_half_up
from reports.precision import SHORT_LABEL, Precision

__all__ = ["LOCALES", "NBSP", "decimal", "integer", "percent", "precision_clause", "round_half_up"]

#: (English adjective for "… physicians", Spanish noun phrase with article where it takes one).
COUNTRY_PHRASES: dict[str, tuple[str, str]] = {
    "US": ("US", "EE.\u00a0UU."),
    "UK": ("UK", "el Reino Unido"),
    "CA": ("Canadian", "Canadá"),
    "AU": ("Australian", "Australia"),
    "IE": ("Irish", "Irlanda"),
    "NZ": ("New Zealand", "Nueva Zelanda"),
    "ZA": ("South African", "Sudáfrica"),
    "MX": ("Mexican", "México"),
    "ES": ("Spanish", "España"),
}
#: English country names with their article, for "physicians in the US and Canada".
COUNTRY_IN_EN: dict[str, str] = {
    "US": "the US",
    "UK": "the UK",
    "CA": "Canada",
    "AU": "Australia",
    "IE": "Ireland",
    "NZ": "New Zealand",
    "ZA": "South Africa",
    "MX": "Mexico",
    "ES": "Spain",
}
MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}

#: Sentence templates. {pct}, {population}, {option}, {question}, {statement}, {basis}, {moe}.
TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "statement": "{pct} of {population} {statement} ({basis}; {precision}).",
        "option": "{pct} of {population} answered “{option}” when asked “{question}” ({basis}; {precision}).",
        "hedged": "Only {n} {population} answered, too few for a reliable percentage.",
        "basis": "{n} {population}{specialties}, {date}",
        "specialties": " from {k} specialties",
    },
    "es": {
        "statement": "El {pct} de {population} {statement} ({basis}; {precision}).",
        "option": "El {pct} de {population} respondió «{option}» a la pregunta «{question}» ({basis}; "
        "{precision}).",
        "hedged": "Solo respondieron {n} {population}, demasiado pocos para un porcentaje fiable.",
        "basis": "{n} {population}{specialties}, {date}",
        "specialties": " de {k} especialidades",
    },
}


def _locale(locale: str) -> str:
    if locale not in LOCALES:
        raise ValueError(f"locale={locale!r}: use one of {', '.join(LOCALES)}")
    return locale


def points(share: float, locale: str) -> str:
    """A half-width (0–1) in percentage points, one decimal, without the sign: "7.6" / "7,6"."""
    return decimal(100 * share, locale)


def precision_clause(precision: Precision, locale: str) -> str:
    """The precision clause of a sentence: "95% credibility interval ±2.4 points" /
    "intervalo de credibilidad del 95 %: ±2,4 puntos"; a range near 0% or 100%."""
    label = SHORT_LABEL[_locale(locale)]
    return (
        f"{label} {precision.as_points(locale)}"
        if locale == "en"
        else f"{label}: {precision.as_points(locale)}"
    )


def fieldwork(opens_at: datetime, closes_at: datetime, locale: str) -> str:
    """Fieldwork months: "August 2014", "July–August 2014", "de julio a agosto de 2014"."""
    months = MONTHS[_locale(locale)]
    a, b = months[opens_at.month - 1], months[closes_at.month - 1]
    same_month = (opens_at.year, opens_at.month) == (closes_at.year, closes_at.month)
    if locale == "en":
        if same_month:
            return f"{b} {closes_at.year}"
        if opens_at.year == closes_at.year:
            return f"{a}–{b} {closes_at.year}"
        return f"{a} {opens_at.year}–{b} {closes_at.year}"
    if same_month:
        return f"{b} de {closes_at.year}"
    if opens_at.year == closes_at.year:
        return f"de {a} a {b} de {closes_at.year}"
    return f"de {a} de {opens_at.year} a {b} de {closes_at.year}"


def date(value: Date, locale: str) -> str:
    """A day: "4 August 2014" / "4 de agosto de 2014"."""
    month = MONTHS[_locale(locale)][value.month - 1]
    return (
        f"{value.day} {month} {value.year}" if locale == "en" else f"{value.day} de {month} de {value.year}"
    )


def _join(items: list[str], locale: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    word = " and " if locale == "en" else " y "
    return ", ".join(items[:-1]) + word + items[-1]


def population(countries: tuple[str, ...], locale: str, *, definite: bool = True) -> str:
    """Who the figure is about: "US physicians", "physicians in the US and the UK";
    "los médicos de EE. UU.", "los médicos del Reino Unido y Canadá" (``definite=False``: "médicos …").

    More than three countries are counted, not listed: "physicians in 9 countries".
    """
    if _locale(locale) == "en":
        if len(countries) == 1:
            return f"{COUNTRY_PHRASES[countries[0]][0]} physicians"
        if len(countries) > 3:
            return f"physicians in {len(countries)} countries"
        return "physicians in " + _join([COUNTRY_IN_EN[c] for c in countries], "en")
    head = "los médicos" if definite else "médicos"
    if len(countries) > 3:
        return f"{head} de {len(countries)} países"
    places = _join([COUNTRY_PHRASES[c][1] for c in countries], "es")
    phrase = f"{head} de {places}"
    return phrase.replace(" de el ", " del ")


def sentence(kind: str, locale: str, **fields: str) -> str:
    """Fill one of :data:`TEMPLATES` (kind "statement", "option", "hedged", "basis", "specialties").

    Raises:
        KeyError: an unknown kind, or a field the template needs is missing.
    """
    try:
        template = TEMPLATES[_locale(locale)][kind]
    except KeyError:
        raise KeyError(f"no sentence template {kind!r}: use one of {', '.join(TEMPLATES['en'])}") from None
    text = template.format(**fields)
    return text[0].upper() + text[1:]
