"""The survey pages as a member and staff use them: home card, consent, pages, errors, resume, endings."""

from __future__ import annotations

import io
import json

from polling.ledger import service as ledger
from tests.factories import make_member, make_user
from tests.surveys.helpers import make_survey, survey_file


def form(page: str, step: int, **fields: object) -> dict[str, object]:
    return {"page": page, "step": str(step), "action": "next", **fields}


def test_a_member_takes_a_survey_from_the_home_page_to_the_balance(app, client, auth, session, hasher):
    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    member = make_member(session, hasher, email="taker@example.org")
    auth.login("taker@example.org")
    home = client.get("/").get_data(as_text=True)
    assert "Surveys for you" in home and "Tools in clinical practice" in home and "50.00 USD" in home
    assert "Acme" not in home  # the sponsor is never shown
    intro = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "adverse event" in intro and "stored without your identity" in intro
    assert client.post(f"/surveys/{survey.id}/consent", data={"consent": "yes"}).status_code == 302
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "<legend>Do you see patients?</legend>" in page and 'name="step" value="0"' in page
    client.post(f"/surveys/{survey.id}/page", data=form("screen", 0, patients="yes"))
    refused = client.post(f"/surveys/{survey.id}/page", data=form("tools", 1, uses=["ai"], hours="abc"))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="hours-error" role="alert">Give a whole number.' in text and 'aria-invalid="true"' in text
    client.post(f"/surveys/{survey.id}/page", data=form("tools", 1, uses=["ai"], hours="8", action="save"))
    auth.logout()
    auth.login("taker@example.org")  # resume on another device: same page, saved answers
    resumed = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert 'name="page" value="tools"' in resumed and 'value="8"' in resumed
    client.post(f"/surveys/{survey.id}/page", data=form("tools", 1, uses=["ai"], hours="8"))
    piped = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "You use Ai: how likely" in piped
    client.post(
        f"/surveys/{survey.id}/page",
        data=form("ai", 2, ai_nps="7", **{"grid.r1": "1", "grid.r2": "2", "grid.r3": "3"}),
    )
    done = client.post(
        f"/surveys/{survey.id}/page", data=form("end", 3, attention="blue"), follow_redirects=True
    )
    assert "Your honorarium is in your balance" in done.get_data(as_text=True)
    assert "50.00 USD" in client.get("/honoraria").get_data(as_text=True)
    assert "Tools in clinical practice" not in client.get("/").get_data(as_text=True)
    assert ledger.balances(session, member.id) == {"USD": 5000}


def test_spanish_throughout(app, client, auth, session, hasher):
    staff = make_user(session, hasher)
    survey = make_survey(session, staff)
    make_member(session, hasher, email="es@example.org")
    auth.login("es@example.org")
    client.post("/language", data={"locale": "es"})
    assert "Encuestas para usted" in client.get("/").get_data(as_text=True)
    client.post(f"/surveys/{survey.id}/consent", data={"consent": "yes"})
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "¿Atiende pacientes?" in page and "Siguiente" in page


def test_staff_create_from_a_file_and_see_paths_of_problems(app, client, auth, session, hasher):
    staff = make_user(session, hasher, email="fielding@example.org")
    auth.login("fielding@example.org")
    bad = survey_file()
    bad["questionnaire"]["pages"][2]["questions"][0]["show_if"] = "q7 == 'a'"
    answer = client.post(
        "/surveys/manage", data={"file": (io.BytesIO(json.dumps(bad).encode()), "survey.json")}
    )
    assert answer.status_code == 422
    assert "pages[2].questions[0].show_if: refers to unknown question q7" in answer.get_data(as_text=True)
    good = client.post(
        "/surveys/manage",
        data={"file": (io.BytesIO(json.dumps(survey_file()).encode()), "survey.json")},
        follow_redirects=True,
    )
    assert "created as a draft" in good.get_data(as_text=True)
    assert staff.id


def test_members_cannot_reach_staff_pages(app, client, auth, session, hasher):
    make_member(session, hasher, email="m@example.org")
    auth.login("m@example.org")
    assert client.get("/surveys/manage").status_code == 403
    assert client.get("/payouts").status_code == 403
