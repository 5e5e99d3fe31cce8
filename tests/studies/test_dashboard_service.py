"""The field dashboard's figures against the hand count in tests/studies/dashboard_helpers.py.

Whole study (UK + ES): I=6, P=1, R=2, NC=8, O=2, UH=1, UO=3, NE=3 — 26 invitations.
  (I+P) = 7; (R+NC+O) = 12; (UH+UO) = 4; contacted (I+P)+R+O = 11
  RR1/REF1/CON1 over 7+12+4 = 23; RR5/REF3/CON3 over 7+12 = 19
  e = (I+P+O)/(I+P+O+NE) = 9/12 = 3/4; RR3/REF2/CON2 over 19 + (3/4)·4 = 22
UK: I=4, P=1, R=2, NC=5, O=2, UH=1, UO=2, NE=2 — 19 invitations.
  RR1 over 5+9+3 = 17; e = 7/9; RR3 over 14 + (7/9)·3 = 49/3
ES: I=2, NC=3, UO=1, NE=1 — 7 invitations.
  RR1 over 2+3+1 = 6; e = 2/3; RR3 over 5 + 2/3 = 17/3
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction as F

import pytest

from polling.errors import NotFound
from polling.studies import dashboard
from tests.factories import make_user
from tests.studies.dashboard_helpers import FIRST_DAY, clients, hand_counted_study, study_in_field

WHOLE = {
    "RR1": F(6, 23),
    "RR2": F(7, 23),
    "RR3": F(6, 22),
    "RR4": F(7, 22),
    "RR5": F(6, 19),
    "RR6": F(7, 19),
    "COOP1": F(6, 11),
    "COOP2": F(7, 11),
    "COOP3": F(6, 9),
    "COOP4": F(7, 9),
    "REF1": F(2, 23),
    "REF2": F(2, 22),
    "REF3": F(2, 19),
    "CON1": F(11, 23),
    "CON2": F(11, 22),
    "CON3": F(11, 19),
}


@pytest.fixture
def counted(session, hasher):  # type: ignore[no-untyped-def]
    return hand_counted_study(session, hasher)


def _board(session, study, user):  # type: ignore[no-untyped-def]
    return dashboard.fieldwork(session, user, study.id)


def test_whole_study_rates_match_the_hand_count(session, counted):
    study, _survey, ours, _theirs = counted
    rates = _board(session, study, ours).total.rates
    assert (rates.counts.I, rates.counts.P, rates.counts.R, rates.counts.NC) == (6, 1, 2, 8)
    assert (rates.counts.O, rates.counts.UH, rates.counts.UO, rates.counts.NE) == (2, 1, 3, 3)
    assert rates.e == pytest.approx(3 / 4)
    for name, value in WHOLE.items():
        assert getattr(rates.outcome, name) == pytest.approx(float(value)), name
    assert rates.invitations == 26 and rates.usable == 6
    assert rates.participation == pytest.approx(6 / 26)
    assert (rates.eligible, rates.screened, rates.incidence) == (9, 12, pytest.approx(9 / 12))


def test_each_country_has_its_own_rates(session, counted):
    study, _survey, ours, _theirs = counted
    uk, es = _board(session, study, ours).countries
    assert (uk.country, es.country) == ("UK", "ES") or (uk.country, es.country) == ("ES", "UK")
    by = {f.country: f.rates for f in (uk, es)}
    assert by["UK"].outcome.RR1 == pytest.approx(4 / 17)
    assert by["UK"].e == pytest.approx(7 / 9)
    assert by["UK"].outcome.RR3 == pytest.approx(float(4 / F(49, 3)))  # 12/49
    assert by["UK"].participation == pytest.approx(4 / 19)
    assert by["ES"].outcome.RR1 == pytest.approx(2 / 6)
    assert by["ES"].outcome.RR3 == pytest.approx(float(2 / F(17, 3)))  # 6/17
    assert by["ES"].outcome.COOP1 == 1.0 and by["ES"].outcome.REF1 == 0.0
    assert by["ES"].participation == pytest.approx(2 / 7)


def test_cells_and_quotas_show_completes_against_target(session, counted):
    study, _survey, ours, _theirs = counted
    board = _board(session, study, ours)
    cells = {(c.country, c.target): (c.invited, c.completes) for c in board.total.cells}
    assert cells == {("UK", 10): (19, 4), ("ES", 5): (7, 2)}
    quotas = {q.name: (q.target, q.filled, q.over_quota) for q in board.total.quotas}
    assert quotas == {"UK cardiology": (10, 4, 1), "ES cardiology": (5, 2, 0)}
    uk = next(f for f in board.countries if f.country == "UK")
    assert [q.name for q in uk.quotas] == ["UK cardiology"]


def test_median_length_of_interview_counts_usable_completes_only(session, counted):
    study, _survey, ours, _theirs = counted
    board = _board(session, study, ours)
    # all: 300 480 540 600 720 900 -> (540 + 600) / 2 = 570 s; the removed 60 s is left out
    assert board.total.median_loi_minutes == pytest.approx(9.5)
    by = {f.country: f.median_loi_minutes for f in board.countries}
    assert by["UK"] == pytest.approx(11.0)  # 300 600 720 900 -> 660 s
    assert by["ES"] == pytest.approx(8.5)  # 480 540 -> 510 s


def test_completes_per_day_come_from_the_honoraria_credited_not_reversed(session, counted):
    study, _survey, ours, _theirs = counted
    board = _board(session, study, ours)
    days = [(d.day, d.completes, d.cumulative) for d in board.total.completes_by_day]
    assert days == [
        (FIRST_DAY, 2, 2),
        (FIRST_DAY + timedelta(days=1), 3, 5),
        (FIRST_DAY + timedelta(days=3), 1, 6),
    ]
    uk = next(f for f in board.countries if f.country == "UK")
    assert [d.cumulative for d in uk.completes_by_day] == [1, 3, 4]


def test_drop_off_by_page_in_questionnaire_order_and_quality(session, counted):
    study, _survey, ours, _theirs = counted
    board = _board(session, study, ours)
    assert [(p.page, p.in_progress) for p in board.total.drop_off or ()] == [
        ("screen", 0),
        ("tools", 1),
        ("ai", 1),
        ("end", 0),
    ]
    assert board.total.quality.removed == 1  # the removed disposition (the response keeps nothing)
    assert board.total.quality.awaiting_review == 1
    assert board.total.quality.flags == {"straight_lining": 1}
    by = {f.country: f.quality for f in board.countries}
    assert (by["UK"].removed, by["UK"].awaiting_review, by["ES"].removed) == (1, 1, 0)
    assert all(f.drop_off is None for f in board.countries)


def test_body_feeds_page_and_api_with_the_method_stated(session, counted):
    study, _survey, ours, _theirs = counted
    body = dashboard.body(_board(session, study, ours))
    assert body["aapor_codes"]["invited"] == "NC" and body["aapor_codes"]["over_quota"] == "O"
    assert "(I + P + O) / (I + P + O + NE)" in body["e_method"]
    assert "panel membership" in body["rates_note"]
    assert body["total"]["rates"]["RR1"] == pytest.approx(6 / 23)
    assert "member_id" not in str(body) and "respondent_key" not in str(body)


def test_a_study_not_yet_fielded_has_empty_figures_not_an_error(session, hasher):
    ours, _theirs = clients(session, hasher)
    study = study_in_field(session, ours, status="approved")
    board = dashboard.fieldwork(session, ours, study.id)
    assert board.survey_state is None and board.total.rates.invitations == 0
    assert set(board.total.rates.outcome.as_dict().values()) == {None}
    assert board.total.rates.participation is None and board.total.median_loi_minutes is None
    assert board.total.completes_by_day == ()


def test_a_client_of_another_organisation_gets_not_found(session, hasher):
    ours, theirs = clients(session, hasher)
    study = study_in_field(session, ours)
    with pytest.raises(NotFound, match="No study with this number"):
        dashboard.fieldwork(session, theirs, study.id)
    staff = make_user(session, hasher, "staff")  # fielding staff see every study
    assert dashboard.fieldwork(session, staff, study.id).study.id == study.id
