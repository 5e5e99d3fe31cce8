"""Pulse's code lists, each defined once: countries, sexes, age bands and years-in-practice bands.

The frames (:mod:`sampling.population`), the app's forms, votes and survey responses, and the
reports' labels all import these, so a respondent's codes always match a frame's levels.
Specialties have a module of their own (:mod:`sampling.taxonomy`).

Example:
    >>> COUNTRIES["ES"].name("es")
    'España'
    >>> age_band(1980, 2026), practice_band(2019, 2026)
    ('45-54', '5-9')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AGE_BANDS",
    "AGE_BANDS_55",
    "COUNTRIES",
    "PRACTICE_BANDS",
    "SEXES",
    "SEX_NAMES",
    "Country",
    "age_band",
    "country_name",
    "practice_band",
]


@dataclass(frozen=True)
class Country:
    """A country Pulse recruits physicians in, with its names in each language."""

    code: str
    names: tuple[tuple[str, str], ...]

    def name(self, locale: str = "en") -> str:
        """The country's name in ``locale`` ("en", "es", "es_MX"…), English when there is none."""
        by_locale = dict(self.names)
        return by_locale.get(locale[:2], by_locale["en"])


def _country(code: str, en: str, es: str) -> Country:
    return Country(code, (("en", en), ("es", es)))


#: The nine countries, in the order Pulse lists them.
COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        _country("US", "United States", "Estados Unidos"),
        _country("UK", "United Kingdom", "Reino Unido"),
        _country("CA", "Canada", "Canadá"),
        _country("AU", "Australia", "Australia"),
        _country("IE", "Ireland", "Irlanda"),
        _country("NZ", "New Zealand", "Nueva Zelanda"),
        _country("ZA", "South Africa", "Sudáfrica"),
        _country("MX", "Mexico", "México"),
        _country("ES", "Spain", "España"),
    )
}

SEXES = ("female", "male")
SEX_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "female": (("en", "female"), ("es", "mujer")),
    "male": (("en", "male"), ("es", "hombre")),
}

#: Pulse's age bands, the finest that the sources (Australia, Spain) support.
AGE_BANDS = ("under 35", "35-44", "45-54", "55-64", "65 and over")
#: The coarser bands of sources that publish only under/over 55 (US AAMC, Ireland).
AGE_BANDS_55 = ("under 55", "55 and over")
#: Years since first licence. No source publishes them, so they describe respondents only.
PRACTICE_BANDS = ("under 5", "5-9", "10-19", "20-29", "30 and over")

_AGE_LIMITS = (35, 45, 55, 65)
_PRACTICE_LIMITS = (5, 10, 20, 30)


def country_name(code: str, locale: str = "en") -> str:
    """A country's name in ``locale``; the code itself when it is not one of :data:`COUNTRIES`."""
    country = COUNTRIES.get(code)
    return country.name(locale) if country else code


def _band(value: int, limits: tuple[int, ...], bands: tuple[str, ...]) -> str:
    for limit, band in zip(limits, bands):
        if value < limit:
            return band
    return bands[-1]


def age_band(birth_year: int, year: int) -> str:
    """The age band (:data:`AGE_BANDS`) in ``year`` of someone born in ``birth_year``."""
    return _band(year - birth_year, _AGE_LIMITS, AGE_BANDS)


def practice_band(licence_year: int, year: int) -> str:
    """The years-in-practice band (:data:`PRACTICE_BANDS`) in ``year`` of a first licence in ``licence_year``."""
    return _band(year - licence_year, _PRACTICE_LIMITS, PRACTICE_BANDS)
