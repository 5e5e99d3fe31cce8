"""The database engine and one session per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app, g
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import DateTime, MetaData, create_engine, event, literal_column, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use datetime.now(timezone.utc)")
        # SQLite drops the offset rather than converting: store every instant as UTC everywhere.
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2101, 1, 1, tzinfo=UTC)


def bounded_utc(value: datetime) -> datetime | None:
    """``value`` (zone-aware) as UTC when it lies in 2000–2100, else None: dates outside that range
    are typing mistakes, and near year 9999 an offset would overflow on conversion."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        return None
    return utc if EARLIEST <= utc < LATEST else None


def make_engine(url: str, *, connect_timeout: float = 5, statement_timeout: float = 15) -> Engine:
    """An engine that gives up instead of hanging: a connect timeout, a statement timeout, and a
    pre-ping so that a connection the server dropped is replaced rather than failing a request."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": statement_timeout})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_timeout=connect_timeout,
        connect_args={
            "connect_timeout": max(1, round(connect_timeout)),
            "options": f"-c statement_timeout={round(statement_timeout * 1000)}",
        },
    )


def init_app(app: Flask) -> None:
    url = str(app.config["DATABASE_URL"])
    if url.startswith("sqlite:///") and ":memory:" not in url:
        _private_file(Path(url.removeprefix("sqlite:///")))
    engine = make_engine(
        url,
        connect_timeout=float(app.config.get("DB_CONNECT_TIMEOUT", 5)),
        statement_timeout=float(app.config.get("DB_STATEMENT_TIMEOUT", 15)),
    )
    app.extensions["pulse.engine"] = engine
    app.extensions["pulse.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def readiness(engine: Engine, redis_url: object, timeout: float = 2.0) -> dict[str, str]:
    """``{"database": "ok" | reason, "redis": ...}``: can each backing service answer right now?"""
    checks: dict[str, str] = {}
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = f"unavailable: {type(exc.orig if hasattr(exc, 'orig') else exc).__name__}"
    if redis_url:
        client = Redis.from_url(str(redis_url), socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            client.ping()
            checks["redis"] = "ok"
        except RedisError as exc:
            checks["redis"] = f"unavailable: {type(exc).__name__}"
        finally:
            client.close()
    return checks


def _private_file(path: Path) -> None:
    """The SQLite file (and its WAL side files) readable by its owner only: it holds identities."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate.exists():
            candidate.chmod(0o600)


def get_session() -> Session:
    """The current request's (or app context's) session, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["pulse.sessionmaker"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(app: Flask) -> Iterator[Session]:
    """A session outside a request (CLI, jobs): commit on success, roll back on error."""
    session = app.extensions["pulse.sessionmaker"]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def insert_unless_present(
    session: Session, model: type[Base], unique: tuple[str, ...], **values: object
) -> bool:
    """INSERT a row unless the unique constraint on ``unique`` already holds one; True if inserted.

    ``INSERT … ON CONFLICT (unique) DO NOTHING`` on PostgreSQL and SQLite: the constraint decides,
    racing inserts wait for each other, and no IntegrityError poisons the session's transaction.
    Any other constraint (the primary key, a check) still raises.
    """
    keys = list(unique)
    statement: Executable
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT whose key the client supplied.
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    else:
        statement = sqlite.insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    return session.execute(statement.returning(literal_column("1"))).first() is not None
