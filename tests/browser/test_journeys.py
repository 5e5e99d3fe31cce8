"""User journeys through the real app in Chromium: sign-up, staff verification, languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from polling.members.licences import make_npi
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "a long member password"
INVALID_NPI = "1234567890"  # right shape, wrong check digit
VALID_NPI = "1234567893"
HANDLE = re.compile(r"dr-[a-z]+-\d{4}")


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")


def fill_physician_form(page: Page, *, email: str, full_name: str, npi: str) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Full name, as on your licence").fill(full_name)
    page.get_by_label("Country of licence").select_option("US")
    page.get_by_label("Licence or registration number").fill(npi)
    page.get_by_label("Specialty").select_option("cardiology")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Year of birth").fill("1978")
    page.get_by_label("Year of first medical licence").fill("2004")
    page.get_by_label("Main practice setting").select_option("hospital")


def confirmation_link(folder: Path, email: str) -> str:
    """The path of the newest confirmation link mailed to ``email`` (the live server's MAIL_FOLDER)."""
    for path in sorted(folder.glob("*.eml"), reverse=True):
        text = path.read_text()
        if f"To: {email}" in text and "/verify/" in text:
            return re.search(r"http://[^/\s]+(/verify/\S+)", text).group(1)  # type: ignore[union-attr]
    raise AssertionError(f"no confirmation e-mail to {email} in {folder}")


def sign_up(page: Page, server: LiveServer, *, email: str, full_name: str, npi: str) -> str:
    """Submit the physician form (from the sign-up page) and return the new member's handle."""
    if not page.url.endswith("/signup/physician"):
        page.goto("/signup/physician")
    fill_physician_form(page, email=email, full_name=full_name, npi=npi)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    page.goto(
        confirmation_link(Path(server.env["MAIL_FOLDER"]), email)
    )  # the link of the e-mail in the server's mail folder
    expect(page.get_by_role("heading", name="My membership")).to_be_visible()
    expect(page.locator(".status.pending")).to_contain_text("waiting for verification")
    match = HANDLE.search(page.get_by_text("Your handle:").inner_text())
    assert match, "the status page shows no handle"
    return match.group()


def staff_decides(
    page: Page, server: LiveServer, handle: str, *, decision: str, reason: str = "", full_name: str
) -> None:
    log_in(page, server.staff_email, server.staff_password)
    page.get_by_role("link", name="Verification queue").click()
    expect(page.get_by_role("heading", name="Verification queue")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=handle)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name=f"Review {handle}")).to_be_visible()
    expect(page.locator("dl")).to_contain_text(full_name)
    if reason:
        page.get_by_label("Reason, if you reject").fill(reason)
    page.get_by_role("button", name=decision).click()
    outcome = {"Verify": "verified", "Reject": "rejected"}[decision]
    expect(page.get_by_role("status")).to_contain_text(f"The member is {outcome}.")
    expect(page.get_by_role("row").filter(has_text=handle)).to_have_count(0)
    log_out(page)


def test_physician_signs_up_is_verified_and_reads_spanish(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    email, full_name = "new.doctor@example.org", "Grace Hopper-Lopez"
    page.goto("/")
    page.get_by_role("link", name="Join", exact=True).click()
    page.get_by_role("link", name="I am a licensed physician").click()
    expect(page.get_by_role("heading", name="Physician sign-up")).to_be_visible()

    # A mistyped NPI: refused with a message naming the NPI and its format; nothing is stored.
    fill_physician_form(page, email=email, full_name=full_name, npi=INVALID_NPI)
    page.get_by_role("button", name="Register").click()
    error = page.locator("#licence_number-error")
    expect(error).to_contain_text("NPI")
    expect(error).to_contain_text(re.compile(r"10 digits|check digit"))
    expect(page.get_by_label("Licence or registration number")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert").first).to_contain_text("not saved")

    # The same e-mail again, with the right NPI: accepted (the failed try stored no account).
    handle = sign_up(page, live_server, email=email, full_name=full_name, npi=VALID_NPI)
    log_out(page)

    staff_decides(page, live_server, handle, decision="Verify", full_name=full_name)

    log_in(page, email, PASSWORD)
    page.get_by_role("link", name="My membership").click()
    expect(page.locator(".status.verified")).to_contain_text("Your licence is verified.")

    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Español")).to_have_class(re.compile(r"\bcurrent\b"))
    # Strings of polling/translations/es/LC_MESSAGES/messages.po:
    expect(page.get_by_role("heading", level=1)).to_have_text("Mi afiliación")
    expect(page.locator(".status.verified")).to_contain_text("Su licencia está verificada.")
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    page.screenshot(path=str(tmp_path / "membership-es.png"), full_page=True)


def test_rejected_member_reads_the_staff_reason(page: Page, live_server: LiveServer) -> None:
    email, full_name, npi = "doubtful.doctor@example.org", "Rita Unlisted", make_npi("198765432")
    handle = sign_up(page, live_server, email=email, full_name=full_name, npi=npi)
    log_out(page)
    reason = f"NPI {npi} is not in the NPPES register under this name."

    staff_decides(page, live_server, handle, decision="Reject", reason=reason, full_name=full_name)

    log_in(page, email, PASSWORD)
    page.get_by_role("link", name="My membership").click()
    expect(page.locator(".status.rejected")).to_contain_text("was not verified")
    expect(page.locator("blockquote")).to_have_text(reason)
