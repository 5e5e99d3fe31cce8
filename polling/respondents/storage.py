"""The storage order of anonymous rows: rewritten in random-id order by a scheduled, rate-limited job.

A database stores rows in the order they are written unless told otherwise, and a dump lists them
so. Votes and survey responses carry random ids, but their place in storage would still follow the
order they were written — the order of the day's log-ins, or of the honoraria the ledger credits,
which name members. So the tables of each *group* are rewritten in the order of their random
primary keys:

- PostgreSQL: ``CLUSTER`` every table of the group (votes; survey responses, answers and quality
  flags);
- SQLite: votes and survey responses live in their (random) id order and answers in primary-key
  order (a table WITHOUT ROWID), so only ``quality_flags``, stored in insertion order, is rewritten.

A rewrite costs the whole table, so it is never run per vote: :func:`schedule` submits the job at
most once per :data:`REORDER_MINUTES` per group (``STORAGE_REORDER_MINUTES``), after a vote's or a
complete's commit — inline when the app has no REDIS_URL, on the worker otherwise. Rows written
since the last rewrite sit in insertion order until the next one; a run with no window
(``jobs.run(app, "reorder_storage", group)``, e.g. nightly or after a fieldwork day) leaves none.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from polling import jobs
from polling.db import insert_unless_present, utcnow

#: Tables rewritten per group (PostgreSQL), and the ones SQLite stores in insertion order.
GROUPS: dict[str, tuple[str, ...]] = {
    "votes": ("votes",),
    "surveys": ("survey_responses", "survey_answers", "quality_flags"),
}
SQLITE_INSERTION_ORDER: dict[str, tuple[str, ...]] = {"votes": (), "surveys": ("quality_flags",)}
#: Fewest minutes between two scheduled rewrites of one group.
REORDER_MINUTES = 10

_WINDOWS = "pulse.storage_windows"  # app.extensions: group → the last window this process submitted in


def _window(app: Flask, now: datetime) -> int:
    minutes = float(app.config.get("STORAGE_REORDER_MINUTES", REORDER_MINUTES))
    return int(now.timestamp() // max(1.0, minutes * 60))


def needed(app: Flask, group: str) -> bool:
    """Whether the group has anything to rewrite on the app's database."""
    dialect = app.extensions["pulse.engine"].dialect.name
    return dialect == "postgresql" or bool(SQLITE_INSERTION_ORDER[group])


def schedule(app: Flask, group: str, now: datetime | None = None) -> jobs.Submitted | None:
    """Submit the group's rewrite unless it was submitted in this window; None if not submitted.

    Cheap when there is nothing to do (a dictionary look-up per process and window); the job's own
    claim (``job_runs``) makes it once per window across processes. Best effort: a rewrite that
    cannot run now (the table busy) is left to the next window.
    """
    if group not in GROUPS:
        raise KeyError(f"unknown storage group {group!r}: {', '.join(GROUPS)}")
    if not needed(app, group):
        return None
    window = _window(app, now or utcnow())
    submitted: dict[str, int] = app.extensions.setdefault(_WINDOWS, {})
    if submitted.get(group) == window:
        return None
    submitted[group] = window
    try:
        return jobs.submit(app, "reorder_storage", group, window)
    except DBAPIError as exc:
        logging.getLogger(__name__).info("%s not reordered this time: %s", group, exc.orig)
        return None


@jobs.register("reorder_storage")
def reorder_storage(session: Session, group: str, window: int | None = None) -> bool:
    """Rewrite the group's tables in random-id order; True if rewritten now.

    ``window``: the scheduled window, claimed in ``job_runs`` with the rewrite (a second run in the
    same window does nothing); None (nightly, by hand) always rewrites. On PostgreSQL one rewrite
    runs at a time (an advisory lock; a second one returns at once) and waits at most a moment for
    the table, so that no vote queues long behind it.
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    tables = GROUPS[group] if postgresql else SQLITE_INSERTION_ORDER[group]
    if not tables:
        return False
    if postgresql:
        locked = session.execute(
            text("SELECT pg_try_advisory_xact_lock(hashtext(:name))"), {"name": f"pulse reorder {group}"}
        ).scalar()
        if not locked:
            return False
    if window is not None and not insert_unless_present(
        session, jobs.JobRun, ("key",), key=f"reorder_storage:{group}:{window}", job="reorder_storage"
    ):
        return False
    if postgresql:
        session.execute(text("SET LOCAL lock_timeout = '500ms'"))
        for table in tables:
            session.execute(text(f"CLUSTER {table} USING pk_{table}"))
        return True
    for table in tables:  # SQLite: a table emptied and refilled gets its rowids afresh, in key order
        session.execute(text(f"CREATE TEMP TABLE reorder_copy AS SELECT * FROM {table}"))
        session.execute(text(f"DELETE FROM {table}"))
        session.execute(text(f"INSERT INTO {table} SELECT * FROM reorder_copy ORDER BY 1, 2"))
        session.execute(text("DROP TABLE reorder_copy"))
    return True
