"""seed-demo adds the two paid surveys: one open for the demo member, one closed with flagged completes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from polling.ledger.models import LedgerEntry
from polling.surveys.models import QualityFlag, Survey, SurveyResponse


@pytest.mark.slow  # seeds a demo membership
def test_seed_demo_adds_an_open_and_a_closed_survey_once(runner, session):
    first = runner.invoke(args=["seed-demo", "--members", "150", "--seed", "5"])
    assert first.exit_code == 0, first.output
    completes = session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .join(Survey)
        .where(Survey.invitation_only.is_(False), SurveyResponse.status == "complete")
    )
    assert f"Paid surveys: {completes} demo completes added." in first.output and completes > 60
    states = dict(
        session.execute(select(Survey.sponsor, Survey.status).where(Survey.invitation_only.is_(False))).all()
    )
    assert states == {"Demo Health Analytics": "field", "Demo Workforce Institute": "closed"}
    assert session.scalar(select(func.count()).select_from(QualityFlag)) > 0
    assert session.scalar(select(func.sum(LedgerEntry.amount_minor))) == 0
    again = runner.invoke(args=["seed-demo", "--members", "150", "--seed", "5"])
    assert "Paid surveys: 0 demo completes added." in again.output
    assert (
        session.scalar(select(func.count()).select_from(Survey).where(Survey.invitation_only.is_(False))) == 2
    )


@pytest.mark.slow
def test_the_demo_member_sees_the_open_survey_and_the_spanish_member_finds_the_cell_full(
    runner, client, auth
):
    runner.invoke(args=["seed-demo", "--members", "40", "--seed", "5"])
    auth.login("member@demo.pulse", "cardio-votes-2026")
    home = client.get("/").get_data(as_text=True)
    assert "Digital tools in clinical practice" in home and "Demo Health" not in home
    auth.logout()
    auth.login("miembro@demo.pulse", "vota-en-pulse-2026")
    survey_id = 1
    client.post(f"/surveys/{survey_id}/consent", data={"consent": "yes"})
    ended = client.post(
        f"/surveys/{survey_id}/page",
        data={"page": "screener", "step": "0", "action": "next", "patients": "yes"},
        follow_redirects=True,
    )
    assert "Ya tenemos todas las respuestas que necesitamos de médicos como usted" in ended.get_data(
        as_text=True
    )
