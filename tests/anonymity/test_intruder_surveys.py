"""The intruder test on the paid-survey tables: from a dump of every table (SQLite and PostgreSQL),
after seeding the demo surveys and a simulated day of live use (log-ins, members taking the open
survey: completes, screen-outs, over-quota endings, staff removing flagged completes), no survey
response is linked to a member with a chance above 1/k — through its snapshot, status, days, ids,
storage order, its answers' or flags' storage order, against the members, the honoraria ledger,
invitations and activity.

Run with ``-s`` to see every attack's figures.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from polling import demo, demo_studies, demo_surveys, jobs
from polling.accounts.models import User
from polling.accounts.passwords import Hasher
from polling.db import get_session, utcnow
from polling.ledger import service as ledger_service
from polling.members.models import MemberProfile
from polling.respondents.keys import current_keys
from polling.surveys import review, taking
from polling.surveys.models import Survey, SurveyResponse
from tests.anonymity import intruder, survey_intruder
from tests.factories import make_user

K = 5
PASSWORD = "correct horse battery"
MEMBERS = 800
SEED = 12
TAKERS = 60
LATE = 12  # takers on the second day


def _seed(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = get_session()
        demo.seed_accounts(session, app.extensions["pulse.hasher"])
        demo.seed_membership(session, members_n=MEMBERS, seed=SEED)
        session.commit()
        demo_surveys.seed_surveys(session, current_keys(), seed=SEED)
        session.commit()
        # Demo Research Ltd's studies: invitation samples, dispositions fed by the taking engine.
        demo_studies.seed_studies(app, session, current_keys(), seed=SEED)
        session.commit()


def _answers(rng: random.Random, page: str, screen_out: bool) -> dict[str, Any]:
    if page == "screener":
        return {"patients": "no" if screen_out else "yes"}
    if page == "tools":
        uses = rng.choice([["ehr"], ["ehr", "ai"], ["ai", "tele"], ["none"]])
        return {"uses": uses, "hours": rng.randint(1, 30)}
    if page == "ai":
        return {
            "ai_nps": rng.randint(0, 10),
            "ai_views": {row: rng.choice(["1", "2", "3", "4", "5"]) for row in ("time", "safe", "trust")},
        }
    return {"attention": "often" if rng.random() > 0.2 else "never", "comment": ""}


def _live_day(app, rng: random.Random, monkeypatch) -> set[str]:  # type: ignore[no-untyped-def]
    """Members log in; some take the open demo survey; staff remove two flagged completes.

    The survey's first takers answer on the day before (the survey and the ledger see yesterday's
    clock), the last few today: a response keeping its own day would be narrowed to the few
    members the ledger credits that day. Returns the respondent keys of the live responses."""
    yesterday = utcnow() - timedelta(days=1)
    with app.app_context():
        session = get_session()
        survey = session.scalar(select(Survey).where(Survey.sponsor == "Demo Health Analytics"))
        assert survey is not None
        survey_id = survey.id
        members = list(session.scalars(select(MemberProfile).where(MemberProfile.status == "verified")))
        active = rng.sample(members, 150)
        hashed = Hasher(time_cost=1, memory_cost=1024).hash(PASSWORD)
        session.execute(
            update(User)
            .where(User.id.in_([m.user_id for m in active]))
            .values(password_hash=hashed, email_verified_at=active[0].created_at)
        )
        session.commit()
        emails = [(m.user.email, m.user_id) for m in active]
    live: set[str] = set()
    takers = set(rng.sample(range(len(emails)), TAKERS))
    for index, (email, user_id) in enumerate(emails):
        client = app.test_client()
        if rng.random() < 0.4:
            assert (
                client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD}).status_code == 201
            )
        else:
            assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code in (
                302,
                303,
            )
        if index not in takers:
            continue
        with monkeypatch.context() as clock:
            if len(live) < TAKERS - LATE:
                for module in (taking, ledger_service):
                    clock.setattr(module, "utcnow", lambda: yesterday)
            _take(app, rng, user_id, survey_id, live)
    with app.app_context():
        session = get_session()
        staff = make_user(session, app.extensions["pulse.hasher"], role="staff", email="reviewer@example.org")
        session.commit()
        flagged = list(review.queue(session, staff, survey_id))
        for item in flagged[:2]:
            review.decide(session, current_keys(), staff, item.response.id, keep=False)
    jobs.run(app, "reorder_storage", "surveys")  # the night after the fieldwork day
    return live


def _take(app, rng: random.Random, user_id: int, survey_id: int, live: set[str]) -> None:  # type: ignore[no-untyped-def]
    """One member takes the survey to its end (complete, screened out or over quota)."""
    with app.app_context():
        session = get_session()
        keys = current_keys()
        user = session.get(User, user_id)
        assert user is not None and user.member is not None
        view = taking.consent(session, keys, user, survey_id, True)
        screen_out = rng.random() < 0.15
        while view.status == "in_progress" and view.response is not None:
            page = view.response.page
            data = {"page": page, "step": view.response.step, "action": "next"}
            view = taking.submit(
                session, keys, user, survey_id, data | {"answers": _answers(rng, page, screen_out)}
            )
        assert view.status in ("complete", "screened_out", "over_quota"), view.status
        live.add(keys.key("survey", survey_id, user.member.id))


def _report(label: str, scores: list[intruder.Score]) -> str:
    lines = [f"--- {label}"]
    for s in scores:
        lines.append(
            f"{s.attack:60s} responses {s.votes:5d}  linked {s.linked:5d} ({s.linked_share:6.1%})  "
            f"single candidate, right {s.unique_and_right:5d}"
        )
    return "\n".join(lines)


def _attacked(app, monkeypatch):  # type: ignore[no-untyped-def]
    """The dump after the demo and the live day, the ground truth, the responses and the live keys."""
    _seed(app)
    live = _live_day(app, random.Random(SEED), monkeypatch)
    with app.app_context():
        session = get_session()
        statuses = {r.status for r in session.scalars(select(SurveyResponse)) if r.respondent_key in live}
    assert {"complete", "screened_out", "over_quota", "removed"} <= statuses, statuses
    d = intruder.dump(app.extensions["pulse.engine"])
    with app.app_context():
        keys = current_keys()
        member_of = {
            keys.key("survey", s["id"], m["id"]): m["id"]
            for m in d.rows("members")
            for s in d.rows("surveys")
        }

    def truth(r: survey_intruder.Response) -> int:
        return member_of[r.respondent_key]

    return d, truth, survey_intruder.responses(d), live


def _in_progress_in_a_study(d: intruder.Dump, r: survey_intruder.Response) -> bool:
    return r.status == "in_progress" and r.survey_id in survey_intruder.invitations(d)


@pytest.mark.slow
def test_no_survey_response_is_linked_to_a_member_with_a_chance_above_one_in_k(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    d, truth, rs, live = _attacked(app, monkeypatch)
    studied = {r.survey_id for r in rs if r.survey_id in survey_intruder.invitations(d)}
    assert len(studied) >= 2  # the demo's studies in field and closed, with their invitations
    # Responses still in progress in a client study are the next test's.
    ended = [r.position for r in rs if not _in_progress_in_a_study(d, r)]
    every = survey_intruder.attack_all(d, truth, K, only=ended)
    today = survey_intruder.attack_all(d, truth, K, only=[r.position for r in rs if r.respondent_key in live])
    table = (
        _report(f"all {len(ended)} responses", every)
        + "\n"
        + _report(f"the day's {len(live)} responses", today)
    )
    print(table)
    linked = [s for s in every + today if s.linked]
    assert not linked, table


@pytest.mark.slow
def test_responses_in_progress_in_a_study_are_not_linked_by_their_dispositions(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A client study's invitations keep each member's disposition (started; partial after close),
    which narrows its few responses in progress to the few invitees who started. Those responses
    keep their answers and timings only sealed (polling.respondents.keys, RespondentKeys.seal), so
    the one the intruder finds holds nothing of its member's (issue 12; 7 of 7 linked before)."""
    d, truth, rs, _ = _attacked(app, monkeypatch)
    started = [r.position for r in rs if _in_progress_in_a_study(d, r)]
    assert started
    # What they keep of their members' is sealed: no answer rows, no clear timings.
    sealed = {row["id"]: row["sealed"] for row in d.rows("survey_responses")}
    answered = {row["response_id"] for row in d.rows("survey_answers")}
    kept = [r for r in rs if r.position in started and (r.id in answered or r.timings or not sealed[r.id])]
    assert not kept
    scores = survey_intruder.attack_all(d, truth, K, only=started)
    print(_report(f"{len(started)} responses in progress in a study", scores))
    assert not [s for s in scores if s.linked]
