"""``pulse backup FILE`` and ``pulse restore FILE``: the whole database to one private file and back.

SQLite through its online backup API (a consistent copy while the app runs); PostgreSQL through
``pg_dump --format=custom`` and ``pg_restore --clean``, found on PATH or in
/usr/lib/postgresql/*/bin. The file is written 0600: it holds identities and password hashes.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why and what to do."""


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up.")
    return Path(database)


def _tool(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise BackupError(f"{name} is not installed: apt-get install postgresql-client.")
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL (no SQLAlchemy driver name) and the environment carrying the password."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")


def backup(url: str, target: Path) -> Path:
    """Write the database at ``url`` to ``target`` (0600); returns the path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.touch(mode=0o600)
    target.chmod(0o600)
    if url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    elif url.startswith("postgresql"):
        libpq, env = _libpq(url)
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), libpq], env)
    else:
        raise BackupError(f"Backups cover SQLite and PostgreSQL, not {make_url(url).get_backend_name()}.")
    return target


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the backup in ``source``."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file: give the path a 'pulse backup' wrote.")
    if url.startswith("sqlite"):
        try:
            backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            backup_db.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a Pulse SQLite backup ({exc}).") from None
        live = sqlite3.connect(_sqlite_path(url))
        try:
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
    elif url.startswith("postgresql"):
        libpq, env = _libpq(url)
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                libpq,
                str(source),
            ],
            env,
        )
    else:
        raise BackupError(f"Backups cover SQLite and PostgreSQL, not {make_url(url).get_backend_name()}.")
