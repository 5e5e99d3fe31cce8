"""A new research client's study in Chromium, from the brief to the field dashboard, on the live server.

Set-up through the CLI only, as an operator after ``make run``: a client of Cardio Insights, a client
of another organisation, three UK and two Spanish verified cardiologists. Then in the browser: the
client drafts a study for UK and Spanish cardiologists (a quota of two completes per country),
uploads its questionnaire as JSON, sees feasibility (eligible members, intervals) and a quote in
euros (the organisation's currency), and accepts it; staff approve it; the invitations land in the
MAIL_FOLDER (the Spanish members' in Spanish); members take the survey; the client's dashboard is
checked against a hand count, and the fieldwork API against the same count.

Hand count (every eligible member is invited: a wave asks for target / 20 % = 10 per cell, more
than the cell has):
  UK: 3 invited; A completes through the e-mail link, B from "Surveys for you", C never opens it.
  ES: 2 invited; D completes through the e-mail link, in Spanish; E follows the link, never logs in.
  AAPOR (STATS.md; an invitation never opened is a non-contact NC, opened and never started is UO):
  RR1 = I / (I + P + R + NC + O + UH + UO); participation = usable completes / invitations.
  UK: RR1 = 2 / (2 + 1 NC) = 66.7 %, participation 2/3 = 66.7 %.
  ES: RR1 = 1 / (1 + 1 UO) = 50.0 %, participation 1/2 = 50.0 %.
  Whole study: RR1 = 3 / (3 + 1 + 1) = 60.0 %, participation 3/5 = 60.0 %.
A client of another organisation gets 404 for the study, its feasibility and dashboard, on the web and
through the API.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Browser, FilePayload, Locator, Page, Playwright, expect

from polling.db import utcnow
from tests.browser.conftest import LiveServer
from tests.studies.drafting_helpers import questionnaire

pytestmark = pytest.mark.browser

CLIENT = ("research@cardio-insights.example", "cardio insights client 2026")
RIVAL = ("analyst@other-agency.example", "another agency client 2026")
TITLE = "Heart failure treatment choices"
PHONE = {"locale": "en-US", "viewport": {"width": 390, "height": 844}}
INVITATION = re.compile(r"(/study-invitations/[A-Za-z0-9_.\-]+)(?!/opt-out)(?=\s|$)")


@dataclass(frozen=True)
class Doctor:
    key: str
    email: str
    country: str
    licence: str
    locale: str = "en"
    password: str = "a cardiologist's password"


DOCTORS = (
    Doctor("A", "alice.uk@example.org", "UK", "7100001"),
    Doctor("B", "ben.uk@example.org", "UK", "7100002"),
    Doctor("C", "cara.uk@example.org", "UK", "7100003"),
    Doctor("D", "diego.es@example.org", "ES", "281000004", locale="es"),
    Doctor("E", "elena.es@example.org", "ES", "081000005", locale="es"),
)
BY_KEY = {doctor.key: doctor for doctor in DOCTORS}


def questionnaire_file() -> bytes:
    """The drafting tests' questionnaire, as the JSON file the client uploads."""
    return json.dumps(questionnaire(), ensure_ascii=False).encode("utf-8")


def amount(text: str) -> tuple[str, int]:
    """(currency, minor units) of a total written "EUR 1,234.50"."""
    found = re.fullmatch(r"([A-Z]{3}) ([\d,]+)\.(\d\d)", text)
    assert found is not None, text
    return found[1], int(found[2].replace(",", "") + found[3])


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("form[action='/logout'] button")).to_be_visible()


def row_cells(table: Locator, header: str) -> list[str]:
    """The data cells of the row of ``table`` whose row header is exactly ``header``."""
    row = table.locator("tr").filter(
        has=table.page.locator("th", has_text=re.compile(rf"^{re.escape(header)}$"))
    )
    expect(row).to_have_count(1)
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def column_headers(table: Locator) -> list[str]:
    return [text.strip() for text in table.locator("thead th").all_inner_texts()]


