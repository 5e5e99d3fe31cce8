"""Browser tests: the real app served by gunicorn in its own process, driven by Debian's Chromium.

The server runs in production mode (CSRF on, argon2 at full cost, rate limits on) against a
throwaway SQLite database migrated and seeded with a staff account through the ``pulse`` CLI,
exactly as an operator would. See STACK.md, "Browser tests".

A second server, :func:`demo_server`, serves the seeded demo (``pulse seed-demo --members 400``) for the
demo journeys; its seeding starts at the first browser test so that it overlaps the others.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import BIN, free_port, start_gunicorn, stop, wait_until_up

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STAFF_EMAIL = "staff@example.org"
STAFF_PASSWORD = "verification desk 2024 key"
SEED_TIMEOUT = 180.0
DEMO_MEMBERS = 400  # small, so that seeding (mostly the two demo reports' PDFs) stays under ~20 s
DEMO_STAFF_EMAIL = "staff@demo.pulse"
DEMO_STAFF_PASSWORD = "verify-licences-2026"
CONTEXT_ARGS: dict[str, object] = {"locale": "en-US", "viewport": {"width": 1280, "height": 900}}


@dataclass(frozen=True)
class LiveServer:
    url: str
    env: dict[str, str]
    staff_email: str = STAFF_EMAIL
    staff_password: str = STAFF_PASSWORD

    def start_pulse(self, *args: str) -> subprocess.Popen[str]:
        """Start a ``pulse`` CLI command against the served database; finish it with :meth:`finish`."""
        return subprocess.Popen(
            [str(BIN / "pulse"), *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @staticmethod
    def finish(command: subprocess.Popen[str]) -> str:
        """Wait for a command of :meth:`start_pulse`; fail the test unless it succeeded; its output."""
        stdout, stderr = command.communicate(timeout=60)
        assert command.returncode == 0, f"{' '.join(map(str, command.args))} failed:\n{stdout}\n{stderr}"
        return stdout

    def pulse(self, *args: str) -> str:
        """Run a ``pulse`` CLI command against the served database; return its output."""
        return self.finish(self.start_pulse(*args))


def _server_env(work: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PULSE_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "RESPONDENT_KEY_SECRET": secrets.token_hex(32),
        "SESSION_COOKIE_SECURE": "0",  # plain http on localhost
        "DATABASE_URL": f"sqlite:///{work / 'pulse.sqlite3'}",
        "LOGIN_RATE_LIMIT": "100 per minute",
        # Journeys log staff in with a password alone; tests/accounts covers the TOTP step.
        "SECOND_FACTOR_ROLES": "",
        "MAIL_FOLDER": str(work / "mail"),
    }
    env.pop("REDIS_URL", None)
    return env


def _start_gunicorn(work: Path, port: int, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
    log = work / "server.log"
    return start_gunicorn(env, port, log, cwd=work), log


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app (gunicorn, one worker) on a free 127.0.0.1 port, stopped at the end of the session."""
    work = tmp_path_factory.mktemp("live")
    port = free_port()
    env = _server_env(work)
    server = LiveServer(url=f"http://127.0.0.1:{port}", env=env)
    server.pulse("db", "upgrade")
    create_staff = server.start_pulse("create-account", "staff", STAFF_EMAIL, "--password", STAFF_PASSWORD)

    process, log = _start_gunicorn(work, port, env)
    try:
        wait_until_up(server.url, process, log)
        server.finish(create_staff)
        yield server
    finally:
        if create_staff.poll() is None:
            create_staff.kill()
            create_staff.communicate()
        stop(process)


# ``pulse db upgrade`` then ``pulse seed-demo`` through the CLI's entry point, in one process: the app's
# imports (~3 s) are paid once.
SEED_SCRIPT = """
import sys
from polling.cli import main
main(["db", "upgrade"], standalone_mode=False)
main(["seed-demo", "--members", sys.argv[1], "--force"], standalone_mode=False)
"""


@dataclass
class DemoStart:
    """The demo being seeded on a fresh database while its gunicorn starts (the app touches the
    database only when it serves a request)."""

    work: Path
    port: int
    env: dict[str, str]
    seed: subprocess.Popen[bytes]
    seed_log: Path
    server: subprocess.Popen[bytes]
    server_log: Path

    def stop(self) -> None:
        if self.seed.poll() is None:
            self.seed.kill()
            self.seed.wait()
        stop(self.server)


def _start_demo(work: Path) -> DemoStart:
    env, port = _server_env(work), free_port()
    seed_log = work / "seed.log"
    with seed_log.open("wb") as out:
        seed = subprocess.Popen(
            [sys.executable, "-c", SEED_SCRIPT, str(DEMO_MEMBERS)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=work,
        )
    server, server_log = _start_gunicorn(work, port, env)
    return DemoStart(work, port, env, seed, seed_log, server, server_log)


@pytest.fixture(scope="session")
def demo_start(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStart]:
    """The demo's seeding and server, started; :func:`demo_server` waits for them."""
    started = _start_demo(tmp_path_factory.mktemp("demo"))
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session", autouse=True)
def _start_demo_early(request: pytest.FixtureRequest) -> None:
    """When demo journeys are selected, start seeding at the first browser test, so that its ~15-30 s
    (mostly the two demo reports' PDFs and figures) overlap the other journeys."""
    if any("demo_server" in getattr(item, "fixturenames", ()) for item in request.session.items):
        request.getfixturevalue("demo_start")


@pytest.fixture(scope="session")
def demo_server(demo_start: DemoStart) -> LiveServer:
    """A second live server whose database holds ``pulse seed-demo --members 400``: the demo's accounts
    (README, "Demo log-ins"), five polls with votes, the two closed polls' published reports."""
    try:
        demo_start.seed.wait(timeout=SEED_TIMEOUT)
    except subprocess.TimeoutExpired:
        demo_start.seed.kill()
        demo_start.seed.wait()
    seed = demo_start.seed
    if seed.returncode != 0:
        raise RuntimeError(f"Seeding the demo failed ({seed.returncode}):\n{demo_start.seed_log.read_text()}")
    server = LiveServer(
        url=f"http://127.0.0.1:{demo_start.port}",
        env=demo_start.env,
        staff_email=DEMO_STAFF_EMAIL,
        staff_password=DEMO_STAFF_PASSWORD,
    )
    wait_until_up(server.url, demo_start.server, demo_start.server_log)
    return server


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """pytest-playwright's base URL: relative ``page.goto`` paths go to the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, object]:
    """Debian's Chromium instead of Playwright's download (which cannot be fetched here)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install chromium (see the Makefile)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Browser tests are required in CI: {reason}")
        pytest.skip(reason)
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, object]) -> dict[str, object]:
    """English first, as a visitor from an English-speaking country; a desktop viewport."""
    return {**browser_context_args, **CONTEXT_ARGS}
