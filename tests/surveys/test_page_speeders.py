"""Per-page speeders: a page answered in under a share of that page's median among completes is
flagged, with the page named, using the seconds each page really took (measured by the server)."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from sqlalchemy import select

from polling.surveys import quality, taking
from polling.surveys.models import QualityFlag, SurveyResponse
from tests.factories import make_member, make_user
from tests.surveys.helpers import AI_PATH, make_survey, page

# Seconds five careful members spent on each page (screen, tools, ai, end).
CAREFUL = [(8, 40, 55, 20), (6, 52, 61, 25), (10, 35, 48, 18), (7, 44, 70, 30), (9, 38, 50, 22)]


def _take(session, keys, user, survey_id: int, seconds: tuple[int, ...]):  # type: ignore[no-untyped-def]
    """Take the AI path, each page shown ``seconds[i]`` before it is sent (the server's clock)."""
    view = taking.consent(session, keys, user, survey_id, True)
    for answers, spent in zip(AI_PATH, seconds, strict=True):
        response = session.get(SurveyResponse, view.response.id)
        sealed = keys.unseal(response.respondent_key, response.sealed)  # the page's time is sealed
        shown = datetime.fromisoformat(sealed["shown_at"]) - timedelta(seconds=spent)
        response.sealed = keys.seal(response.respondent_key, {**sealed, "shown_at": shown.isoformat()})
        session.commit()
        view = taking.submit(session, keys, user, survey_id, page(view, answers))
    return view


def _flags(session, view) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = session.scalars(select(QualityFlag).where(QualityFlag.response_id == view.response.id))
    return {f.reason: f.detail for f in rows}


def test_page_speeds_against_a_hand_worked_median() -> None:
    others = [{"screen": s, "tools": t, "ai": a, "end": e} for s, t, a, e in CAREFUL]
    # tools: median of 40, 52, 35, 44, 38 is 40; 0.3 × 40 = 12 s. ai: median 55; 0.3 × 55 = 16.5 s.
    assert statistics.median(o["tools"] for o in others) == 40
    fast = quality.page_speeds({"screen": 9, "tools": 11, "ai": 17, "end": 21}, others, 0.3)
    assert fast == ["tools: 11 s against a median of 40 s"]
    assert quality.page_speeds({"tools": 12}, others, 0.3) == []  # exactly 0.3 × median is not under it
    assert quality.page_speeds({"tools": 1}, others[:4], 0.3) == []  # 4 completes: no median yet


def test_a_complete_that_rushes_one_page_is_flagged_with_the_page_named(app, session, hasher, keys) -> None:  # type: ignore[no-untyped-def]
    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    for seconds in CAREFUL:
        assert (
            _take(session, keys, make_member(session, hasher).user, survey.id, seconds).status == "complete"
        )
    # 3 s on "tools" (median 40 s); a total of 8 + 3 + 60 + 25 = 96 s, above 0.4 × the median total
    # (min total 144 s, median 157 s → 62.8 s): a page speeder, not a speeder.
    view = _take(session, keys, make_member(session, hasher).user, survey.id, (8, 3, 60, 25))
    assert view.status == "complete"
    flags = _flags(session, view)
    assert "page_speeder" in flags and "speeder" not in flags  # (same answers as others: "duplicate")
    assert flags["page_speeder"].startswith("tools: 3 s against a median of 40 s")
    # A careful member is not flagged, and a stricter share is configurable.
    # With six completes the medians are ai 57.5 s (55, 60), end 23.5 s, tools 39 s (38, 40).
    app.config["SURVEY_PAGE_SPEEDER_SHARE"] = 0.9  # under 0.9 × 57.5 = 51.75 s on "ai" is too fast
    view = _take(session, keys, make_member(session, hasher).user, survey.id, (8, 41, 45, 12))
    fast = _flags(session, view)["page_speeder"].split("; ")
    assert [f.split(":")[0] for f in fast] == ["ai", "end"]  # end: 12 s < 0.9 × 23.5 s
    assert fast[0].startswith("ai: 45 s against a median of 5")  # 57.5 s, plus the server's own time
    # tools: 41 s ≥ 0.9 × 39 s, not flagged


def test_the_review_queue_names_the_page(app, client, auth, session, hasher, keys) -> None:  # type: ignore[no-untyped-def]
    make_user(session, hasher, email="desk@example.org")
    survey = make_survey(session, make_user(session, hasher))
    for seconds in CAREFUL:
        _take(session, keys, make_member(session, hasher).user, survey.id, seconds)
    _take(session, keys, make_member(session, hasher).user, survey.id, (8, 2, 60, 25))
    auth.login("desk@example.org")
    queue = client.get("/surveys/review").get_data(as_text=True)
    assert "Speeder on a page" in queue and "tools: 2 s against a median of 40 s" in queue
