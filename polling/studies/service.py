"""Drafting studies: a client organisation's briefs, saved as versions, validated, submitted.

Every lookup goes through :func:`get_study`, which applies the object-level policy, so a client of
another organisation never learns whether a study exists (404, like a missing one).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from polling import policies
from polling.accounts.models import User
from polling.errors import NotFound
from polling.studies.models import Study


def get_study(session: Session, user: User, study_id: int, action: str = "study.view") -> Study:
    """The study ``study_id`` if ``user`` may do ``action`` to it.

    Raises:
        NotFound: no such study, or one of another organisation (clients cannot tell the two apart).
        Forbidden: ``user`` may see the study but not do ``action`` to it.
    """
    study = session.get(Study, study_id)
    if study is None or not policies.can(user, "study.view", study):
        raise NotFound(_l("No study with this number."))
    policies.require(user, action, study)
    return study


def studies_of(session: Session, user: User) -> list[Study]:
    """The studies ``user`` may see: their organisation's, or every study for fielding staff."""
    query = select(Study).order_by(Study.updated_at.desc(), Study.id.desc())
    if user.role == "client":
        query = query.where(Study.organisation_id == user.organisation_id)
    elif not policies.can(user, "study.manage"):
        return []
    return list(session.scalars(query))