def invitations_in(folder: Path) -> dict[str, tuple[str, str]]:
    """Address → (subject, invitation link path) of every invitation e-mail in the mail folder."""
    found: dict[str, tuple[str, str]] = {}
    for path in sorted(folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        link = INVITATION.search(text)
        if link is not None:
            assert str(message["To"]) not in found, f"{message['To']} was invited twice"
            found[str(message["To"])] = (str(message["Subject"]), link.group(1))
    return found


@pytest.fixture()
def people(live_server: LiveServer) -> None:
    """The accounts, made through the CLI as an operator would (two at a time: argon2 is slow)."""
    commands: list[tuple[str, ...]] = [
        (
            "create-account", "client", CLIENT[0], "--password", CLIENT[1],
            "--organisation", "Cardio Insights",
        ),
        (
            "create-account", "client", RIVAL[0], "--password", RIVAL[1],
            "--organisation", "Other Agency",
        ),
    ]  # fmt: skip
    for n, doctor in enumerate(DOCTORS):
        commands.append(
            (
                "create-account", "member", doctor.email, "--password", doctor.password,
                "--country", doctor.country, "--specialty", "cardiology", "--licence", doctor.licence,
                "--sex", "female" if n % 2 else "male", "--birth-year", str(1970 + n),
                "--name", f"Doctor {doctor.key} Cardio", "--locale", doctor.locale, "--verified",
            )
        )  # fmt: skip
    # Two at a time (two cores). The first verified member is made alongside a client, never another
    # member: ``--verified`` creates the CLI's reviewer account on first use, and two commands doing
    # that at once collide on its e-mail address (members.service.system_reviewer checks, then inserts).
    clients, members = commands[:2], commands[2:]
    rounds = [[clients[0], members[0]], [clients[1], members[1]]]
    rounds += [members[n : n + 2] for n in range(2, len(members), 2)]
    for round_ in rounds:
        for running in [live_server.start_pulse(*command) for command in round_]:
            live_server.finish(running)


@pytest.fixture()
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., Page]]:
    """Pages in contexts of their own (one browser profile per person), closed at the end."""
    contexts = []

    def make(**options: object) -> Page:
        context = browser.new_context(
            **{"locale": "en-US", "viewport": {"width": 1280, "height": 900}, **options},  # type: ignore[arg-type]
            base_url=live_server.url,
        )
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


def draft_the_study(page: Page) -> int:
    """The client drafts the brief, uploads the questionnaire; returns the study's id."""
    page.goto("/studies/new")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Objectives").fill("How UK and Spanish cardiologists choose heart failure treatments.")
    page.get_by_label("Sponsor name").fill("Acme Pharma")
    page.get_by_label("Sponsor type").select_option("pharmaceutical")
    for n, country in enumerate(("UK", "ES")):
        cell = page.get_by_role("group", name=f"Cell {n + 1}", exact=True)
        cell.get_by_label("Country").select_option(country)
        cell.get_by_label("Specialty").select_option("cardiology")
        cell.get_by_label("Target completes").fill("2")
        expect(cell.get_by_label("Hard quota")).to_be_checked()
    page.get_by_label("Sample size (completes)").fill("4")
    today = utcnow().date()
    page.get_by_label("Start date").fill(today.isoformat())
    page.get_by_label("End date").fill((today + timedelta(days=14)).isoformat())
    page.get_by_label("Expected length of interview (minutes)").fill("10")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("status").filter(has_text="Your draft is saved (version 1).")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    study_id = int(re.search(r"/studies/(\d+)$", page.url).group(1))  # type: ignore[union-attr]
    expect(page.get_by_text("Write or upload the questionnaire first.")).to_be_visible()

    page.get_by_role("link", name="Questionnaire builder").click()
    page.get_by_label("JSON file").set_input_files(
        files=[
            FilePayload(name="heart-failure.json", mimeType="application/json", buffer=questionnaire_file())
        ]
    )
    page.get_by_role("button", name="Upload the questionnaire").click()
    expect(page.get_by_role("status").filter(has_text="The questionnaire is saved")).to_be_visible()
    page.goto(f"/studies/{study_id}/preview?lang=es")
    expect(page.get_by_text("¿Trata la insuficiencia cardíaca?")).to_be_visible()
    page.goto(f"/studies/{study_id}")
    expect(page.get_by_text("2 questions")).to_be_visible()
    return study_id


