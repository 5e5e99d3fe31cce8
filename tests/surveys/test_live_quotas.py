"""Racing completions against gunicorn on PostgreSQL: a hard cell one short of full takes exactly one more.

Forty members stand on the last page of a survey whose hard quota cell lacks one complete; each sends
that page twice at once (a double submit). Exactly one completes and is paid once; everyone else is
told the cell is full; nothing answers 500; the ledger still sums to zero.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select, update

from polling import create_app
from polling.accounts.service import issue_token
from polling.db import session_scope
from polling.ledger.models import LedgerEntry, LedgerTransaction
from polling.members.service import register_physician, review
from polling.surveys import service
from polling.surveys.models import QuotaCell, Survey, SurveyResponse
from tests.conftest import FAST_HASH
from tests.factories import make_user, physician_form
from tests.live.conftest import start_pulse
from tests.servers import stop
from tests.surveys.helpers import survey_file, t

SECRET = "live-survey-secret"
MEMBERS = 40
TARGET = 25


@pytest.fixture
def live_postgres(postgres_session_url: str) -> Iterator[str]:
    from tests.conftest import _truncate_all

    _truncate_all(postgres_session_url)
    yield postgres_session_url
    _truncate_all(postgres_session_url)


ONE_PAGE = {
    "version": 1,
    "languages": ["en", "es"],
    "pages": [
        {
            "id": "only",
            "questions": [
                {
                    "id": "q",
                    "type": "single",
                    "text": t("Ready?"),
                    "options": [{"code": "yes", "text": t("Yes")}, {"code": "no", "text": t("No")}],
                }
            ],
        }
    ],
}


@pytest.mark.postgres
@pytest.mark.slow
def test_racing_completions_never_overfill_a_hard_cell(live_postgres):
    app = create_app({"DATABASE_URL": live_postgres, "SECRET_KEY": SECRET, "ARGON2_COST": FAST_HASH})
    hasher = app.extensions["pulse.hasher"]
    quota = {"name": "US", "conditions": {"country": ["US"]}, "target": TARGET, "hard": True}
    with session_scope(app) as session:
        staff = make_user(session, hasher, "staff")
        survey = service.create_survey(session, staff, survey_file(quotas=[quota], questionnaire=ONE_PAGE))
        survey_id = service.field(session, staff, survey.id).id
        session.execute(update(QuotaCell).values(filled=TARGET - 1))  # one short of full
        tokens = []
        for i in range(MEMBERS):
            member = register_physician(session, hasher, physician_form(email=f"quota{i}@example.org"))
            review(session, staff, member.id, decision="verify")
            tokens.append(issue_token(session, member.user).token)
    app.extensions["pulse.engine"].dispose()

    process, base = start_pulse(live_postgres, SECRET, workers=2)
    try:
        for token in tokens:
            consent = requests.post(
                f"{base}/api/v1/surveys/{survey_id}/consent",
                json={"consent": True},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            assert consent.status_code == 200, consent.text
        start = threading.Barrier(2 * MEMBERS)

        def finish(token: str) -> tuple[str, int, str]:
            start.wait(timeout=60)
            answer = requests.post(
                f"{base}/api/v1/surveys/{survey_id}/pages",
                json={"page": "only", "step": 0, "answers": {"q": "yes"}},
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
            )
            return token, answer.status_code, answer.json().get("status", "") if answer.ok else answer.text

        with ThreadPoolExecutor(max_workers=2 * MEMBERS) as pool:
            answers = list(pool.map(finish, [token for token in tokens for _ in range(2)]))
    finally:
        stop(process)

    assert {status for _, status, _ in answers} == {200}, answers
    by_member: dict[str, set[str]] = {}
    for token, _, outcome in answers:
        by_member.setdefault(token, set()).add(outcome)
    assert all(len(outcomes) == 1 for outcomes in by_member.values())  # both submits tell the same story
    outcomes = [next(iter(o)) for o in by_member.values()]
    assert outcomes.count("complete") == 1 and outcomes.count("over_quota") == MEMBERS - 1

    app = create_app({"DATABASE_URL": live_postgres, "SECRET_KEY": SECRET, "ARGON2_COST": FAST_HASH})
    with session_scope(app) as session:
        cell = session.scalar(select(QuotaCell))
        assert (cell.filled, cell.over_quota) == (TARGET, MEMBERS - 1)
        assert session.scalar(select(Survey.completes).where(Survey.id == survey_id)) == 1
        statuses = dict(
            session.execute(select(SurveyResponse.status, func.count()).group_by(SurveyResponse.status)).all()
        )
        assert statuses == {"complete": 1, "over_quota": MEMBERS - 1}
        assert session.scalar(select(func.count()).select_from(LedgerTransaction)) == 1
        assert session.scalar(select(func.sum(LedgerEntry.amount_minor))) == 0
    app.extensions["pulse.engine"].dispose()
