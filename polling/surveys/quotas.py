"""Quota cells: which cells a respondent falls in, and filling hard cells without ever overfilling.

A cell matches on the member's exact demographics (never stored with the answers) and on screener
answers. Filling is one ``UPDATE … SET filled = filled + 1 WHERE filled < target`` per hard cell:
on PostgreSQL racing completions wait on the cell's row and re-check the condition, so a cell one
short of full takes exactly one more complete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from polling.respondents.demographics import Snapshot
from polling.surveys.models import QuotaCell, Survey

_FACTS = ("country", "specialty", "sex", "age_band", "practice_band")


def decided(cell: QuotaCell, answers: Mapping[str, Any]) -> bool:
    """Whether every answer the cell depends on is known yet."""
    return all(question in answers for question in (cell.conditions.get("answers") or {}))


def matches(cell: QuotaCell, exact: Snapshot, answers: Mapping[str, Any]) -> bool:
    conditions = cell.conditions
    for fact in _FACTS:
        wanted = conditions.get(fact)
        if wanted and getattr(exact, fact) not in wanted:
            return False
    for question, codes in (conditions.get("answers") or {}).items():
        value = answers.get(question)
        given = {str(v) for v in value} if isinstance(value, list) else {str(value)}
        if not given & set(codes):
            return False
    return True


def cells_of(survey: Survey, exact: Snapshot, answers: Mapping[str, Any]) -> list[QuotaCell]:
    return [cell for cell in survey.quota_cells if decided(cell, answers) and matches(cell, exact, answers)]


def full_cell(survey: Survey, exact: Snapshot, answers: Mapping[str, Any]) -> QuotaCell | None:
    """A hard cell the respondent falls in that is already full (checked after each page)."""
    return next((c for c in cells_of(survey, exact, answers) if c.hard and c.filled >= c.target), None)


def fill(session: Session, cells: Sequence[QuotaCell]) -> QuotaCell | None:
    """Count a complete in every cell; None if done, else the hard cell that was full (nothing counted)."""
    counted: list[int] = []
    for cell in sorted(cells, key=lambda c: c.id):  # one order everywhere: no deadlock between racers
        statement = (
            update(QuotaCell)
            .where(
                QuotaCell.id == cell.id, or_(QuotaCell.hard.is_(False), QuotaCell.filled < QuotaCell.target)
            )
            .values(filled=QuotaCell.filled + 1)
            .returning(QuotaCell.id)
        )
        if session.execute(statement).first() is None:
            release(session, counted)
            session.execute(
                update(QuotaCell).where(QuotaCell.id == cell.id).values(over_quota=QuotaCell.over_quota + 1)
            )
            return cell
        counted.append(cell.id)
    return None


def release(session: Session, cell_ids: Sequence[int]) -> None:
    """Take a complete back out of cells (a removed complete, or a fill that could not finish)."""
    if cell_ids:
        session.execute(
            update(QuotaCell).where(QuotaCell.id.in_(list(cell_ids))).values(filled=QuotaCell.filled - 1)
        )


def count_over_quota(session: Session, cell: QuotaCell) -> None:
    session.execute(
        update(QuotaCell).where(QuotaCell.id == cell.id).values(over_quota=QuotaCell.over_quota + 1)
    )