def feasibility_and_quote(page: Page, study_id: int) -> str:
    """The feasibility page's numbers; returns the quote's total as shown."""
    page.get_by_role("link", name="Feasibility and quote").click()
    expect(page).to_have_url(re.compile(rf"/studies/{study_id}/feasibility$"))
    expect(
        page.get_by_text("5 verified members are eligible now for a target of 4 completes.")
    ).to_be_visible()
    table = page.locator("table.feasibility")
    headers = column_headers(table)
    eligible, rate, expected = (
        headers.index(h) - 1 for h in ("Eligible now", "Response rate", "Expected completes")
    )
    interval = re.compile(r"\d+% \(\d+–\d+%\)")
    for label, members in (("United Kingdom", "3"), ("Spain", "2")):
        row = table.locator("tbody tr").filter(has=page.locator("th", has_text=label))
        expect(row).to_have_count(1)
        cells = [text.strip() for text in row.locator("td").all_inner_texts()]
        assert cells[eligible] == members, cells
        assert interval.match(cells[rate]), f"no interval in the response rate: {cells[rate]!r}"
        assert "no history yet: the stated prior" in cells[rate]
        assert re.fullmatch(r"\d+ \(\d+–\d+\)", cells[expected]), f"no interval: {cells[expected]!r}"
    quote = page.locator("table.quote")
    expect(quote.locator("caption")).to_contain_text("Quote in EUR for an interview of 10 minutes")
    total = quote.locator("tr.total td").inner_text().strip()
    assert re.fullmatch(r"EUR [\d,]+\.\d\d", total), total
    assert total != "EUR 0.00"
    expect(page.get_by_text(re.compile(r"exchange rates of \d{4}-\d\d-\d\d"))).to_be_visible()
    return total


def take_survey(page: Page, *, spanish: bool = False) -> None:
    """From the survey's consent page to the end, as a member who treats heart failure."""
    if spanish:
        page.get_by_label("He leído lo anterior y acepto participar.").check()
        page.get_by_role("button", name="Empezar la encuesta").click()
        page.get_by_role("group", name="¿Trata la insuficiencia cardíaca?").get_by_role(
            "radio", name="Sí"
        ).check()
        page.get_by_role("button", name="Siguiente").click()
        page.get_by_label("¿Pacientes al mes?").fill("30")
        page.get_by_role("button", name="Siguiente").click()
        expect(page.get_by_role("status")).to_contain_text("honorario")
        return
    page.get_by_label("I have read the above and agree to take part.").check()
    page.get_by_role("button", name="Start the survey").click()
    page.get_by_role("group", name="Do you treat heart failure?").get_by_role("radio", name="Yes").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Patients per month?").fill("40")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("status")).to_contain_text("Your honorarium is in your balance")


