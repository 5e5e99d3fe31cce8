"""Shared fixtures in the Flask-tutorial style: app, client, runner, session, auth.

Every test that uses ``app`` runs twice: on SQLite and on PostgreSQL (the ``backend`` param).
With CI=true a PostgreSQL that cannot be started fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from polling import create_app, migrate
from polling.models import metadata
from polling.respondents.keys import RespondentKeys
from tests.postgres import PostgresUnavailable, postgres_url
from tests.redis_server import RedisUnavailable, redis_url

FAST_HASH = (1, 1024)
RESPONDENT_SECRET = "test-respondent-secret"  # apart from SECRET_KEY, as in production  # argon2 time and memory cost: cheap in tests, the defaults in production


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that render documents (PDFs, charts) run once, on SQLite: rendering does not depend on
    the database, and every database path they cross has tests of its own on both."""
    once = [i for i in items if i.get_closest_marker("documents") and "[postgresql" in i.nodeid]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [i for i in items if i not in once]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "pulse.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_session_url() -> Iterator[str]:
    try:
        with postgres_url() as url:
            migrate.upgrade(url)
            yield url
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(str(exc))


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "pulse.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_session_url")
    _truncate_all(url)
    return url


@pytest.fixture
def app(database_url: str):  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "RESPONDENT_KEY_SECRET": RESPONDENT_SECRET,
            "WTF_CSRF_ENABLED": False,
            "ARGON2_COST": FAST_HASH,
            "RATELIMIT_ENABLED": False,
        }
    )
    yield app
    app.extensions["pulse.engine"].dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def runner(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def session(app):  # type: ignore[no-untyped-def]
    """A database session of the app, outside any request; commit to make rows visible to requests."""
    with app.app_context():
        from polling.db import get_session

        yield get_session()


@pytest.fixture
def hasher(app):  # type: ignore[no-untyped-def]
    return app.extensions["pulse.hasher"]


class AuthActions:
    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self._client = client

    def login(self, email: str, password: str = "correct horse battery"):  # type: ignore[no-untyped-def]
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):  # type: ignore[no-untyped-def]
        return self._client.post("/logout")

    def token(self, email: str, password: str = "correct horse battery") -> str:
        answer = self._client.post("/api/v1/tokens", json={"email": email, "password": password})
        assert answer.status_code == 201, answer.json
        return str(answer.json["token"])


@pytest.fixture
def keys() -> RespondentKeys:
    """The respondent keys the ``app`` fixture's app uses (polling.respondents.keys)."""
    return RespondentKeys(RESPONDENT_SECRET)


@pytest.fixture
def auth(client) -> AuthActions:  # type: ignore[no-untyped-def]
    return AuthActions(client)


@pytest.fixture(scope="session")
def plain_app():  # type: ignore[no-untyped-def]
    """An app with no database, for tests of pure functions whose messages need an app context."""
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "test-secret"})
    yield app
    app.extensions["pulse.engine"].dispose()


@pytest.fixture(scope="module")
def redis() -> Iterator[str]:
    """A Redis URL for tests of what is shared across processes (queue, rate limits); skips without one."""
    try:
        with redis_url() as url:
            yield url
    except RedisUnavailable as exc:
        pytest.skip(str(exc))
