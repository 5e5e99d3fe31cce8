"""Format checks of each country's medical licence or registration number.

A format check proves a number *could* be real; staff still verify it against the register.

| country | register | accepted format |
|---|---|---|
| US | NPPES National Provider Identifier (NPI) | 10 digits, first 1 or 2, Luhn check digit over "80840" + the number |
| UK | GMC reference number | 7 digits |
| AU | Ahpra registration number | "MED" + 10 digits |
| CA | provincial college licence (e.g. CPSO) | 4 to 7 digits |
| IE | Medical Council registration number | 5 or 6 digits |
| NZ | Medical Council of New Zealand registration number | 5 or 6 digits |
| ZA | HPCSA registration | "MP" + 7 digits |
| MX | cédula profesional | 7 or 8 digits |
| ES | número de colegiado | 9 digits, the first two a province code 01–52 |
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from stdnum import luhn

from sampling.codes import COUNTRIES


@dataclass(frozen=True)
class LicenceCheck:
    valid: bool
    normalised: str
    reason: object  # a (lazy) translatable message


@dataclass(frozen=True)
class LicenceRule:
    name: object
    pattern: re.Pattern[str]
    expected: object
    extra: Callable[[str], object | None] | None = None


def _npi_check_digit(number: str) -> object | None:
    if not luhn.is_valid("80840" + number):
        return _l(
            "its last digit is not the NPI check digit, so a digit is probably mistyped: copy the 10 digits "
            "starting with 1 or 2 from your NPPES record"
        )
    return None


def _spanish_province(number: str) -> object | None:
    if not 1 <= int(number[:2]) <= 52:
        return _l("the first two digits must be a province code from 01 to 52")
    return None


RULES: dict[str, LicenceRule] = {
    "US": LicenceRule(
        _l("NPI"),
        re.compile(r"[12]\d{9}", re.ASCII),
        _l("10 digits starting with 1 or 2, e.g. 1234567893"),
        _npi_check_digit,
    ),
    "UK": LicenceRule(_l("GMC number"), re.compile(r"\d{7}", re.ASCII), _l("7 digits, e.g. 1234567")),
    "AU": LicenceRule(
        _l("Ahpra registration number"),
        re.compile(r"MED\d{10}", re.ASCII),
        _l("MED followed by 10 digits, e.g. MED0001234567"),
    ),
    "CA": LicenceRule(
        _l("provincial licence number"), re.compile(r"\d{4,7}", re.ASCII), _l("4 to 7 digits, e.g. 123456")
    ),
    "IE": LicenceRule(
        _l("Medical Council registration number"),
        re.compile(r"\d{5,6}", re.ASCII),
        _l("5 or 6 digits, e.g. 412345"),
    ),
    "NZ": LicenceRule(
        _l("MCNZ registration number"), re.compile(r"\d{5,6}", re.ASCII), _l("5 or 6 digits, e.g. 56789")
    ),
    "ZA": LicenceRule(
        _l("HPCSA registration number"),
        re.compile(r"MP\d{7}", re.ASCII),
        _l("MP followed by 7 digits, e.g. MP0123456"),
    ),
    "MX": LicenceRule(
        _l("cédula profesional"), re.compile(r"\d{7,8}", re.ASCII), _l("7 or 8 digits, e.g. 12345678")
    ),
    "ES": LicenceRule(
        _l("número de colegiado"),
        re.compile(r"\d{9}", re.ASCII),
        _l("9 digits starting with a province code, e.g. 280012345"),
        _spanish_province,
    ),
}


def normalise(number: str) -> str:
    """The one stored form of a licence number: NFKC (fullwidth "１２" → "12"), every decimal digit
    of any script as its ASCII digit (Arabic-Indic "١٢", Bengali "১২" → "12"), upper-case, without
    the spaces, dots and dashes people type between digit groups. Whatever is left that is not an
    ASCII letter or digit makes the number fail its country's pattern (matched with re.ASCII)."""
    text = unicodedata.normalize("NFKC", str(number or ""))
    text = "".join(
        str(unicodedata.decimal(c)) if unicodedata.decimal(c, None) is not None else c for c in text
    )
    return re.sub(r"[\s.\-‐-―]", "", text).upper()[:40]


def check(country: str, number: str) -> LicenceCheck:
    """Check a licence number's format for a country.

    >>> check("US", "1234567893").valid
    True
    """
    rule = RULES.get(country)
    if rule is None:
        return LicenceCheck(
            False,
            "",
            _l(
                "Unknown country %(country)s: use one of %(codes)s.",
                country=country,
                codes=", ".join(COUNTRIES),
            ),
        )
    value = normalise(number)
    if not value:
        return LicenceCheck(
            False, value, _l("Enter your %(name)s: %(expected)s.", name=rule.name, expected=rule.expected)
        )
    if not rule.pattern.fullmatch(value):
        return LicenceCheck(
            False,
            value,
            _l(
                "%(value)s is not a valid %(name)s: expected %(expected)s.",
                value=value,
                name=rule.name,
                expected=rule.expected,
            ),
        )
    problem = rule.extra(value) if rule.extra else None
    if problem is not None:
        return LicenceCheck(
            False,
            value,
            _l(
                "%(value)s is not a valid %(name)s: %(problem)s.",
                value=value,
                name=rule.name,
                problem=problem,
            ),
        )
    return LicenceCheck(True, value, _l("%(value)s is a well-formed %(name)s.", value=value, name=rule.name))


def make_npi(prefix9: str) -> str:
    """Complete a 9-digit NPI stem with its check digit (for demo data and tests)."""
    return prefix9 + luhn.calc_check_digit("80840" + prefix9)
