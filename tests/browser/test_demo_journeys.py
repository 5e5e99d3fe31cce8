"""Journeys through the seeded demo (``pulse seed-demo``), as README's demo log-ins promise them:
a member votes on the web and through the API, a journalist reads and downloads a published report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import APIRequestContext, Browser, ConsoleMessage, Page, Playwright, Request, expect

from tests.browser.conftest import CONTEXT_ARGS, LiveServer

pytestmark = pytest.mark.browser

MEMBER = ("member@demo.pulse", "cardio-votes-2026")  # verified US cardiologist, English
MIEMBRO = ("miembro@demo.pulse", "vota-en-pulse-2026")  # verified Spanish family doctor, Spanish
BURNOUT = "Have you experienced symptoms of burnout in the past 12 months?"  # the featured open poll
TELEMEDICINE = "Which telemedicine services do you offer your patients today?"
HOURS_ES = "¿Trabaja habitualmente más de 48 horas a la semana?"  # open to Spain and Mexico only
TELEMEDICINE_ES = "¿Qué servicios de telemedicina ofrece hoy a sus pacientes?"
BURNOUT_ES = "¿Ha tenido síntomas de agotamiento profesional (burnout) en los últimos 12 meses?"


@pytest.fixture()
def demo_page(browser: Browser, demo_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context on the demo server (relative ``goto`` paths go there)."""
    context = browser.new_context(**CONTEXT_ARGS, base_url=demo_server.url)  # type: ignore[arg-type]
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture()
def api(playwright: Playwright, demo_server: LiveServer) -> Iterator[APIRequestContext]:
    """A plain HTTP client of the demo server, as the mobile app: no cookies, bearer tokens."""
    context = playwright.request.new_context(base_url=demo_server.url)
    try:
        yield context
    finally:
        context.dispose()


def console_errors(page: Page) -> list[str]:
    """The page's console errors and uncaught exceptions, collected as they come."""
    errors: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} {message.location.get('url', '')}")

    page.on("console", watch)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    return errors


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_demo_member_votes_in_the_featured_poll(demo_page: Page, tmp_path: Path) -> None:
    page = demo_page
    log_in(page, *MEMBER)
    page.goto("/")
    expect(page.get_by_role("heading", name="Polls for you")).to_be_visible()
    feed = page.locator("h1 + ul.feed > li")
    expect(feed).to_have_count(2)  # burnout and telemedicine; the other three are closed or not for the US
    expect(feed.first).to_have_class(re.compile(r"\bfeatured\b"))
    expect(feed.first).to_contain_text("Featured")
    expect(feed.first.get_by_role("link")).to_have_text(BURNOUT)
    expect(feed.nth(1).get_by_role("link")).to_have_text(TELEMEDICINE)
    expect(page.locator("main")).not_to_contain_text("48 hours")

    feed.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BURNOUT)
    expect(page.locator("section.results")).to_have_count(0)  # no results before voting
    answer = page.get_by_label("Yes", exact=True)
    option_id = answer.get_attribute("value")
    answer.check()
    page.get_by_role("button", name="Vote").click()

    expect(page.get_by_role("status")).to_have_text("Thank you: your vote is counted.")
    results = page.locator("section.results")
    expect(results.get_by_role("heading", name="Results")).to_be_visible()
    headers = results.locator("table.shares thead th")
    # Members see the published figures only: weighted shares and their credibility intervals.
    expect(headers).to_have_text(["Answer", "Weighted", "95% credibility interval"])
    expect(results.locator("table.shares tbody tr")).to_have_count(3)
    expect(results.locator("table.shares tbody tr td:nth-child(3)").first).to_have_text(
        re.compile(r"^(±\d+\.\d|\d+–\d+%)$")
    )
    precision = results.locator("p.precision")
    expect(precision).to_contain_text(re.compile(r"\d+ physicians in the pooled figures"))
    expect(precision).to_contain_text(re.compile(r"effective sample size \d+ after weighting"))
    expect(precision).to_contain_text("95% credibility interval")
    expect(page.locator("form.vote")).to_have_count(0)
    expect(page.locator("p.notice")).to_have_text("You have voted in this poll.")
    page.screenshot(path=str(tmp_path / "member-results.png"), full_page=True)

    # The same vote again, with the session's valid CSRF token: refused, and the count is unchanged.
    voted = int(re.search(r"(\d+) physicians in the pooled", precision.inner_text()).group(1))  # type: ignore[union-attr]
    token = page.locator("input[name=csrf_token]").first.input_value()
    again = page.request.post(
        f"{page.url}/vote", form={"csrf_token": token, "option": str(option_id)}, max_redirects=0
    )
    assert again.status == 409, again.text()[:500]
    assert "already voted" in again.text()
    page.reload()
    expect(page.locator("p.precision")).to_contain_text(f"{voted} physicians in the pooled figures")


