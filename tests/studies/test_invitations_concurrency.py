"""Races that only a real server shows (PostgreSQL): two staff approving one study, and two studies
drawing at once against one member's frequency cap."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from polling.accounts.models import User
from polling.errors import Conflict
from polling.studies import review
from polling.studies.invitations import Settings, draw_wave
from polling.studies.models import Invitation, InvitationCap
from polling.surveys.models import Survey
from tests.factories import make_user
from tests.studies.fielding_helpers import doctor, honoraria, submitted_study


@pytest.fixture
def only_postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a race between transactions needs PostgreSQL's row and advisory locks")


def _race(app, work: Callable[[Any], object], n: int = 2) -> list[object]:  # type: ignore[no-untyped-def]
    """Run ``work(session)`` in ``n`` threads at once, each with its own session; their results."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        with app.app_context():
            session = app.extensions["pulse.sessionmaker"]()
            try:
                barrier.wait()
                results[i] = work(session)
            except Exception as exc:  # noqa: BLE001 - the outcome under test
                session.rollback()
                results[i] = exc
            finally:
                session.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_staff_approving_at_once_field_one_survey(app, session, hasher, only_postgres):
    client_user = make_user(session, hasher, "client")
    staff = [make_user(session, hasher, "staff") for _ in range(2)]
    study = submitted_study(session, client_user)
    ids = iter([s.id for s in staff])
    lock = threading.Lock()

    def approve(own):  # type: ignore[no-untyped-def]
        with lock:
            user = own.get(User, next(ids))
        return review.approve(own, user, study.id, honoraria)

    results = _race(app, approve)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Study"]
    assert any(isinstance(r, Conflict) and "Only a submitted study" in str(r.message) for r in results)
    assert session.scalar(select(func.count()).select_from(Survey)) == 1


def test_two_studies_drawing_at_once_respect_a_members_cap(app, session, hasher, only_postgres):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    member = doctor(session, hasher, "UK")
    session.add(InvitationCap(member_id=member.id, per_30_days=1))
    session.commit()
    studies = [submitted_study(session, client_user, cells=(("UK", "cardiology", 1),)) for _ in range(2)]
    for study in studies:
        review.approve(session, staff, study.id, honoraria)
    ids = iter([s.id for s in studies])
    lock = threading.Lock()

    def draw(own):  # type: ignore[no-untyped-def]
        with lock:
            study_id = next(ids)
        drawn = draw_wave(own, study_id, Settings())
        own.commit()
        return drawn

    _race(app, draw)
    session.expire_all()
    assert session.scalar(select(func.count()).where(Invitation.member_id == member.id)) == 1
