"""Feasibility and quote pages, the quote PDF, the API, and the staff's fair-market-value page."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.factories import make_user
from tests.studies.pricing_helpers import add_members, make_study

CELLS = [
    {"country": "UK", "specialty": "cardiology", "target": 20},
    {"country": "ES", "specialty": "cardiology", "target": 10},
]


@pytest.fixture
def priced(session, hasher):  # type: ignore[no-untyped-def]
    """A client of Acme with a study for UK and Spanish cardiologists, and a client of another organisation."""
    ours = make_user(session, hasher, "client", organisation="Acme Research")
    theirs = make_user(session, hasher, "client", organisation="Other Insights")
    add_members(session, 100, "UK", "cardiology")
    add_members(session, 60, "ES", "cardiology")
    study = make_study(session, ours.organisation_id, CELLS, title="Heart failure treatment choices")
    return ours, theirs, study


def test_the_client_sees_feasibility_with_intervals_and_the_quote(client, auth, priced):
    ours, _, study = priced
    auth.login(ours.email)
    page = client.get(f"/studies/{study.id}/feasibility")
    assert page.status_code == 200
    text = page.text
    assert "United Kingdom · Cardiology" in text and "Spain · Cardiology" in text
    assert "20% (" in text  # the stated prior's rate, with its interval
    assert "no history yet: the stated prior" in text
    assert "EUR 3,598.70" in text  # the total worked out in test_pricing_service
    assert "exchange rates of 2024-12-31" in text
    assert f"/studies/{study.id}/quote.pdf" in text


def test_fielding_staff_see_any_study(client, auth, session, hasher, priced):
    _, _, study = priced
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    assert client.get(f"/studies/{study.id}/feasibility").status_code == 200


def test_a_client_of_another_organisation_gets_404_on_the_web_and_the_api(client, auth, priced):
    _, theirs, study = priced
    auth.login(theirs.email)
    headers = {"Authorization": f"Bearer {auth.token(theirs.email)}"}
    for url in (f"/studies/{study.id}/feasibility", f"/studies/{study.id}/quote.pdf"):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert "Heart failure" not in answer.text
    for url in (f"/api/v1/studies/{study.id}/feasibility", f"/api/v1/studies/{study.id}/quote"):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 404, url
        assert "Heart failure" not in answer.text
    assert client.get("/api/v1/studies/999999/quote", headers=headers).status_code == 404


def test_the_api_gives_feasibility_and_the_quote(client, auth, priced):
    ours, _, study = priced
    headers = {"Authorization": f"Bearer {auth.token(ours.email)}"}
    feasibility = client.get(f"/api/v1/studies/{study.id}/feasibility", headers=headers)
    assert feasibility.status_code == 200
    uk = feasibility.json["cells"][0]
    assert (uk["eligible"], uk["response_rate"], uk["invitations_needed"], uk["status"]) == (
        100,
        0.2,
        100,
        "at_risk",
    )
    assert uk["expected_completes_low"] < 20 < uk["expected_completes_high"]
    assert "prior of 20% worth 10 invitations" in feasibility.json["method"]
    quote = client.get(f"/api/v1/studies/{study.id}/quote", headers=headers)
    assert quote.status_code == 200
    assert (quote.json["currency"], quote.json["total_minor"], quote.json["rates_on"]) == (
        "EUR",
        359_870,
        "2024-12-31",
    )
    assert [line["honorarium_minor"] for line in quote.json["lines"]] == [4_400, 4_000]


def test_openapi_documents_the_pricing_calls(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/api/v1/studies/{study_id}/feasibility"]
    assert "get" in paths["/api/v1/studies/{study_id}/quote"]


@pytest.mark.documents
@pytest.mark.slow
def test_the_quote_pdf_reads_back_with_its_totals(client, auth, priced):
    ours, _, study = priced
    auth.login(ours.email)
    answer = client.get(f"/studies/{study.id}/quote.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert f"pulse-quote-study-{study.id}.pdf" in answer.headers["Content-Disposition"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.data)).pages)
    assert "Quote for Heart failure treatment choices" in text
    assert "Acme Research" in text
    assert "EUR 3,598.70" in text and "EUR 1,461.20" in text  # total; honoraria
    assert "2024-12-31" in text and "ECB" in text
    assert "United Kingdom · Cardiology" in text


def test_staff_edit_fair_market_values_and_bad_input_names_the_field(client, auth, session, hasher):
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    page = client.get("/staff/fair-market-values")
    assert page.status_code == 200 and "GBP 130.00" in page.text  # UK, medical, shipped
    form = {
        "country": "UK",
        "specialty_group": "medical",
        "currency": "GBP",
        "per_hour": "abc",
        "source": "Pulse reference schedule, 2027 review",
        "year": "2027",
    }
    refused = client.post("/staff/fair-market-values", data=form)
    assert refused.status_code == 422 and "per_hour" in refused.text
    saved = client.post("/staff/fair-market-values", data={**form, "per_hour": "142.50"})
    assert saved.status_code == 302
    assert "GBP 142.50" in client.get("/staff/fair-market-values").text


def test_clients_cannot_reach_the_fair_market_values(client, auth, session, hasher):
    auth.login(make_user(session, hasher, "client").email)
    assert client.get("/staff/fair-market-values").status_code == 403
