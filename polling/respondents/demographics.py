"""The weighting demographics stored with a vote or a survey response, taken at answer time.

The codes are sampling's (:mod:`sampling.codes`, :mod:`sampling.taxonomy`), so stored answers
match the frames they are weighted to.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Protocol

from sampling.codes import age_band, practice_band


class Demographic(Protocol):
    """What a member's profile offers (polling.members.models.MemberProfile has these)."""

    country: str
    specialty: str
    sex: str
    birth_year: int
    licence_year: int


@dataclass(frozen=True)
class Snapshot:
    """A member's weighting demographics on one day."""

    country: str
    specialty: str
    sex: str
    age_band: str
    practice_band: str

    def as_columns(self) -> dict[str, str]:
        """The snapshot as the column values of a vote or response row."""
        return asdict(self)


def snapshot(member: Demographic, on: date) -> Snapshot:
    """``member``'s demographics on the day ``on`` (age and years in practice in that year)."""
    return Snapshot(
        country=member.country,
        specialty=member.specialty,
        sex=member.sex,
        age_band=age_band(member.birth_year, on.year),
        practice_band=practice_band(member.licence_year, on.year),
    )
