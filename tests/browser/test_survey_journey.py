"""A paid survey in Chromium, through the seeded demo, on a 390 px wide phone: the demo member opens it
from the home page, consents, sees skip logic and piping at work, is told of a refused answer next to
the field, goes back, quits halfway, logs in again and resumes on the page they left, completes and
finds the honorarium in their balance; a second member, who does not see patients, is screened out
with the polite screener message; the Spanish member, in Spanish, finds the Spanish cell full."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

MEMBER = ("member@demo.pulse", "cardio-votes-2026")
MIEMBRO = ("miembro@demo.pulse", "vota-en-pulse-2026")
PHONE = {"locale": "en-US", "viewport": {"width": 390, "height": 844}}


@pytest.fixture()
def phone(browser: Browser, demo_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(**PHONE, base_url=demo_server.url)  # type: ignore[arg-type]
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page: Page, email: str, password: str, *, button: str = "Log in") -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("form[action='/logout'] button")).to_be_visible()


def no_sideways_scrolling(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide on a 390 px phone"


def test_demo_member_takes_the_open_survey_with_a_break(phone: Page) -> None:
    page = phone
    log_in(page, *MEMBER)
    page.goto("/")
    section = page.locator("section", has=page.get_by_role("heading", name="Surveys for you"))
    expect(section).to_contain_text("about 8 minutes")
    expect(section).to_contain_text("50.00 USD")
    expect(section).not_to_contain_text("Demo Health")  # never the sponsor
    section.get_by_role("link", name="Digital tools in clinical practice").click()
    expect(page.get_by_text("possible adverse event")).to_be_visible()
    page.get_by_label("I have read the above and agree to take part.").check()
    page.get_by_role("button", name="Start the survey").click()

    expect(page.get_by_role("group", name="Do you currently see patients?")).to_be_visible()
    no_sideways_scrolling(page)
    page.get_by_role("radio", name="Yes").check()
    page.get_by_role("button", name="Next").click()

    page.get_by_role("checkbox", name="AI assistants").check()
    page.get_by_label("How many hours a week do you spend on documentation?").fill("about ten")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("alert").filter(has_text="Give a whole number.")).to_be_visible()
    hours = page.get_by_label("How many hours a week do you spend on documentation?")
    expect(hours).to_have_attribute("aria-invalid", "true")
    hours.fill("12")
    page.get_by_role("button", name="Next").click()

    # Skip logic: the AI page appears because AI assistants were chosen; piping names the choice.
    expect(page.get_by_role("heading", name="AI assistants")).to_be_visible()
    expect(page.locator("legend").first).to_contain_text("You use AI assistants")
    no_sideways_scrolling(page)
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_label("How many hours a week do you spend on documentation?")).to_have_value("12")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="AI assistants")).to_be_visible()

    # Quit halfway, log in again, resume on the page left.
    page.locator("form[action='/logout'] button").click()
    log_in(page, *MEMBER)
    page.goto("/")
    expect(page.get_by_text("in progress: continue where you left off")).to_be_visible()
    page.get_by_role("link", name="Digital tools in clinical practice").click()
    expect(page.get_by_role("heading", name="AI assistants")).to_be_visible()

    page.get_by_role("radio", name="9", exact=True).check()
    for row in ("They save me time", "They are safe for patients", "I trust their answers"):
        page.get_by_role("radio", name=f"{row}: Agree", exact=True).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("radio", name="Often").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("status")).to_contain_text("Your honorarium is in your balance")
    page.get_by_role("link", name="See your honoraria balance").click()
    expect(page.locator("#balance-USD")).to_have_text("50.00 USD")
    no_sideways_scrolling(page)


def test_the_spanish_member_finds_the_spanish_cell_full(phone: Page) -> None:
    page = phone
    log_in(page, *MIEMBRO)
    page.goto("/")
    section = page.locator(
        "section", has=page.get_by_role("heading", name="Encuestas remuneradas para usted")
    )
    section.get_by_role("link", name="Herramientas digitales en la práctica clínica").click()
    page.get_by_label("He leído lo anterior y acepto participar.").check()
    page.get_by_role("button", name="Empezar la encuesta").click()
    expect(page.get_by_role("group", name="¿Atiende pacientes actualmente?")).to_be_visible()
    page.get_by_role("radio", name="Sí").check()
    page.get_by_role("button", name="Siguiente").click()
    expect(page.get_by_role("status")).to_contain_text("Ya tenemos todas las respuestas que necesitamos")


def test_a_second_member_who_sees_no_patients_is_screened_out(phone: Page, demo_server: LiveServer) -> None:
    # A newly verified member (the operator's command, as staff verify a licence).
    email, password = "second.member@example.org", "screened-politely-2026"
    demo_server.pulse(
        "create-account", "member", email, "--password", password, "--country", "AU",
        "--specialty", "dermatology", "--licence", "MED0009876543", "--sex", "male",
        "--birth-year", "1971", "--name", "Sam Second", "--verified",
    )  # fmt: skip
    page = phone
    log_in(page, email, password)
    page.goto("/")
    section = page.locator("section", has=page.get_by_role("heading", name="Surveys for you"))
    section.get_by_role("link", name="Digital tools in clinical practice").click()
    page.get_by_label("I have read the above and agree to take part.").check()
    page.get_by_role("button", name="Start the survey").click()
    page.get_by_role("group", name="Do you currently see patients?").get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Next").click()
    ending = page.get_by_role("status")
    expect(ending).to_contain_text("This survey is looking for physicians with a different profile")
    expect(ending).to_contain_text("no honorarium is due")
    no_sideways_scrolling(page)
    # Back on the home page, the survey is no longer offered to this member.
    page.goto("/")
    expect(page.get_by_role("link", name="Digital tools in clinical practice")).to_have_count(0)
