"""Answers of a response in progress are sealed: a dump of every table (without the respondent-key
secret) holds none of them, while the member resumes with all of them, on the page and in the API;
they become long-form rows at completion, and nothing at a screen-out. A response in progress from
before migration 0013 (long-form rows, clear timings) resumes from its rows and is sealed at its
next save."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text

from polling import create_app, migrate
from polling.accounts.models import User
from polling.db import get_session
from polling.respondents.keys import RespondentKeys, UnsealError, current_keys
from polling.surveys import taking
from polling.surveys.models import SurveyAnswer, SurveyResponse
from tests.anonymity import intruder
from tests.factories import make_member, make_user
from tests.surveys.helpers import AI_PATH, make_survey, page

COMMENT = "Zanzibar quartz lantern"  # a free-text answer no other table could hold by chance
TOOLS = {"uses": ["ai", "ehr"], "hours": "37"}
AI_PAGE = {"ai_nps": "9", "grid": {"r1": "3", "r2": "1", "r3": "2"}}


def _in_progress(session, keys, user, survey_id: int):  # type: ignore[no-untyped-def]
    """Three pages answered, the last page's comment saved (autosave), the attention check not yet."""
    view = taking.consent(session, keys, user, survey_id, True)
    for answers in (AI_PATH[0], TOOLS, AI_PAGE):
        view = taking.submit(session, keys, user, survey_id, page(view, answers))
    view = taking.submit(session, keys, user, survey_id, page(view, {"comment": COMMENT}, action="save"))
    assert view.status == "in_progress" and view.page["id"] == "end"
    return view


def _cells(d: intruder.Dump) -> list[tuple[str, str, str]]:
    """Every non-empty cell of the dump as (table, column, text)."""
    return [
        (table, column, value if isinstance(value, str) else json.dumps(value, default=str))
        for table, rows in d.tables.items()
        for row in rows
        for column, value in row.items()
        if value is not None
    ]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def test_a_dump_holds_none_of_the_answers_of_a_response_in_progress(app, session, hasher, keys) -> None:  # type: ignore[no-untyped-def]
    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    member = make_member(session, hasher)
    view = _in_progress(session, keys, member.user, survey.id)
    response_id = view.response.id

    d = intruder.dump(app.extensions["pulse.engine"])
    [row] = [r for r in d.rows("survey_responses") if r["id"] == response_id]
    assert [a for a in d.rows("survey_answers") if a["response_id"] == response_id] == []
    assert _json(row["timings"]) == {}  # the seconds per page are sealed too
    assert row["page_shown_at"] is None  # and when its page was shown: a time to line up with a log-in
    assert row["sealed"] and COMMENT not in row["sealed"]
    assert [(t, c) for t, c, text in _cells(d) if "Zanzibar" in text] == []
    # The demographics are stored at completion only; the row says where the member is, nothing given.
    assert (row["country"], row["specialty"], row["answers_digest"]) == (None, None, None)

    # Another secret (a copy of the database without Pulse's) cannot open the seal.
    with pytest.raises(UnsealError):
        RespondentKeys("another secret").unseal(row["respondent_key"], row["sealed"])
    opened = keys.unseal(row["respondent_key"], row["sealed"])
    assert (
        opened["shown_at"]
        and opened["answers"]["comment"] == [["", COMMENT]]
        and set(opened["timings"])
        == {
            "screen",
            "tools",
            "ai",
            "end",
        }
    )

    # The blob's length says nothing about how much was answered: one answer or nine, one length.
    other = make_member(session, hasher)
    first = taking.consent(session, keys, other.user, survey.id, True)
    taking.submit(session, keys, other.user, survey.id, page(first, AI_PATH[0]))
    lengths = {len(r.sealed or "") for r in session.scalars(select(SurveyResponse))}
    assert len(lengths) == 1


def test_resuming_shows_the_sealed_answers_on_the_page_and_in_the_api(
    app, client, auth, session, hasher, keys
) -> None:  # type: ignore[no-untyped-def]
    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    member = make_member(session, hasher, email="resume@example.org")
    _in_progress(session, keys, member.user, survey.id)
    session.commit()

    auth.login("resume@example.org")
    html = client.get(f"/surveys/{survey.id}")
    assert html.status_code == 200 and COMMENT.encode() in html.data  # the saved comment, to edit

    again = taking.view(session, keys, member.user, survey.id)
    assert again.page["id"] == "end" and again.answers["comment"] == COMMENT
    assert again.answers["hours"] == 37 and again.answers["grid"] == AI_PAGE["grid"]
    assert again.answers["uses"] == ["ehr", "ai"]  # in the questionnaire's order
    back = taking.submit(session, keys, member.user, survey.id, page(again, {}, action="back"))
    assert back.page["id"] == "ai" and back.answers["ai_nps"] == 9

    headers = {"Authorization": f"Bearer {auth.token('resume@example.org')}"}
    shown = client.get(f"/api/v1/surveys/{survey.id}", headers=headers).json
    assert shown["page"] == "ai"
    answered = {q["id"]: q["answer"] for q in shown["questions"]}
    assert answered == {"ai_nps": 9, "grid": AI_PAGE["grid"]}

    # Completing writes the answers as long-form rows and breaks the seal, in one transaction.
    view = taking.submit(session, keys, member.user, survey.id, page(back, AI_PAGE))
    done = taking.submit(
        session, keys, member.user, survey.id, page(view, {"attention": "blue", "comment": COMMENT})
    )
    assert done.status == "complete"
    response = session.get(SurveyResponse, done.response.id)
    session.refresh(response)
    assert response.sealed is None
    assert {(a.question, a.item, a.value) for a in response.answers} >= {
        ("comment", "", COMMENT),
        ("hours", "", "37"),
        ("grid", "r1", "3"),
    }
    assert set(response.timings) == {"screen", "tools", "ai", "end"}
    assert taking.saved_answers(keys, response, survey.questionnaire)["comment"] == COMMENT


