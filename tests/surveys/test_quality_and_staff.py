"""Quality flags by hand, the frozen questionnaire, soft-required questions, closed surveys, and the
staff pages: quality review and finance payouts with their CSV."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from polling.db import utcnow
from polling.errors import Conflict
from polling.ledger import service as ledger
from polling.surveys import quality, service, taking
from polling.surveys.models import Survey, SurveyResponse
from tests.factories import make_member, make_user
from tests.surveys.helpers import AI_PATH, make_survey, page, questionnaire, survey_file


@pytest.mark.parametrize(
    ("text", "flagged"),
    [("asdfasdf", True), ("zzzzzz", True), ("xkcd prt", True), ("Useful survey", False), ("ok", False)],
)
def test_gibberish(text: str, flagged: bool):
    assert quality.gibberish(text) is flagged


def run(session, keys, user, survey_id, pages):  # type: ignore[no-untyped-def]
    view = taking.consent(session, keys, user, survey_id, True)
    for answers in pages:
        view = taking.submit(session, keys, user, survey_id, page(view, answers))
    return view


def test_speeders_and_duplicates_are_flagged_against_the_others(app, session, hasher, keys):
    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    for _ in range(5):
        member = make_member(session, hasher)
        run(session, keys, member.user, survey.id, AI_PATH)
    session.execute(SurveyResponse.__table__.update().values(timings={"screen": 300.0}))
    session.commit()
    flags = quality.flags_for(session, survey.questionnaire, survey.id, {"patients": "yes"}, 10.0)
    assert flags["speeder"] == "10 s against a median of 300 s"
    same = {
        "patients": "yes",
        "uses": ["ehr", "ai"],
        "hours": 12,
        "ai_nps": 9,
        "grid": {"r1": "1", "r2": "2", "r3": "3"},
        "attention": "blue",
        "comment": "Useful survey",
    }
    assert "duplicate" in quality.flags_for(session, survey.questionnaire, survey.id, same, 500.0)


def test_the_questionnaire_freezes_once_in_field(app, session, hasher):
    staff = make_user(session, hasher)
    draft = service.create_survey(session, staff, survey_file())
    changed = questionnaire()
    changed["pages"][0]["questions"][0]["text"]["en"] = "Do you treat patients?"
    assert service.replace_questionnaire(session, staff, draft.id, changed).questionnaire_version == 2
    service.field(session, staff, draft.id)
    with pytest.raises(Conflict, match="its questionnaire is frozen"):
        service.replace_questionnaire(session, staff, draft.id, questionnaire())


def test_soft_required_questions_ask_once(app, session, hasher, keys):
    staff = make_user(session, hasher)
    document = questionnaire()
    document["pages"][1]["questions"][1]["soft_required"] = True
    survey = make_survey(session, staff, questionnaire=document)
    member = make_member(session, hasher)
    view = run(session, keys, member.user, survey.id, [AI_PATH[0]])
    asked = taking.submit(session, keys, member.user, survey.id, page(view, {"uses": ["ehr"]}))
    assert "answer it, or continue to skip it" in str(asked.errors["hours"])
    moved = taking.submit(
        session, keys, member.user, survey.id, page(asked, {"uses": ["ehr"]}, confirm_blank=True)
    )
    assert moved.page["id"] == "end"


def test_a_closed_survey_says_so(app, session, hasher, keys):
    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    member = make_member(session, hasher)
    view = run(session, keys, member.user, survey.id, [AI_PATH[0]])
    session.execute(Survey.__table__.update().values(closes_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    session.expire_all()
    closed = taking.submit(session, keys, member.user, survey.id, page(view, AI_PATH[1]))
    assert closed.status == "closed" and "answers are no longer accepted" in str(closed.message)


def test_staff_review_and_finance_pages(app, client, auth, session, hasher, keys):
    staff = make_user(session, hasher, email="desk@example.org")
    survey = make_survey(session, staff)
    careless = make_member(session, hasher)
    run(session, keys, careless.user, survey.id, [*AI_PATH[:3], {"attention": "red"}])
    earner = make_member(session, hasher)
    run(session, keys, earner.user, survey.id, AI_PATH)
    auth.login("desk@example.org")
    queue = client.get("/surveys/review").get_data(as_text=True)
    assert "Failed attention check" in queue and "attention: answered red, expected blue" in queue
    flagged = next(r for r in session.scalars(select(SurveyResponse)) if r.flags)
    client.post(f"/surveys/review/{flagged.id}", data={"decision": "remove"})
    assert "Nothing to review." in client.get("/surveys/review").get_data(as_text=True)
    assert ledger.balances(session, careless.id) == {"USD": 0}
    payout = ledger.request_payout(session, earner)
    listed = client.get("/payouts").get_data(as_text=True)
    assert f"#{payout.id}" in listed and "50.00 USD" in listed
    client.post("/payouts", data={"payout": [str(payout.id)], "decision": "approve"})
    [batch] = ledger.batches(session, staff)
    csv = client.get(f"/payouts/{batch}.csv")
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[1].startswith(f"{payout.id},{earner.id},USD,50.00,5000,")
