"""Background jobs: run inline with the embedded default, on a Redis queue (rq) when REDIS_URL is set.

Features register their jobs here by name (``@jobs.register("build_report")`` in the feature's own
service module); the queue carries only the name, the arguments and an idempotency key, and the
worker (``pulse worker``) runs every job in the one app it was started with (:func:`work`).

A job registered with ``once=True`` runs at most once per idempotency key: the key is claimed in
the job's own transaction (``job_runs``), so a job that dies half-way leaves no claim and runs again
on retry, and a retried or doubled job whose key has committed returns the first run's result
without running. Invitations, reminders and payouts register this way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from redis import Redis
from rq import Queue, Worker
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from polling.db import Base, UTCDateTime, insert_unless_present, session_scope, utcnow

QUEUE = "pulse"
JobFunction = Callable[..., Any]


class JobRun(Base):
    """A run-once job's claim, committed with the job's own writes."""

    __tablename__ = "job_runs"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    result: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Job:
    name: str
    function: JobFunction
    once: bool


@dataclass(frozen=True)
class Submitted:
    """What became of a submitted job: done inline (with its result) or queued (with its id)."""

    inline: bool
    job_id: str | None = None
    result: Any = None


_REGISTRY: dict[str, Job] = {}


def register(name: str, *, once: bool = False) -> Callable[[JobFunction], JobFunction]:
    """Register ``function(session, *args)`` as the job ``name`` (``once``: at most once per key)."""

    def add(function: JobFunction) -> JobFunction:
        if name in _REGISTRY and _REGISTRY[name].function is not function:
            raise ValueError(f"two jobs are registered as {name!r}")
        _REGISTRY[name] = Job(name, function, once)
        return function

    return add


def registered() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def _job(name: str) -> Job:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown job {name!r}: registered are {', '.join(registered()) or 'none'}") from None


def _key(job: Job, args: tuple[Any, ...], key: str | None) -> str | None:
    if not job.once:
        return None
    return key or f"{job.name}:{json.dumps(args, default=str)}"


def _run_in(session: Session, job: Job, args: tuple[Any, ...], key: str | None) -> Any:
    if key is None:
        return job.function(session, *args)
    if not insert_unless_present(session, JobRun, ("key",), key=key, job=job.name):
        return _stored_result(session, key)
    result = job.function(session, *args)
    claim = session.get(JobRun, key)
    if claim is not None:
        claim.result, claim.finished_at = json.dumps(result, default=str), utcnow()
    return result


def _stored_result(session: Session, key: str) -> Any:
    stored = session.scalar(select(JobRun.result).where(JobRun.key == key))
    return json.loads(stored) if stored else None


def run(app: Flask, name: str, *args: Any, key: str | None = None) -> Any:
    """Run a registered job now, in a session of its own that commits with the job."""
    job = _job(name)
    with app.app_context(), session_scope(app) as session:
        return _run_in(session, job, args, _key(job, args, key))


def submit(
    app: Flask, name: str, *args: Any, key: str | None = None, after: Submitted | None = None
) -> Submitted:
    """Run ``name`` now, or enqueue it when the app has a REDIS_URL.

    ``after``: a job submitted before that must finish first (on the queue, a worker starts this one
    only once that one has succeeded; inline, it has already run).
    """
    job = _job(name)
    url = app.config.get("REDIS_URL")
    if not url:
        return Submitted(inline=True, result=run(app, name, *args, key=key))
    connection = Redis.from_url(str(url))
    depends_on = after.job_id if after is not None and not after.inline else None
    try:
        queued = Queue(QUEUE, connection=connection).enqueue(
            worker_entry, name, *args, _key(job, args, key), job_timeout=600, depends_on=depends_on
        )
    finally:
        connection.close()
    return Submitted(inline=False, job_id=queued.id)


_WORKER: dict[str, Flask] = {}


def work(app: Flask, *, burst: bool = False, worker_class: type[Worker] = Worker) -> None:
    """Serve the queue at ``app``'s REDIS_URL, running every job in ``app`` (one app per process;
    rq's forked work horses inherit it)."""
    _WORKER["app"] = app
    connection = Redis.from_url(str(app.config["REDIS_URL"]))
    try:
        worker_class([Queue(QUEUE, connection=connection)], connection=connection).work(burst=burst)
    finally:
        connection.close()


def worker_entry(name: str, *args: Any) -> Any:
    """What the rq worker runs: the worker's app, then the job (its last argument is the key)."""
    if "app" not in _WORKER:
        raise RuntimeError("jobs run in a worker started by jobs.work(app) (pulse worker)")
    *job_args, key = args
    return run(_WORKER["app"], name, *job_args, key=key)
