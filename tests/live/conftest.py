"""A real Pulse under gunicorn, on the test session's PostgreSQL, for concurrency tests."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(database_url: str, secret: str, *, workers: int = 4) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "PULSE_ENV": "production", "SECRET_KEY": secret, "DATABASE_URL": database_url,
           "SESSION_COOKIE_SECURE": "0"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen([str(gunicorn), "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{port}",
                                "--backlog", "1024", "--log-level", "warning", "polling:create_app()"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {process.stderr.read().decode(errors='replace')}")  # type: ignore[union-attr]
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return process, base
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stderr is not None:
        process.stderr.close()


@pytest.fixture
def live_postgres(postgres_session_url: str) -> Iterator[str]:
    from tests.conftest import _truncate_all

    _truncate_all(postgres_session_url)
    yield postgres_session_url
    _truncate_all(postgres_session_url)
