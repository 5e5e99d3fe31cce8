"""Small factories for the feasibility and pricing tests: a study built from models, members in bulk."""

from __future__ import annotations

from datetime import date
from itertools import count

from polling.accounts.models import User
from polling.members.models import MemberProfile
from polling.studies.models import Invitation, Study, StudyCell

_serial = count(1)
TODAY = date(2026, 11, 30)


def add_members(session, n: int, country: str, specialty: str, *, status: str = "verified", **overrides):  # type: ignore[no-untyped-def]
    """``n`` members written directly (no sign-up flow: feasibility only counts rows)."""
    members = []
    for _ in range(n):
        k = next(_serial)
        user = User(email=f"pricing-member{k}@example.org", password_hash="-", role="member")
        fields = {
            "handle": f"pricing{k}",
            "country": country,
            "specialty": specialty,
            "sex": "female",
            "birth_year": 1975,
            "licence_year": 2001,
            "practice_setting": "hospital",
            "status": status,
        }
        fields.update(overrides)
        member = MemberProfile(user=user, **fields)
        session.add(member)
        members.append(member)
    session.flush()
    return members


def make_study(session, organisation_id: int, cells: list[dict[str, object]], **overrides):  # type: ignore[no-untyped-def]
    fields: dict[str, object] = {"title": "Heart failure treatment choices", "length_minutes": 20}
    fields.update(overrides)
    study = Study(organisation_id=organisation_id, cells=[StudyCell(**c) for c in cells], **fields)
    session.add(study)
    session.commit()
    return study


def invite(session, study, members, dispositions: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    """Invitations of ``study`` for ``members``, the first ones given each disposition in turn."""
    pool = iter(members)
    for disposition, how_many in dispositions.items():
        for _ in range(how_many):
            member = next(pool)
            session.add(
                Invitation(study_id=study.id, member_id=member.id, disposition=disposition, invited_on=TODAY)
            )
    session.commit()
