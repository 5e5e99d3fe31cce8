"""Report building on the Redis queue: the request enqueues, a worker builds."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from polling import create_app, jobs
from polling.accounts.models import ClientOrganisation
from polling.jobs import JobRun
from polling.press.models import Report
from tests.conftest import FAST_HASH
from tests.factories import closed_poll, make_user


@pytest.mark.documents
@pytest.mark.slow
def test_build_is_queued_then_done_by_the_worker(redis, database_url, session, hasher, monkeypatch):
    from rq import SimpleWorker

    poll = closed_poll(session, hasher)
    staff = make_user(session, hasher, "staff")
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "ARGON2_COST": FAST_HASH,
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": redis,
        }
    )
    client = app.test_client()
    client.post("/login", data={"email": staff.email, "password": "correct horse battery"})
    answer = client.post(f"/staff/polls/{poll.id}/report", follow_redirects=True)
    assert "being built by a worker" in answer.text
    assert session.query(Report).count() == 0  # nothing built in the request

    # The worker's own app, built from the environment as `pulse worker` builds it, serves the queue.
    for name, value in {
        "PULSE_ENV": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "REDIS_URL": redis,
    }.items():
        monkeypatch.setenv(name, value)
    worker_app = create_app()
    jobs.work(worker_app, burst=True, worker_class=SimpleWorker)
    worker_app.extensions["pulse.engine"].dispose()
    session.expire_all()
    report = session.query(Report).one()
    # n is the pooled base: the UK's 25 and Ireland's 4 are under 30 respondents, outside the pool.
    assert (report.poll_id, report.status, report.n) == (poll.id, "draft", 80)
    app.extensions["pulse.engine"].dispose()


@jobs.register("test_add_organisation", once=True)
def _add_organisation(session, name: str, fail: bool = False) -> int:  # type: ignore[no-untyped-def]
    organisation = ClientOrganisation(name=name)
    session.add(organisation)
    session.flush()
    if fail:
        raise RuntimeError("the worker died half-way")
    return organisation.id


def test_a_run_once_job_runs_once_per_key_and_again_after_dying(app, session):
    first = jobs.run(app, "test_add_organisation", "Acme", key="invite:1")
    again = jobs.run(app, "test_add_organisation", "Acme", key="invite:1")  # a retried or doubled job
    assert again == first
    assert session.scalar(select(func.count()).select_from(ClientOrganisation)) == 1
    with pytest.raises(RuntimeError, match="died half-way"):
        jobs.run(app, "test_add_organisation", "Beta", True, key="invite:2")
    # Nothing of the dead run was kept, its claim included: the retry runs.
    assert session.scalar(select(func.count()).select_from(JobRun).where(JobRun.key == "invite:2")) == 0
    jobs.run(app, "test_add_organisation", "Beta", key="invite:2")
    names = set(session.scalars(select(ClientOrganisation.name)))
    assert names == {"Acme", "Beta"}


def test_unknown_jobs_and_double_registrations_are_refused(plain_app):
    with pytest.raises(KeyError, match="unknown job 'nope'"):
        jobs.submit(plain_app, "nope")
    with pytest.raises(ValueError, match="two jobs are registered as 'build_report'"):
        jobs.register("build_report")(lambda session: None)
    assert "build_report" in jobs.registered()
