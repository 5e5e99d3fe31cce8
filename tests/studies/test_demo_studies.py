"""seed-demo gives Demo Research Ltd a study in draft, one in field with live numbers, one closed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from polling.accounts.models import User
from polling.ledger.models import LedgerEntry
from polling.studies import dashboard, service
from polling.studies.models import Invitation, Study


@pytest.mark.slow  # seeds a demo membership and takes the studies' surveys through the taking engine
def test_seed_demo_gives_the_demo_client_three_studies_once(runner, session, client, auth):
    first = runner.invoke(args=["seed-demo", "--members", "300", "--seed", "5"])
    assert first.exit_code == 0, first.output
    demo_client = session.scalar(select(User).where(User.email == "client@demo.pulse"))
    studies = {study.title: study for study in service.studies_of(session, demo_client)}
    assert {title: study.status for title, study in studies.items()} == {
        "Heart failure: first-line choices": "draft",
        "Antibiotic prescribing in primary care": "field",
        "Managing chronic pain without opioids": "closed",
    }
    assert demo_client.organisation_admin
    live = dashboard.dashboard_of(session, studies["Antibiotic prescribing in primary care"])
    closed = dashboard.dashboard_of(session, studies["Managing chronic pain without opioids"])
    for shown in (live, closed):
        counts = shown.total.rates.dispositions
        invited = session.scalar(
            select(func.count()).select_from(Invitation).where(Invitation.study_id == shown.study.id)
        )
        assert counts["complete"] > 0 and sum(counts.values()) == invited == shown.total.rates.invitations
        assert shown.total.rates.participation == pytest.approx(counts["complete"] / invited)
    assert closed.total.rates.dispositions["started"] == 0  # closing settled every break-off
    assert session.scalar(select(func.sum(LedgerEntry.amount_minor))) == 0

    auth.login("client@demo.pulse", "commission-2026")
    home = client.get("/").get_data(as_text=True)
    assert all(title in home for title in studies)
    page = client.get(f"/studies/{studies['Antibiotic prescribing in primary care'].id}/dashboard")
    assert page.status_code == 200 and "RR1" in page.get_data(as_text=True)

    again = runner.invoke(args=["seed-demo", "--members", "300", "--seed", "5"])
    assert "Client studies: 0 demo members" in again.output
    assert session.scalar(select(func.count()).select_from(Study)) == 3
