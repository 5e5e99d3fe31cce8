"""The storage rewrite is a scheduled job, at most once per window per table group, and a dump's
physical order no longer follows insertion order once it ran (PostgreSQL; SQLite's quality flags)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from polling import jobs
from polling.db import utcnow
from polling.polls.models import Vote
from polling.respondents import storage
from polling.surveys.models import SurveyResponse
from tests.factories import make_member, make_poll, make_user
from tests.surveys.helpers import AI_PATH, make_survey


def _storage_order(session, table: str, column: str) -> list:  # type: ignore[no-untyped-def]
    """The rows as a dump lists them (no ORDER BY: the database's physical order)."""
    return [row._mapping[column] for row in session.execute(text(f"SELECT * FROM {table}"))]


def _vote(session, poll_id: int, n: int) -> int:  # type: ignore[no-untyped-def]
    vote = Vote(
        poll_id=poll_id,
        respondent_key=f"{n:064x}",
        country="US",
        specialty="cardiology",
        sex="female",
        age_band="35-44",
        practice_band="10-19",
        options_mask=1,
    )
    session.add(vote)
    session.commit()
    return vote.id


def test_votes_are_rewritten_in_random_id_order_once_per_window(app, session, hasher) -> None:  # type: ignore[no-untyped-def]
    poll = make_poll(session, hasher)
    inserted = [_vote(session, poll.id, n) for n in range(40)]
    assert inserted != sorted(inserted)  # random ids
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:  # PostgreSQL keeps what it is given in the order it came
        assert _storage_order(session, "votes", "id") == inserted
    session.rollback()  # the dump's read ends (a rewrite waits for readers of the table)
    now = utcnow()
    first = storage.schedule(app, "votes", now)
    if not postgresql:  # SQLite stores votes in (random) id order already: nothing to schedule
        assert first is None and _storage_order(session, "votes", "id") == sorted(inserted)
        return
    assert first is not None and first.inline and first.result is True
    stored = _storage_order(session, "votes", "id")
    assert stored == sorted(inserted) and stored != inserted
    # Within the window nothing runs again, whichever process asks (the claim is in job_runs).
    late = _vote(session, poll.id, 99)
    session.rollback()
    assert storage.schedule(app, "votes", now + timedelta(seconds=30)) is None
    assert jobs.run(app, "reorder_storage", "votes", storage._window(app, now)) is False
    assert _storage_order(session, "votes", "id")[-1] == late
    session.rollback()
    # The next window rewrites again.
    later = now + timedelta(minutes=storage.REORDER_MINUTES)
    assert storage.schedule(app, "votes", later) is not None
    session.rollback()
    assert _storage_order(session, "votes", "id") == sorted([*inserted, late])


def test_a_vote_schedules_the_rewrite_and_the_worker_would_run_it(app, session, hasher, auth) -> None:  # type: ignore[no-untyped-def]
    """A vote through the app schedules the rewrite after its commit (inline without REDIS_URL)."""
    poll = make_poll(session, hasher)
    member = make_member(session, hasher)
    client = app.test_client()
    client.post("/login", data={"email": member.user.email, "password": "correct horse battery"})
    option = poll.options[0].id
    assert client.post(f"/polls/{poll.id}/vote", data={"option": [str(option)]}).status_code in (302, 303)
    claims = set(session.scalars(select(jobs.JobRun.key).where(jobs.JobRun.job == "reorder_storage")))
    if session.get_bind().dialect.name == "postgresql":
        assert len(claims) == 1 and next(iter(claims)).startswith("reorder_storage:votes:")
    else:
        assert claims == set()


def test_completes_and_their_flags_are_rewritten_after_commits(app, session, hasher, keys) -> None:  # type: ignore[no-untyped-def]
    from polling.surveys import taking

    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    app.config["STORAGE_REORDER_MINUTES"] = 10_000  # one window for the whole test
    for n in range(6):
        user = make_member(session, hasher).user
        view = taking.consent(session, keys, user, survey.id, True)
        path = [*AI_PATH[:3], {"attention": "red" if n % 2 else "blue"}]  # every other one flagged
        for answers in path:
            assert view.response is not None
            data = {"page": view.response.page, "step": view.response.step, "action": "next"}
            view = taking.submit(session, keys, user, survey.id, data | {"answers": answers})
        assert view.status == "complete"
    # The first complete's commit ran the job; the others fell in the same window.
    claims = list(session.scalars(select(jobs.JobRun.key).where(jobs.JobRun.job == "reorder_storage")))
    assert [c.rsplit(":", 1)[0] for c in claims] == ["reorder_storage:surveys"]
    # The night after the fieldwork day: a run with no window rewrites everything.
    session.rollback()
    assert jobs.run(app, "reorder_storage", "surveys") is True
    ids = _storage_order(session, "survey_responses", "id")
    assert ids == sorted(session.scalars(select(SurveyResponse.id)))
    flagged = _storage_order(session, "quality_flags", "response_id")
    assert len(flagged) >= 3 and flagged == sorted(flagged)
