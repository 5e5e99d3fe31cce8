"""From approval to the client's dashboard through the real pieces: the invitation sample, members
taking the survey (dispositions follow by signal, honoraria credited), staff closing the study.

Hand count: four UK cardiologists invited; A completes (I), B is screened out (NE), C opens the
survey and goes no further (UO), D never opens it (NC).
  RR1 = I / ((I+P) + (R+NC+O) + (UH+UO)) = 1 / (1 + 1 + 1) = 1/3
  e = (I+P+O) / (I+P+O+NE) = 1/2;  RR3 = 1 / (1 + 1 + (1/2)·1) = 1/2.5 = 2/5
  COOP1 = I / ((I+P)+R+O) = 1/1;  CON1 = 1/3;  participation = 1/4;  incidence = 1/2
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from polling.db import utcnow
from polling.studies import dashboard, dashboard_chart, field_controls, review
from polling.studies.invitations import Settings, draw_wave
from polling.studies.models import Invitation
from polling.surveys import taking
from tests.factories import make_user
from tests.studies.fielding_helpers import doctor, honoraria, submitted_study
from tests.surveys.helpers import AI_PATH, page


@pytest.mark.slow
def test_members_answers_reach_the_clients_dashboard_as_hand_counted(
    session, hasher, keys, client, auth, monkeypatch
):
    monkeypatch.setattr(dashboard_chart.figures, "svg", lambda fig: "<svg></svg>")  # no Chromium here
    ours = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    a, b, c, d = (doctor(session, hasher, "UK") for _ in range(4))
    study = review.approve(
        session, staff, submitted_study(session, ours, cells=(("UK", "cardiology", 3),)).id, honoraria
    )
    draw_wave(session, study.id, Settings())
    session.commit()
    assert (
        session.scalar(select(func.count()).select_from(Invitation).where(Invitation.study_id == study.id))
        == 4
    )

    view = taking.consent(session, keys, a.user, study.survey_id, True)
    for answers in AI_PATH:
        view = taking.submit(session, keys, a.user, study.survey_id, page(view, answers))
    assert view.status == "complete"
    view = taking.consent(session, keys, b.user, study.survey_id, True)
    assert (
        taking.submit(session, keys, b.user, study.survey_id, page(view, {"patients": "no"})).status
        == "screened_out"
    )
    taking.view(session, keys, c.user, study.survey_id)  # opened, never started
    del d  # invited, never opened

    board = dashboard.fieldwork(session, ours, study.id)
    rates = board.total.rates
    assert rates.dispositions["complete"] == 1 and rates.dispositions["screened_out"] == 1
    assert (rates.dispositions["opened"], rates.dispositions["invited"]) == (1, 1)
    assert rates.outcome.RR1 == pytest.approx(1 / 3)
    assert rates.e == pytest.approx(1 / 2)
    assert rates.outcome.RR3 == pytest.approx(2 / 5)
    assert rates.outcome.COOP1 == pytest.approx(1.0) and rates.outcome.CON1 == pytest.approx(1 / 3)
    assert rates.participation == pytest.approx(1 / 4) and rates.incidence == pytest.approx(1 / 2)
    assert [(x.day, x.completes) for x in board.total.completes_by_day] == [(utcnow().date(), 1)]
    assert board.total.median_loi_minutes is not None
    assert [(cell.country, cell.target, cell.completes) for cell in board.total.cells] == [("UK", 3, 1)]
    assert [q.filled for q in board.total.quotas] == [1]

    field_controls.close(session, staff, keys, study.id)
    auth.login(ours.email)
    shown = client.get(f"/studies/{study.id}/dashboard")
    assert shown.status_code == 200 and "Status: Closed." in shown.text
    assert '<th scope="row">RR1</th><td>33.3%</td>' in shown.text
