"""A real Pulse under gunicorn, on the test session's PostgreSQL, for concurrency tests."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port, start_gunicorn, stop, wait_until_up


def respondent_secret(secret: str) -> str:
    """The live server's respondent-key secret: its own, never SECRET_KEY."""
    return f"{secret}-respondents"


def start_pulse(database_url: str, secret: str, *, workers: int = 4) -> tuple[subprocess.Popen[bytes], str]:
    """Pulse under gunicorn in production mode on ``database_url``; returns the process and its URL."""
    port = free_port()
    env = {
        **os.environ,
        "PULSE_ENV": "production",
        "SECRET_KEY": secret,
        "RESPONDENT_KEY_SECRET": respondent_secret(secret),
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": "0",
    }
    log = Path(tempfile.mkdtemp(prefix="pulse-gunicorn-")) / "server.log"
    process = start_gunicorn(env, port, log, workers=workers)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, log)
    except RuntimeError:
        stop(process)
        raise
    return process, base


@pytest.fixture
def live_postgres(postgres_session_url: str) -> Iterator[str]:
    from tests.conftest import _truncate_all

    _truncate_all(postgres_session_url)
    yield postgres_session_url
    _truncate_all(postgres_session_url)