def test_demo_spanish_member_votes_through_the_api(api: APIRequestContext) -> None:
    token = api.post("/api/v1/tokens", data={"email": MIEMBRO[0], "password": MIEMBRO[1]})
    assert token.status == 201, token.text()
    spanish = {"Authorization": f"Bearer {token.json()['token']}", "Accept-Language": "es"}

    listed = api.get("/api/v1/polls", headers=spanish)
    assert listed.status == 200, listed.text()
    polls = listed.json()
    questions = [poll["question"] for poll in polls]
    assert sorted(questions) == sorted([BURNOUT_ES, HOURS_ES, TELEMEDICINE_ES])
    assert polls[0]["featured"] and questions[0] == BURNOUT_ES
    assert all(poll["state"] == "open" and poll["voted"] is False for poll in polls)
    hours = next(poll for poll in polls if poll["question"] == HOURS_ES)
    assert [o["label"] for o in hours["options"]] == ["Sí", "No"]

    vote = {"options": [hours["options"][0]["id"]]}
    cast = api.post(f"/api/v1/polls/{hours['id']}/votes", data=vote, headers=spanish)
    assert cast.status == 201, cast.text()
    assert cast.json()["poll_id"] == hours["id"] and cast.json()["options"] == vote["options"]
    again = api.post(f"/api/v1/polls/{hours['id']}/votes", data=vote, headers=spanish)
    assert again.status == 409, again.text()
    assert again.json()["message"] == "Ya ha votado en esta encuesta; cada miembro vota una sola vez."

    shown = api.get(f"/api/v1/polls/{hours['id']}/results", headers=spanish)
    assert shown.status == 200, shown.text()
    results = shown.json()
    assert [o["label"] for o in results["options"]] == ["Sí", "No"]
    # No counts or raw shares for members; n is the pooled base: countries with at least 30 voters.
    assert all(o["votes"] is None and o["raw_share"] is None for o in results["options"])
    pooled = [row for row in results["by_country"] if row["pooled"] and row["n"]]
    assert results["n"] == sum(row["n"] for row in pooled)
    weighted = [o["weighted_share"] for o in results["options"]]
    if results["n"] >= 30:
        assert 0 < results["effective_n"] <= results["n"]
        assert all(share is not None for share in weighted) and sum(weighted) == pytest.approx(1, abs=0.011)
        # One precision figure per share, in Spanish number format.
        assert all(re.fullmatch(r"±\d+,\d|\d+–\d+\s%", o["precision"]["text"]) for o in results["options"])
    else:  # Spain and Mexico under 30 voters each in the small demo: no percentage anywhere
        assert weighted == [None, None] and all(
            row["shares"] == {} or None in row["shares"].values() for row in results["by_country"]
        )
    assert api.get(f"/api/v1/polls/{hours['id']}", headers=spanish).json()["voted"] is True


def test_demo_journalist_reads_a_published_report(demo_page: Page, tmp_path: Path) -> None:
    page = demo_page
    errors = console_errors(page)

    page.goto("/press")
    expect(page.get_by_role("heading", name="Press room", level=1)).to_be_visible()
    reports = page.locator("ul.reports > li")
    expect(reports).to_have_count(2)
    title = reports.first.locator("a strong").inner_text()
    reports.first.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    headlines = page.locator("section.headlines p.headline")
    expect(headlines.first).to_contain_text("physicians")
    chart = page.locator(".report-body figure.chart img.chart").first
    expect(chart).to_be_visible()
    assert "%" in str(chart.get_attribute("alt"))  # the chart's text alternative carries its numbers
    page.screenshot(path=str(tmp_path / "press-report.png"), full_page=True)

    downloads = page.locator("p.downloads")
    with page.expect_download() as pdf_download:
        downloads.get_by_role("link", name="PDF").click()
    pdf_path = pdf_download.value.path()
    assert pdf_path is not None and Path(pdf_path).read_bytes().startswith(b"%PDF")
    assert pdf_download.value.suggested_filename.endswith("report.pdf")
    for name, media_type, magic in (
        ("PDF", "application/pdf", b"%PDF"),
        ("CSV", "text/csv", b""),
        ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    ):
        href = downloads.get_by_role("link", name=name, exact=True).get_attribute("href")
        answer = page.request.get(str(href))
        assert answer.status == 200, f"{name}: {answer.status}"
        assert answer.headers["content-type"].startswith(media_type), (
            f"{name}: {answer.headers['content-type']}"
        )
        assert "attachment" in answer.headers["content-disposition"]
        assert answer.body().startswith(magic) and len(answer.body()) > 100, name
    csv_href = downloads.get_by_role("link", name="CSV", exact=True).get_attribute("href")
    assert b"," in page.request.get(str(csv_href)).body().splitlines()[0]

    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("section.headlines")).to_contain_text("médicos")
    expect(page.locator(".report-body figure.chart img.chart").first).to_be_visible()
    expect(page.locator("p.downloads a", has_text="PDF")).to_have_attribute(
        "href", re.compile(r"report\.es\.pdf$")
    )
    page.screenshot(path=str(tmp_path / "press-report-es.png"), full_page=True)

    # The browser's own favicon request is not the report's; the CSP is checked at 390 px below.
    others = [text for text in errors if "Content Security Policy" not in text and "favicon.ico" not in text]
    assert not others, "\n".join(others)


def test_demo_report_fits_a_phone_and_weighs_little(browser: Browser, demo_server: LiveServer) -> None:
    """Issue 11: at 390 px no sideways scrolling, and the page is not a 4.8 MB plotly.js download."""
    context = browser.new_context(
        locale="en-US",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        base_url=demo_server.url,
    )
    try:
        page = context.new_page()
        errors = console_errors(page)
        page.goto("/press")
        href = page.locator("ul.reports > li").first.get_by_role("link").get_attribute("href")
        finished: list[Request] = []

        def done(request: Request) -> None:  # Playwright cannot take a bound builtin as a handler
            finished.append(request)

        page.on("requestfinished", done)
        page.goto(str(href))
        page.wait_for_load_state("networkidle")
        sizes = [r.sizes() for r in finished]
        transferred = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes)
        print(f"report page at 390 px: {len(finished)} requests, {transferred} bytes transferred")
        assert transferred < 400_000, transferred
        assert not [r.url for r in finished if "plotly" in r.url]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways: {width} px wide"
        chart = page.locator(".report-body figure.chart img.chart").first
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        context.close()
