"""A PostgreSQL for the test session: TEST_DATABASE_URL when set, else a throwaway cluster.

The throwaway cluster is started from the installed server binaries (Debian's postgresql
package) in a temporary directory, on a free port, with fsync off; it is removed afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text

from tests.servers import free_port


class PostgresUnavailable(RuntimeError):
    pass


def _binaries() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise PostgresUnavailable(
            "no PostgreSQL server binaries (apt-get install postgresql) and no TEST_DATABASE_URL"
        )
    return os.path.dirname(found[-1])


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    bindir = _binaries()
    root = tempfile.mkdtemp(prefix="pulse-pg-")
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(root, "postgres", "postgres")
        os.chmod(root, 0o700)
    data = os.path.join(root, "data")
    port = free_port()
    try:
        subprocess.run(
            [
                *prefix,
                f"{bindir}/initdb",
                "--no-sync",
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "-D",
                data,
            ],
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off "
            "-c synchronous_commit=off -c max_connections=200"
        )
        subprocess.run(
            [
                *prefix,
                f"{bindir}/pg_ctl",
                "-w",
                "-D",
                data,
                "-o",
                options,
                "-l",
                os.path.join(root, "log"),
                "start",
            ],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresUnavailable(
            f"could not start a throwaway PostgreSQL: {exc.stderr.decode(errors='replace')}"
        ) from exc
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, f"{bindir}/pg_ctl", "-w", "-D", data, "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_url() -> Iterator[str]:
    """TEST_DATABASE_URL, or a throwaway cluster. Under pytest-xdist (``make test`` runs two workers)
    each worker gets a database of its own beside TEST_DATABASE_URL's, since tests empty theirs."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        with throwaway_cluster() as url:
            yield url
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        yield url
        return
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
