"""Verifications from the command line are signed by one system account, even when two run at once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from polling.accounts.models import User
from polling.members.service import system_reviewer


def test_two_first_verifications_at_once_share_one_system_reviewer(app, database_url, hasher):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one writer in at a time: the race needs PostgreSQL")
    engine = app.extensions["pulse.engine"]
    first, second = Session(engine), Session(engine)
    found: list[int] = []
    try:
        created = system_reviewer(first, hasher)  # inserted, not yet committed
        racer = threading.Thread(target=lambda: found.append(system_reviewer(second, hasher).id))
        racer.start()  # its INSERT waits on the unique e-mail until the first commits
        racer.join(timeout=1.0)
        first.commit()
        racer.join(timeout=30)
        second.commit()
        assert found == [created.id]
        assert first.scalar(select(func.count()).select_from(User).where(User.role == "staff")) == 1
    finally:
        first.close()
        second.close()