def test_a_new_client_commissions_a_study_and_follows_it_to_a_hand_counted_dashboard(
    people: None, new_page: Callable[..., Page], live_server: LiveServer, playwright: Playwright
) -> None:
    started = time.monotonic()
    # 1-2. The client drafts, sees feasibility and the quote, accepts it.
    client = new_page()
    log_in(client, *CLIENT)
    study_id = draft_the_study(client)
    total = feasibility_and_quote(client, study_id)
    client.goto(f"/studies/{study_id}")
    # The total accepted is written as on the quote.
    expect(client.get_by_text(f"Quote total: {total}")).to_be_visible()
    client.get_by_role("button", name=f"Accept the quote ({total}) and submit").click()
    expect(client.get_by_role("status").filter(has_text="Submitted: Pulse staff will review")).to_be_visible()
    expect(client.locator("p.status")).to_contain_text("Submitted for review")

    # 3. Staff approve it from the review queue; the invitations land in the mail folder.
    staff = new_page()
    log_in(staff, live_server.staff_email, live_server.staff_password)
    staff.goto("/staff/studies")
    staff.get_by_role("link", name=TITLE).click()
    staff.get_by_role("button", name="Approve and field").click()
    expect(staff.get_by_role("status").filter(has_text=f"Study {study_id} approved")).to_be_visible()
    mail_folder = Path(live_server.env["MAIL_FOLDER"])
    invitations = invitations_in(mail_folder)
    assert sorted(invitations) == sorted(d.email for d in DOCTORS), invitations
    assert invitations[BY_KEY["A"].email][0] == f"A paid survey for you: {TITLE}"
    assert invitations[BY_KEY["D"].email][0] == f"Una encuesta remunerada para usted: {TITLE}"

    # 4. A and D through the e-mail link (log in first), B from the home page, E opens the link only.
    for key in ("A", "D"):
        doctor = BY_KEY[key]
        member = new_page()
        log_in(member, doctor.email, doctor.password)
        member.goto(invitations[doctor.email][1])
        take_survey(member, spanish=doctor.locale == "es")
    member = new_page()
    log_in(member, BY_KEY["B"].email, BY_KEY["B"].password)
    member.goto("/")
    section = member.locator("section", has=member.get_by_role("heading", name="Surveys for you"))
    section.get_by_role("link", name=TITLE).click()
    take_survey(member)
    stranger = new_page()
    stranger.goto(invitations[BY_KEY["E"].email][1])
    expect(stranger).to_have_url(re.compile(r"/login"))

    # 5. The client's dashboard against the hand count.
    client.goto(f"/studies/{study_id}")
    client.get_by_role("link", name="Field dashboard").click()
    expect(client.get_by_role("heading", name=f"Fieldwork: {TITLE}")).to_be_visible()
    quota = client.locator(
        "table", has=client.locator("caption", has_text="Completes against quota per target cell")
    )
    rows = {
        cells[0]: cells
        for cells in (
            [t.strip() for t in row.locator("td").all_inner_texts()]
            for row in quota.locator("tbody tr").all()
        )
    }
    assert rows["United Kingdom"][2:] == ["2", "3", "2", "100.0%"], rows
    assert rows["Spain"][2:] == ["2", "2", "1", "50.0%"], rows
    figures = client.locator("table", has=client.locator("caption", has_text="Participation, incidence"))
    rates = client.locator("table", has=client.locator("caption", has_text="AAPOR outcome rates"))
    scopes = column_headers(figures)  # the corner is a td
    assert column_headers(rates)[1:] == scopes
    assert scopes[0] == "Whole study" and sorted(scopes[1:]) == ["Spain", "United Kingdom"], scopes
    hand = {
        "Whole study": ("5", "3", "60.0%"),
        "United Kingdom": ("3", "2", "66.7%"),
        "Spain": ("2", "1", "50.0%"),
    }
    invited = dict(zip(scopes, row_cells(figures, "Invitations"), strict=True))
    completes = dict(zip(scopes, row_cells(figures, "Usable completes"), strict=True))
    participation = dict(
        zip(scopes, row_cells(figures, "Participation rate (usable completes / invitations)"), strict=True)
    )
    rr1 = dict(zip(scopes, row_cells(rates, "RR1"), strict=True))
    for scope, (n, done, rate) in hand.items():
        assert (invited[scope], completes[scope], participation[scope], rr1[scope]) == (
            n,
            done,
            rate,
            rate,
        ), scope
    dispositions = client.locator("table", has=client.locator("caption", has_text="Invitees by disposition"))
    assert row_cells(dispositions, "Complete")[1:] == [hand[s][1] for s in scopes]
    assert row_cells(dispositions, "Opened, never started")[1:] == [
        {"Whole study": "1", "United Kingdom": "0", "Spain": "1"}[s] for s in scopes
    ]
    assert row_cells(dispositions, "Invited, never opened")[1:] == [
        {"Whole study": "1", "United Kingdom": "1", "Spain": "0"}[s] for s in scopes
    ]

    # 6. A client of another organisation sees none of it, on the web or through the API.
    rival = new_page()
    log_in(rival, *RIVAL)
    for path in ("", "/dashboard", "/feasibility", "/quote.pdf", "/questionnaire", "/preview?lang=en"):
        response = rival.goto(f"/studies/{study_id}{path}")
        assert response is not None and response.status == 404, f"/studies/{study_id}{path}: {response}"
    rival.goto("/studies")
    expect(rival.get_by_text(TITLE)).to_have_count(0)
    api = playwright.request.new_context(base_url=live_server.url)
    try:

        def token(email: str, password: str) -> dict[str, str]:
            issued = api.post("/api/v1/tokens", data={"email": email, "password": password})
            assert issued.status == 201, issued.text()
            return {"Authorization": f"Bearer {issued.json()['token']}"}

        theirs, ours = token(*RIVAL), token(*CLIENT)
        for tail in ("", "/fieldwork", "/feasibility", "/quote", "/invitations", "/versions"):
            path = f"/api/v1/studies/{study_id}{tail}"
            assert api.get(path, headers=theirs).status == 404, path
            assert api.get(path, headers=ours).status == 200, path
        assert (
            api.put(f"/api/v1/studies/{study_id}/questionnaire", headers=theirs, data=questionnaire()).status
            == 404
        )
        assert study_id not in [s["id"] for s in api.get("/api/v1/studies", headers=theirs).json()]
        assert study_id in [s["id"] for s in api.get("/api/v1/studies", headers=ours).json()]
        quoted = api.get(f"/api/v1/studies/{study_id}/quote", headers=ours).json()
        assert (quoted["currency"], quoted["total_minor"]) == amount(total), quoted
        # The client's API tells the same hand-counted story as the dashboard.
        fieldwork = api.get(f"/api/v1/studies/{study_id}/fieldwork", headers=ours).json()
        scopes_api = {scope["country"]: scope for scope in [fieldwork["total"], *fieldwork["countries"]]}
        for country, (rr1_share, participation_share) in {
            None: (3 / 5, 3 / 5),
            "UK": (2 / 3, 2 / 3),
            "ES": (1 / 2, 1 / 2),
        }.items():
            assert scopes_api[country]["rates"]["RR1"] == pytest.approx(rr1_share), country
            assert scopes_api[country]["participation_rate"] == pytest.approx(participation_share), country
    finally:
        api.dispose()

    # 7. The dashboard in Spanish (the client switches language), then on a 390 px phone.
    client.get_by_role("button", name="Español").click()
    expect(client.locator("html")).to_have_attribute("lang", "es")
    expect(client.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    expect(client.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(client.get_by_role("heading", name="Cómo se calculan las tasas")).to_be_visible()
    spanish = client.locator("table", has=client.get_by_role("rowheader", name="RR1", exact=True))
    expect(spanish.locator("thead")).to_contain_text("España")
    expect(spanish.locator("thead")).to_contain_text("Reino Unido")
    shown = dict(zip(column_headers(spanish)[1:], row_cells(spanish, "RR1"), strict=True))
    assert shown == {"Todo el estudio": "60.0%", "España": "50.0%", "Reino Unido": "66.7%"}, shown
    phone = new_page(**PHONE)
    log_in(phone, *CLIENT)
    phone.goto(f"/studies/{study_id}/dashboard")
    chart = phone.locator("img.chart")  # the chart of completes, 699 px wide as drawn
    expect(chart).to_be_visible()
    phone.wait_for_function("document.querySelector('img.chart').complete")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the dashboard is {width} px wide on a 390 px phone"
    # The client's other study pages fit the phone too (wide tables scroll inside their own box).
    for path in (f"/studies/{study_id}", f"/studies/{study_id}/feasibility", "/studies"):
        phone.goto(path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px phone"
    print(f"client journey: {time.monotonic() - started:.1f} s")
