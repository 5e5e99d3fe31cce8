"""Who a study is for: eligibility, the reasons shown to those it is not for, and the eligible crowd.

A study (a poll now, a paid survey next) targets countries and specialties as rows of its own
tables; no row means "all". The same rule runs three ways: in SQL, to list the studies a member may
take part in (:func:`eligible_clause`); in Python, to tell one member why not (:func:`ineligibility`);
and in SQL over members, to count or list everyone a study is for (:func:`eligible_members`), which
feasibility, quotas and the k-anonymity of stored demographics need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, exists, not_, or_, select

from polling.members.models import MemberProfile
from sampling.codes import country_name
from sampling.taxonomy import SPECIALTIES


class Targeted(Protocol):
    """A study with targets: polling.polls.models.Poll, and the paid surveys to come."""

    @property
    def country_codes(self) -> tuple[str, ...]: ...

    @property
    def specialty_codes(self) -> tuple[str, ...]: ...


class Member(Protocol):
    country: str
    specialty: str


@dataclass(frozen=True)
class TargetColumns:
    """Where a kind of study keeps its targets: the study and code columns of its two target tables."""

    country_study: SQLColumnExpression[int]
    country: SQLColumnExpression[str]
    specialty_study: SQLColumnExpression[int]
    specialty: SQLColumnExpression[str]


def _matches(
    study_column: SQLColumnExpression[int],
    code_column: SQLColumnExpression[str],
    study_id: SQLColumnExpression[int],
    code: str,
) -> ColumnElement[bool]:
    """No target row for the study, or one equal to ``code``."""
    rows = study_column == study_id
    return or_(not_(exists().where(rows)), exists().where(rows, code_column == code))


def eligible_clause(
    targets: TargetColumns, study_id: SQLColumnExpression[int], member: Member
) -> ColumnElement[bool]:
    """SQL: the study ``study_id`` (a column of the outer query) is for ``member``."""
    return and_(
        _matches(targets.country_study, targets.country, study_id, member.country),
        _matches(targets.specialty_study, targets.specialty, study_id, member.specialty),
    )


def ineligibility(study: Targeted, member: Member) -> object | None:
    """Why ``member`` may not take part in ``study``, in the request's language; None if they may."""
    locale = str(get_locale() or "en")
    if study.country_codes and member.country not in study.country_codes:
        names = ", ".join(country_name(c, locale) for c in study.country_codes)
        return _l("This poll is for physicians in %(countries)s.", countries=names)
    if study.specialty_codes and member.specialty not in study.specialty_codes:
        names = ", ".join(
            SPECIALTIES[s].name(locale) if s in SPECIALTIES else s for s in study.specialty_codes[:5]
        )
        return _l("This poll is for these specialties: %(names)s.", names=names)
    return None


def eligible_members(countries: Sequence[str], specialties: Sequence[str]) -> Select[MemberProfile]:
    """SQL: the verified members a study with these targets is for (empty targets: everyone)."""
    query = select(MemberProfile).where(MemberProfile.status == "verified")
    if countries:
        query = query.where(MemberProfile.country.in_(list(countries)))
    if specialties:
        query = query.where(MemberProfile.specialty.in_(list(specialties)))
    return query
