"""The one rounding and the one number formatter of every Pulse output (reports, poll page, API).

Numbers are formatted with Babel's CLDR data, so each locale gets its own separators: English
"2,276", "80%", "±6.2"; Spanish "2.276", "80 %" (non-breaking space), "±6,2". Rounding is half
away from zero (what readers expect: 12.5 → 13), never Python's half-to-even, and a share is
rounded once, here, before any output sees it: the page, the PDF and the CSV cannot disagree.
"""

from __future__ import annotations

import math

from babel.numbers import format_decimal

LOCALES = ("en", "es")
NBSP = "\u00a0"


def _locale(locale: str) -> str:
    short = str(locale).replace("-", "_").split("_")[0]
    if short not in LOCALES:
        raise ValueError(f"locale={locale!r}: use one of {', '.join(LOCALES)}")
    return short


def round_half_up(value: float, digits: int = 0) -> float:
    """Round half away from zero: ``round_half_up(12.5) == 13``, ``round_half_up(0.125, 2) == 0.13``.

    Args:
        value: the number.
        digits: decimals to keep.

    Returns:
        The rounded number.

    Example:
        >>> round_half_up(2.5), round_half_up(-2.5), round_half_up(0.05, 1)
        (3.0, -3.0, 0.1)

    Reference: the "round half up" convention of statistical offices (e.g. ONS, Eurostat).
    """
    scale = 10**digits
    # repr-based nudge: 0.285 * 100 is 28.499999999999996 in binary; a reader means 28.5.
    scaled = float(f"{abs(value) * scale:.9f}")
    return float(math.floor(scaled + 0.5) / scale * (1 if value >= 0 else -1))


def round_share(share: float, step: float = 0.01) -> float:
    """A share (0–1) rounded half up to a multiple of ``step`` (0.01: whole percentages).

    Example:
        >>> round_share(0.125), round_share(0.124), round_share(0.37, 0.05)
        (0.13, 0.12, 0.35)
    """
    units = round_half_up(share / step)
    return round(units * step, 6)


def integer(n: int, locale: str) -> str:
    """A whole number: "2,276" (en), "2.276" (es).

    Example:
        >>> integer(2276, "en"), integer(2276, "es")
        ('2,276', '2.276')
    """
    return str(format_decimal(int(n), format="#,##0", locale=_locale(locale)))


def decimal(value: float, locale: str, digits: int = 1) -> str:
    """A decimal rounded half up: "6.2" (en), "6,2" (es).

    Example:
        >>> decimal(6.25, "en"), decimal(6.25, "es")
        ('6.3', '6,3')
    """
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(round_half_up(value, digits), format=pattern, locale=_locale(locale)))


def percent_number(share: float, locale: str) -> str:
    """A share's percentage number without the sign, rounded to whole points: "80"."""
    return decimal(100 * round_share(share), locale, 0)


def percent(share: float, locale: str) -> str:
    """A share (0–1) as a whole percentage: "80%" (en), "80 %" (es, non-breaking space).

    Example:
        >>> percent(0.125, "en"), percent(0.125, "es")
        ('13%', '13\\xa0%')
    """
    number = percent_number(share, locale)
    return f"{number}%" if _locale(locale) == "en" else f"{number}{NBSP}%"


def percent_range(low: float, high: float, locale: str) -> str:
    """An interval of shares: "0–9%" (en), "0–9 %" (es).

    Example:
        >>> percent_range(0.0, 0.09, "en")
        '0–9%'
    """
    text = f"{decimal(100 * low, locale, 0)}–{decimal(100 * high, locale, 0)}"
    return f"{text}%" if _locale(locale) == "en" else f"{text}{NBSP}%"


def points(half_width: float, locale: str) -> str:
    """A half-width (as a share, 0–1) in percentage points with one decimal: "±6.2" / "±6,2".

    Example:
        >>> points(0.062, "en"), points(0.062, "es")
        ('±6.2', '±6,2')
    """
    return "±" + decimal(100 * half_width, locale, 1)
