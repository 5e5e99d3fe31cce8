"""With REDIS_URL set, approval queues the first wave and its mail; a worker sends them, once."""

from __future__ import annotations

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from polling import create_app, jobs
from polling.studies.models import Invitation
from tests.conftest import FAST_HASH, RESPONDENT_SECRET
from tests.factories import make_user
from tests.studies.fielding_helpers import doctor, honoraria, smtp_server, submitted_study


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    yield from smtp_server()


@pytest.mark.slow
def test_approval_queues_the_wave_and_the_worker_mails_it_once(
    redis, database_url, session, hasher, monkeypatch, smtp
):
    from polling.studies import pricing

    monkeypatch.setattr(pricing, "honorarium_by_country", honoraria)
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    members = [doctor(session, hasher, "UK") for _ in range(2)]
    study = submitted_study(session, client_user, cells=(("UK", "cardiology", 1),))
    settings = {
        "PULSE_ENV": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "RESPONDENT_KEY_SECRET": RESPONDENT_SECRET,
        "REDIS_URL": redis,
        "MAIL_TRANSPORT": "smtp",
        "SMTP_HOST": smtp.host,
        "SMTP_PORT": str(smtp.port),
    }
    app = create_app(
        {**settings, "WTF_CSRF_ENABLED": False, "ARGON2_COST": FAST_HASH, "RATELIMIT_ENABLED": False}
    )
    client = app.test_client()
    client.post("/login", data={"email": staff.email, "password": "correct horse battery"})
    assert client.post(f"/staff/studies/{study.id}/approve").status_code == 302
    assert session.scalar(select(func.count()).select_from(Invitation)) == 0  # queued, not drawn
    assert smtp.messages == []

    for name, value in settings.items():  # the worker's app, as `pulse worker` builds it
        monkeypatch.setenv(name, value)
    worker_app = create_app()
    worker_app.config["MAIL_TRANSPORT"] = "smtp"  # testing mode would keep mail in memory
    jobs.work(worker_app, burst=True, worker_class=SimpleWorker)
    jobs.submit(app, "study_mail", study.id)  # a doubled mail job, e.g. a retry by hand
    jobs.work(worker_app, burst=True, worker_class=SimpleWorker)
    worker_app.extensions["pulse.engine"].dispose()
    app.extensions["pulse.engine"].dispose()
    assert session.scalar(select(func.count()).select_from(Invitation)) == 2
    assert sorted(m["To"] for m in smtp.messages) == sorted(m.user.email for m in members)