def test_a_screened_out_response_keeps_no_seal(app, session, hasher, keys) -> None:  # type: ignore[no-untyped-def]
    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    member = make_member(session, hasher)
    view = taking.consent(session, keys, member.user, survey.id, True)
    view = taking.submit(session, keys, member.user, survey.id, page(view, {"patients": "no"}))
    assert view.status == "screened_out"
    response = session.get(SurveyResponse, view.response.id)
    session.refresh(response)
    assert (response.sealed, response.timings, response.answers) == (None, {}, [])


def test_a_response_in_progress_from_before_the_seal_resumes_and_is_sealed_at_its_next_save(
    app, session, hasher, keys
) -> None:  # type: ignore[no-untyped-def]
    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    member = make_member(session, hasher)
    view = taking.consent(session, keys, member.user, survey.id, True)
    view = taking.submit(session, keys, member.user, survey.id, page(view, AI_PATH[0]))
    # As migration 0013 finds it: long-form rows, clear timings, no seal.
    response = session.get(SurveyResponse, view.response.id)
    response.sealed, response.timings = None, {"screen": 12.0}
    response.answers.append(SurveyAnswer(response_id=response.id, question="patients", item="", value="yes"))
    session.commit()

    again = taking.view(session, keys, member.user, survey.id)
    assert again.page["id"] == "tools" and again.answers == {"patients": "yes"}
    view = taking.submit(session, keys, member.user, survey.id, page(again, TOOLS, action="save"))
    response = session.get(SurveyResponse, view.response.id)
    session.refresh(response)
    assert response.answers == [] and response.timings == {} and response.sealed is not None
    assert session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id == response.id)).all() == []
    opened = keys.unseal(response.respondent_key, response.sealed)
    assert set(opened["answers"]) == {"patients", "uses", "hours"}
    assert opened["timings"]["screen"] >= 12.0
    resumed = taking.view(session, keys, member.user, survey.id)
    assert resumed.answers == {"patients": "yes", "uses": ["ehr", "ai"], "hours": 37}


def test_migration_0013_leaves_responses_in_progress_readable_until_their_next_save(tmp_path: Path) -> None:
    """Upgrading a database that holds a response in progress with long-form rows (as 0012 stored
    it) keeps its rows and clear timings (the migration has no secret to seal them with); the member
    resumes with them, and their next saved page seals them. SQLite rebuilds the table to add or
    drop the column: its answers must survive that."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret",
            "RESPONDENT_KEY_SECRET": "test-respondent-secret",
            "ARGON2_COST": (1, 1024),
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        session = get_session()
        hasher, keys = app.extensions["pulse.hasher"], current_keys()
        survey = make_survey(session, make_user(session, hasher))
        member = make_member(session, hasher)
        view = taking.consent(session, keys, member.user, survey.id, True)
        view = taking.submit(session, keys, member.user, survey.id, page(view, AI_PATH[0]))
        response = session.get(SurveyResponse, view.response.id)
        response.sealed, response.timings = None, {"screen": 12.0}
        response.answers.append(
            SurveyAnswer(response_id=response.id, question="patients", item="", value="yes")
        )
        session.commit()
        survey_id, user_id, response_id = survey.id, member.user_id, response.id
    app.extensions["pulse.engine"].dispose()

    migrate.downgrade(url, "0012")  # the database as 0012 left it
    engine = create_engine(url)
    with engine.connect() as c:
        assert "sealed" not in {col["name"] for col in inspect(c).get_columns("survey_responses")}
        assert c.execute(text("SELECT question, value FROM survey_answers")).all() == [("patients", "yes")]
    engine.dispose()
    migrate.upgrade(url)
    with engine.connect() as c:
        assert c.execute(text("SELECT sealed FROM survey_responses")).all() == [(None,)]
        assert c.execute(text("SELECT question, value FROM survey_answers")).all() == [("patients", "yes")]
    engine.dispose()

    with app.app_context():
        session = get_session()
        keys = current_keys()
        user = session.get(User, user_id)
        again = taking.view(session, keys, user, survey_id)
        assert again.page["id"] == "tools" and again.answers == {"patients": "yes"}
        taking.submit(session, keys, user, survey_id, page(again, TOOLS, action="save"))
        response = session.get(SurveyResponse, response_id)
        session.refresh(response)
        assert response.sealed is not None and response.timings == {}
        assert session.scalars(select(SurveyAnswer)).all() == []
        assert taking.view(session, keys, user, survey_id).answers["hours"] == 37
    app.extensions["pulse.engine"].dispose()
