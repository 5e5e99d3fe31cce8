"""The generalisation hierarchy of respondent codes: how a stored answer's demographics coarsen.

A vote or survey response stores its member's weighting demographics, coarsened where needed so
that at least *k* members who could have given it share them (``polling.respondents.anonymity``).
Each variable coarsens along one ladder; a stored value says by itself which rung it is on:

============== =========================================== ==============================
variable        rungs, finest first                         example
============== =========================================== ==============================
specialty       code → taxonomy group → GP / specialist      cardiology → medical → specialist
                → unknown
age_band        Pulse's five bands → under / over 55         35-44 → under 55 → unknown
                → unknown
practice_band   five bands → three (under 10, 10-29,          5-9 → under 10 → unknown
                30 and over) → unknown
sex             female / male → unknown
country         the country → unknown (last resort)          NZ → --
============== =========================================== ==============================

:data:`LEVELS` is the order in which the anonymity rule climbs these ladders, cheapest for the
weighting first: practice bands are in no population frame, the specialty margin is collapsed to
groups by the weighting whenever a specialty is sparse, and age and sex come later.

Example:
    >>> generalise_specialty("pediatric_cardiology", 1), generalise_age_band("35-44", 1)
    ('paediatrics', 'under 55')
    >>> specialty_rung("specialist"), age_rung("under 55"), specialty_rung(UNKNOWN)
    (2, 1, 3)

Reference: Sweeney (2002) "k-anonymity: a model for protecting privacy", and Samarati (2001)
"Protecting respondents' identities in microdata release" (generalisation hierarchies);
Hundepool et al. (2012) *Statistical Disclosure Control*, §3.4 (global recoding).
"""

from __future__ import annotations

from sampling.codes import AGE_BANDS, AGE_BANDS_55, PRACTICE_BANDS, SEXES
from sampling.taxonomy import GROUPS, SPECIALTIES, group_of

#: The value of a variable left unknown (the last rung of every ladder but country's).
UNKNOWN = "unknown"
#: The value of a country left unknown (fits the two-letter column).
UNKNOWN_COUNTRY = "--"
#: The specialty rung that only tells general practice from the rest.
SPECIALIST = "specialist"
GENERAL_PRACTICE = "general_practice"
#: Years-in-practice bands, widened.
PRACTICE_BANDS_WIDE = ("under 10", "10-29", "30 and over")
_PRACTICE_WIDE = dict(zip(PRACTICE_BANDS, ("under 10", "under 10", "10-29", "10-29", "30 and over")))
_AGE_55 = dict(zip(AGE_BANDS, (AGE_BANDS_55[0],) * 3 + (AGE_BANDS_55[1],) * 2))

#: Rungs of (specialty, age_band, practice_band, sex, country), finest first, in the order the
#: anonymity rule tries them.
LEVELS: tuple[tuple[int, int, int, int, int], ...] = (
    (0, 0, 0, 0, 0),
    (0, 0, 1, 0, 0),  # practice bands widened
    (1, 0, 1, 0, 0),  # specialty → group
    (1, 0, 2, 0, 0),  # practice unknown
    (1, 1, 2, 0, 0),  # age → under/over 55
    (2, 1, 2, 0, 0),  # specialty → GP / specialist
    (2, 1, 2, 1, 0),  # sex unknown
    (2, 2, 2, 1, 0),  # age unknown
    (3, 2, 2, 1, 0),  # specialty unknown: only the country is left
    (3, 2, 2, 1, 1),  # country unknown: last resort
)

#: Every value a stored answer may carry, per variable (the codes and their coarser rungs).
STORED_VALUES: dict[str, frozenset[str]] = {
    "specialty": frozenset((*SPECIALTIES, *GROUPS, SPECIALIST, UNKNOWN)),
    "age_band": frozenset((*AGE_BANDS, *AGE_BANDS_55, UNKNOWN)),
    "practice_band": frozenset((*PRACTICE_BANDS, *PRACTICE_BANDS_WIDE, UNKNOWN)),
    "sex": frozenset((*SEXES, UNKNOWN)),
}


def generalise_specialty(code: str, rung: int) -> str:
    """A canonical specialty code on ``rung`` (0 code, 1 group, 2 GP/specialist, 3 unknown).

    Args:
        code: a canonical code of :data:`sampling.taxonomy.SPECIALTIES`.
        rung: 0 to 3.

    Returns:
        The coarsened value.

    Raises:
        KeyError: an unknown specialty code.

    Example:
        >>> generalise_specialty("family_medicine", 2), generalise_specialty("cardiology", 2)
        ('general_practice', 'specialist')
    """
    if rung <= 0:
        return code
    if rung == 1:
        return group_of(code)
    if rung == 2:
        return GENERAL_PRACTICE if group_of(code) == GENERAL_PRACTICE else SPECIALIST
    return UNKNOWN


def generalise_age_band(band: str, rung: int) -> str:
    """An age band on ``rung`` (0 Pulse's band, 1 under/over 55, 2 unknown).

    Example:
        >>> generalise_age_band("55-64", 1)
        '55 and over'
    """
    return band if rung <= 0 else _AGE_55[band] if rung == 1 else UNKNOWN


def generalise_practice_band(band: str, rung: int) -> str:
    """A years-in-practice band on ``rung`` (0 five bands, 1 three bands, 2 unknown).

    Example:
        >>> generalise_practice_band("20-29", 1)
        '10-29'
    """
    return band if rung <= 0 else _PRACTICE_WIDE[band] if rung == 1 else UNKNOWN


def generalise_sex(sex: str, rung: int) -> str:
    """A sex on ``rung`` (0 itself, 1 unknown)."""
    return sex if rung <= 0 else UNKNOWN


def generalise_country(country: str, rung: int) -> str:
    """A country on ``rung`` (0 itself, 1 unknown)."""
    return country if rung <= 0 else UNKNOWN_COUNTRY


def specialty_rung(value: str) -> int:
    """The rung a stored specialty value is on (0 code, 1 group, 2 GP/specialist, 3 unknown).

    ``general_practice`` is both a group and a GP/specialist value; it is reported as a group.
    """
    if value in SPECIALTIES:
        return 0
    if value in GROUPS:
        return 1
    return 2 if value == SPECIALIST else 3


def age_rung(value: str) -> int:
    """The rung a stored age band is on (0 five bands, 1 under/over 55, 2 unknown)."""
    return 0 if value in AGE_BANDS else 1 if value in AGE_BANDS_55 else 2


def stored_group(value: str) -> str:
    """The taxonomy group of a stored specialty value; :data:`UNKNOWN` when it was stored coarser.

    Example:
        >>> stored_group("cardiology"), stored_group("surgical"), stored_group("specialist")
        ('medical', 'surgical', 'unknown')
    """
    if value in SPECIALTIES:
        return group_of(value)
    return value if value in GROUPS else UNKNOWN
