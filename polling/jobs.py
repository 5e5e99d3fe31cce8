"""Background jobs: run inline with the embedded default, on a Redis queue (rq) when REDIS_URL is set.

A job is a function registered here by name; the queue carries only the name and its arguments,
and the worker (``pulse worker``) runs it inside an app built from the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from polling.db import session_scope

QUEUE = "pulse"


@dataclass(frozen=True)
class Submitted:
    """What became of a submitted job: done inline (with its result) or queued (with its id)."""

    inline: bool
    job_id: str | None = None
    result: Any = None


def _registry() -> dict[str, Callable[..., Any]]:
    from polling.press.service import build_report_job

    return {"build_report": build_report_job}


def run(name: str, *args: Any) -> Any:
    """Run a registered job in the current app, in a session of its own."""
    job = _registry()[name]
    with session_scope(current_app._get_current_object()) as session:  # type: ignore[attr-defined]
        return job(session, *args)


def submit(app: Flask, name: str, *args: Any) -> Submitted:
    """Run ``name`` now, or enqueue it when the app has a REDIS_URL."""
    if name not in _registry():
        raise KeyError(f"unknown job {name!r}")
    url = app.config.get("REDIS_URL")
    if not url:
        return Submitted(inline=True, result=run(name, *args))
    from redis import Redis
    from rq import Queue

    queue = Queue(QUEUE, connection=Redis.from_url(str(url)))
    return Submitted(inline=False, job_id=queue.enqueue(worker_entry, name, *args, job_timeout=600).id)


def worker_entry(name: str, *args: Any) -> Any:
    """What the rq worker runs: an app from the environment, then the job."""
    from polling import create_app

    app = create_app()
    with app.app_context():
        try:
            return run(name, *args)
        finally:
            app.extensions["pulse.engine"].dispose()
