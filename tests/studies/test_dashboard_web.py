"""The field dashboard page: the client's numbers (hand count in dashboard_helpers), staff controls,
and nothing for a client of another organisation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from polling.studies import dashboard_chart
from tests.factories import make_user
from tests.studies.dashboard_helpers import hand_counted_study


@pytest.fixture
def no_chart_drawing(monkeypatch):  # type: ignore[no-untyped-def]
    """Draw no SVG (Chromium) here: the chart itself is checked once, in the documents test."""
    monkeypatch.setattr(dashboard_chart.figures, "svg", lambda fig: "<svg></svg>")


@pytest.fixture
def counted(session, hasher, no_chart_drawing):  # type: ignore[no-untyped-def]
    return hand_counted_study(session, hasher)


def _url(study, action: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/studies/{study.id}/dashboard" + (f"/{action}" if action else "")


def test_the_client_sees_quotas_rates_and_completes_of_its_study(client, auth, counted):
    study, _survey, ours, _theirs = counted
    auth.login(ours.email)
    page = client.get(_url(study))
    assert page.status_code == 200
    text = page.text
    assert "Fieldwork: Heart failure treatment choices" in text
    assert "26.1%" in text  # RR1 = 6/23
    assert "23.1%" in text  # participation = 6/26
    assert "75.0% (9 / 12)" in text  # incidence = e = 9/12
    assert "9.5 minutes" in text  # median of 300 480 540 600 720 900 s
    assert "conditional on panel membership" in text
    assert "(I + P + O) / (I + P + O + NE)" in text
    assert 'alt="Completes over time: 6 completes from' in text
    assert "Completes per day (the chart as a table)" in text
    assert "United Kingdom" in text and "Spain" in text
    # per country, in the columns Whole study, Spain, United Kingdom
    assert '<th scope="row">RR1</th><td>26.1%</td><td>33.3%</td><td>23.5%</td>' in text  # 6/23, 2/6, 4/17
    assert "<td>23.1%</td><td>28.6%</td><td>21.1%</td>" in text  # participation 6/26, 2/7, 4/19
    assert "Pause fieldwork" not in text and "Close the study" not in text
    policy = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy


def test_a_client_of_another_organisation_gets_404_and_learns_nothing(client, auth, counted):
    study, _survey, _ours, theirs = counted
    auth.login(theirs.email)
    page = client.get(_url(study))
    assert page.status_code == 404
    assert "Heart failure" not in page.text
    assert client.get("/studies/2147483647/dashboard").status_code == 404


def test_staff_pause_resume_and_close_from_the_page(client, auth, session, hasher, counted):
    study, survey, _ours, _theirs = counted
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    page = client.get(_url(study))
    assert "Pause fieldwork" in page.text and "Extend fieldwork" in page.text
    paused = client.post(_url(study, "pause"), data={"comment": "question check"}, follow_redirects=True)
    assert "The study is paused" in paused.text and "Resume fieldwork" in paused.text
    resumed = client.post(_url(study, "resume"), follow_redirects=True)
    assert "The study is in field again." in resumed.text
    closed = client.post(_url(study, "close"), follow_redirects=True)
    assert "The study is closed" in closed.text and "Extend fieldwork" not in closed.text
    session.refresh(survey)
    assert survey.status == "closed"
    again = client.post(_url(study, "close"))
    assert again.status_code == 409 and "this one is closed" in again.text


def test_extend_from_the_page_names_the_field_when_refused(client, auth, session, hasher, counted):
    study, _survey, _ours, _theirs = counted
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    earlier = (study.field_end - timedelta(days=1)).isoformat()
    refused = client.post(_url(study, "extend"), data={"field_end": earlier})
    assert refused.status_code == 422
    assert 'id="field_end-error"' in refused.text and "after the current last field day" in refused.text
    unreadable = client.post(_url(study, "extend"), data={"field_end": "next week"})
    assert unreadable.status_code == 422 and "Not a valid date" in unreadable.text
    later = (study.field_end + timedelta(days=10)).isoformat()
    moved = client.post(_url(study, "extend"), data={"field_end": later}, follow_redirects=True)
    assert f"Fieldwork now ends on {later}." in moved.text


def test_clients_cannot_use_the_staff_controls(client, auth, counted):
    study, _survey, ours, _theirs = counted
    auth.login(ours.email)
    for action in ("pause", "resume", "extend", "close"):
        assert client.post(_url(study, action)).status_code == 403


def test_visitors_are_sent_to_log_in(client, counted):
    study, *_ = counted
    answer = client.get(_url(study))
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


@pytest.mark.documents
@pytest.mark.slow
def test_the_chart_is_a_static_svg_image_with_a_text_alternative(session, hasher):
    from datetime import date

    from polling.studies.dashboard import DayCompletes

    days = [DayCompletes(date(2026, 11, 2), 2, 2), DayCompletes(date(2026, 11, 3), 3, 5)]
    fig = dashboard_chart.completes_figure(days, target=15)
    assert [trace.type for trace in fig.data] == ["bar", "scatter", "scatter"]  # daily, so far, target
    assert list(fig.data[1].y) == [2, 5] and list(fig.data[2].y) == [15, 15]
    gap = dashboard_chart.completes_figure([days[0], DayCompletes(date(2026, 11, 4), 1, 3)], target=None)
    assert list(gap.data[0].x) == ["2026-11-02", "2026-11-03", "2026-11-04"]  # the quiet day shows
    assert list(gap.data[0].y) == [2, 0, 1] and list(gap.data[1].y) == [2, 2, 3]
    src = dashboard_chart.image_src(fig)
    assert src.startswith("data:image/svg+xml;base64,")
    assert dashboard_chart.alt_text(days, 15) == (
        "Completes over time: 5 completes from 2026-11-02 to 2026-11-03. Target 15. "
        "The table below gives each day."
    )


def test_before_the_first_complete_there_is_no_chart_to_draw(client, auth, session, hasher, monkeypatch):
    from tests.studies.dashboard_helpers import clients, study_in_field

    def refuse(fig):  # type: ignore[no-untyped-def]
        raise AssertionError("no chart should be drawn")

    monkeypatch.setattr(dashboard_chart.figures, "svg", refuse)
    ours, _theirs = clients(session, hasher)
    study = study_in_field(session, ours, status="approved")
    auth.login(ours.email)
    page = client.get(_url(study))
    assert page.status_code == 200
    assert "No completes yet." in page.text and "<img" not in page.text
    assert "No target cells." not in page.text  # the study's two cells are listed, with no invitations
