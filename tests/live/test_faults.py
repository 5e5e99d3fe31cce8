"""Faults against a live Pulse (gunicorn, 3 workers, PostgreSQL) under bounded vote load: a worker
killed with SIGKILL, every database connection of the app terminated, then a database outage of a
few seconds. Clients retry with the same Idempotency-Key on 503 or a dropped connection, as the
API asks. Asserted: no 500 ever; every acknowledged vote stored exactly once and none lost; the
app serves again after the outage without a restart. The figures are printed (run with -s)."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from polling import create_app
from polling.accounts.service import issue_token
from polling.db import session_scope
from polling.members.service import register_physician, review
from polling.polls.models import Vote
from tests.conftest import FAST_HASH
from tests.factories import make_poll, make_user, physician_form
from tests.servers import free_port, start_gunicorn, stop, wait_until_up

SECRET = "fault-test-secret"
MEMBERS = 120
CLIENTS = 8
OUTAGE_SECONDS = 3.0
DEADLINE_SECONDS = 90.0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _admin(url: str) -> psycopg.Connection:
    parts = make_url(url)
    return psycopg.connect(
        host=parts.host,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        dbname="template1",  # not the app's database, which the outage closes to new connections
        autocommit=True,
    )


def _terminate_app_connections(admin: psycopg.Connection, database: str) -> int:
    rows = admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (database,),
    ).fetchall()
    return len(rows)


@pytest.mark.postgres
@pytest.mark.slow
def test_faults_answer_503_lose_nothing_and_heal(live_postgres, tmp_path):
    app = create_app({"DATABASE_URL": live_postgres, "SECRET_KEY": SECRET, "ARGON2_COST": FAST_HASH})
    with session_scope(app) as session:
        staff = make_user(session, app.extensions["pulse.hasher"], "staff")
        poll = make_poll(session, app.extensions["pulse.hasher"], staff=staff)
        poll_id, option_id = poll.id, poll.options[0].id
        tokens = []
        for i in range(MEMBERS):
            member = register_physician(
                session, app.extensions["pulse.hasher"], physician_form(email=f"fault{i}@example.org")
            )
            review(session, staff, member.id, decision="verify")
            tokens.append(issue_token(session, member.user).token)
    app.extensions["pulse.engine"].dispose()

    port = free_port()
    env = {
        **os.environ,
        "PULSE_ENV": "production",
        "SECRET_KEY": SECRET,
        "RESPONDENT_KEY_SECRET": SECRET + "-respondents",
        "DATABASE_URL": live_postgres,
        "SESSION_COOKIE_SECURE": "0",
        "DB_CONNECT_TIMEOUT": "2",
        "DB_STATEMENT_TIMEOUT": "5",
        "RETRY_AFTER": "1",
    }
    log = tmp_path / "gunicorn.log"
    process = start_gunicorn(env, port, log, workers=3)
    base = f"http://127.0.0.1:{port}"
    statuses: Counter[object] = Counter()
    acknowledged: list[int] = []
    lock = threading.Lock()
    outage_over = threading.Event()
    marks: dict[str, float] = {}
    try:
        wait_until_up(base, process, log, timeout=180)
        deadline = time.monotonic() + DEADLINE_SECONDS

        def vote(index: int) -> None:
            key = str(uuid.uuid4())  # one key per vote, reused by every retry of it
            while time.monotonic() < deadline:
                try:
                    answer = requests.post(
                        f"{base}/api/v1/polls/{poll_id}/votes",
                        json={"options": [option_id]},
                        headers={"Authorization": f"Bearer {tokens[index]}", "Idempotency-Key": key},
                        timeout=10,
                    )
                    status: object = answer.status_code
                except requests.RequestException as exc:  # a killed worker drops its connections
                    status = type(exc).__name__
                with lock:
                    statuses[status] += 1
                    if status == 201:
                        acknowledged.append(index)
                        if outage_over.is_set() and "first_write_after_outage" not in marks:
                            marks["first_write_after_outage"] = time.monotonic()
                if status == 201 or status in (400, 403, 404, 409, 422, 500):
                    return
                time.sleep(0.2)

        def faults() -> None:
            database = str(make_url(live_postgres).database)
            with _admin(live_postgres) as admin:
                time.sleep(0.5)
                workers = _children(process.pid)
                os.kill(workers[0], signal.SIGKILL)
                marks["killed_worker"] = 1
                time.sleep(0.7)
                marks["terminated_connections"] = _terminate_app_connections(admin, database)
                time.sleep(0.7)
                admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
                _terminate_app_connections(admin, database)
                time.sleep(OUTAGE_SECONDS)
                admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
                marks["outage_end"] = time.monotonic()
                outage_over.set()

        fault_thread = threading.Thread(target=faults)
        started = time.monotonic()
        fault_thread.start()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            # Votes are paced so that load lasts through every fault.
            for index in range(MEMBERS):
                pool.submit(vote, index)
                time.sleep(0.06)
        fault_thread.join()
        elapsed = time.monotonic() - started
        ready = requests.get(f"{base}/readyz", timeout=10)
        assert process.poll() is None, "gunicorn itself must survive"
    finally:
        stop(process)

    requests_sent = sum(statuses.values())
    print(
        f"\nfault test: {requests_sent} requests in {elapsed:.1f} s, statuses {dict(statuses)}, "
        f"{statuses[503]} answered 503, {statuses[500]} answered 500, "
        f"{marks.get('terminated_connections')} connections terminated, recovery "
        f"{marks.get('first_write_after_outage', float('nan')) - marks['outage_end']:.2f} s after the outage"
    )
    assert statuses[500] == 0
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
    assert statuses[503] > 0  # the outage was seen, and answered as such
    assert sorted(acknowledged) == list(range(MEMBERS)), "every vote acknowledged exactly once"
    assert "first_write_after_outage" in marks, "writes resumed without a restart"

    app = create_app({"DATABASE_URL": live_postgres, "SECRET_KEY": SECRET, "ARGON2_COST": FAST_HASH})
    with session_scope(app) as session:
        stored = session.scalar(select(func.count()).select_from(Vote).where(Vote.poll_id == poll_id))
    app.extensions["pulse.engine"].dispose()
    assert stored == MEMBERS  # none lost, none doubled
