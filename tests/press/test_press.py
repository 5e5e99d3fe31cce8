"""The press room and the staff's report workflow: build, preview, publish, withdraw; downloads,
filters, feed, JSON; small cells nowhere in public files."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from pypdf import PdfReader

from polling.db import utcnow
from tests.factories import add_votes, closed_poll, make_poll, make_user


@pytest.fixture
def staff_client(client, session, hasher, auth):  # type: ignore[no-untyped-def]
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    return client


@pytest.mark.documents
@pytest.mark.slow
def test_report_journey_build_preview_publish_download_withdraw(staff_client, session, hasher, auth, app):
    client = staff_client
    poll = closed_poll(session, hasher)
    built = client.post(f"/staff/polls/{poll.id}/report")
    assert built.status_code == 302
    report_id = int(built.headers["Location"].rsplit("/", 1)[1])
    preview = client.get(f"/staff/reports/{report_id}")
    assert preview.status_code == 200 and "Preview" in preview.text
    auth.logout()
    assert client.get(f"/press/{report_id}").status_code == 404  # a draft is not public
    assert str(report_id) not in "".join(r["url"] for r in client.get("/api/v1/press/reports").json)
    # A closed poll's results are public only through a published report.
    assert 'class="results"' not in client.get(f"/polls/{poll.id}").text
    make_user_and_login = make_user(session, hasher, "staff")
    auth.login(make_user_and_login.email)
    client.post(f"/staff/reports/{report_id}/status", data={"action": "publish"})
    auth.logout()

    page = client.get(f"/press/{report_id}")
    assert page.status_code == 200
    assert poll.question_en in page.text
    # Static SVG charts with text alternatives: no 4.8 MB plotly.js on a phone.
    assert "<script" not in page.text and '<img class="chart" alt="' in page.text
    assert len(page.data) < 300_000
    assert 'class="results"' in client.get(f"/polls/{poll.id}").text  # published: public
    listing = client.get("/press").text
    assert f'href="/press/{report_id}"' in listing

    numbers = json.loads(client.get(f"/press/{report_id}/report.json").data)
    topline = numbers["topline"]
    assert topline["n"] == 109 - 4 - 25  # Ireland (4) and the UK (25) are under 30: not pooled
    pdf = client.get(f"/press/{report_id}/report.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "N = 80" in text and "How to cite" in text and f"/press/{report_id}" in text
    share = round(100 * topline["estimates"][0]["share"])
    assert f"{share}%" in text  # the PDF's weighted share is the JSON's
    spanish = client.get(f"/press/{report_id}/report.es.pdf")
    assert "médicos" in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(spanish.data)).pages)

    # Ireland has 4 respondents: withheld everywhere; the UK's 25: n only, no percentage.
    by_country = {
        row["key"]: row for b in numbers["breakdowns"] if b["dimension"] == "country" for row in b["rows"]
    }
    assert by_country["IE"]["n"] is None and by_country["UK"]["n"] == 25
    assert all(e["share"] is None for e in by_country["UK"]["estimates"])
    rows = [
        r
        for r in csv.reader(
            io.StringIO(client.get(f"/press/{report_id}/tables.csv").data.decode("utf-8-sig"))
        )
        if r and not r[0].startswith("#")
    ]
    header = rows[0]
    ireland = [dict(zip(header, r)) for r in rows[1:] if "Ireland" in r]
    assert len(ireland) == 3  # one row per option, every figure blank
    figures = [k for k in header if k not in ("question", "table", "row", "option", "note")]
    assert all(row[k] == "" for row in ireland for k in figures if k in row), ireland
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/press/{report_id}/tables.xlsx").data))
    values = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert 4 not in values
    assert "4 Irish" not in text

    auth.login(make_user_and_login.email)
    client.post(f"/staff/reports/{report_id}/status", data={"action": "withdraw"})
    auth.logout()
    gone = client.get(f"/press/{report_id}")
    assert gone.status_code == 410 and "withdrawn" in gone.text
    assert client.get(f"/press/{report_id}/report.pdf").status_code == 410
    assert client.get("/api/v1/press/reports").json == []
    assert 'class="results"' not in client.get(f"/polls/{poll.id}").text  # withdrawn: hidden again


def test_reports_only_for_closed_polls_with_votes(staff_client, session, hasher):
    open_poll = make_poll(session, hasher)
    answer = staff_client.post(f"/staff/polls/{open_poll.id}/report")
    assert answer.status_code == 409
    assert "once a poll has closed" in answer.text
    now = utcnow()
    empty = make_poll(
        session,
        hasher,
        opens_at=(now - timedelta(days=3)).isoformat(),
        closes_at=(now - timedelta(days=1)).isoformat(),
    )
    answer = staff_client.post(f"/staff/polls/{empty.id}/report")
    assert answer.status_code == 409 and "no votes" in answer.text


@pytest.mark.documents
@pytest.mark.slow
def test_same_votes_same_numbers_and_hash(staff_client, session, hasher):
    poll = closed_poll(session, hasher)
    first = staff_client.post(f"/staff/polls/{poll.id}/report").headers["Location"]
    report_id = int(first.rsplit("/", 1)[1])
    from polling.press.models import Report

    session.expire_all()
    before = session.get(Report, report_id)
    hash_before, json_before = (
        before.input_hash,
        next(f.content for f in before.files if f.name == "report.json"),
    )
    staff_client.post(f"/staff/polls/{poll.id}/report")
    session.expire_all()
    after = session.get(Report, report_id)
    assert after.input_hash == hash_before
    assert next(f.content for f in after.files if f.name == "report.json") == json_before


@pytest.mark.documents
@pytest.mark.slow
def test_filters_feed_api_and_bad_filter(client, session, hasher, app):
    from polling.press.service import build_report

    poll = closed_poll(session, hasher, topic="burnout")
    report = build_report(session, poll.id)
    report.status, report.published_at = "published", utcnow()
    session.commit()
    assert f"/press/{report.id}" in client.get("/press?country=UK&topic=burnout").text
    assert f"/press/{report.id}" not in client.get("/press?country=ES").text
    assert f"/press/{report.id}" not in client.get("/press?topic=telemedicine").text
    assert f"/press/{report.id}" not in client.get("/press?until=2001-01-01").text
    bad = client.get("/press?since=yesterday")
    assert bad.status_code == 400 and "Enter a date as YYYY-MM-DD" in bad.text
    api_bad = client.get("/api/v1/press/reports?since=yesterday")
    assert api_bad.status_code == 422 and "since" in api_bad.json["errors"]
    feed = ET.fromstring(client.get("/press/feed.atom").data)
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.find("{http://www.w3.org/2005/Atom}title").text for e in entries] == [poll.question_en]
    listed = client.get("/api/v1/press/reports?topic=burnout").json
    assert listed[0]["n"] == 80 and listed[0]["headline_sentences"]["es"]  # the pooled base: the US only
    assert listed[0]["url"].startswith("http://127.0.0.1:5000/press/")  # PUBLIC_URL, not the Host header
    assert listed[0]["downloads"]["report.pdf"].endswith(f"/press/{report.id}/report.pdf")


@pytest.mark.documents
@pytest.mark.slow
def test_journalist_follows_topics_and_sees_what_is_new(client, session, hasher, auth):
    from polling.press.service import build_report

    journalist = make_user(session, hasher, "journalist")
    auth.login(journalist.email)
    client.post("/press/follow", data={"topics": ["burnout"]})
    assert "New since your last visit" not in client.get("/press").text  # first visit: nothing yet
    poll = closed_poll(session, hasher, topic="burnout")
    report = build_report(session, poll.id)
    report.status, report.published_at = "published", utcnow()
    session.commit()
    page = client.get("/press").text
    assert "New since your last visit" in page
    assert "New since your last visit" not in client.get("/press").text  # seen now
    assert f"/press/{report.id}" in client.get("/press?followed=1").text
    bad = client.post("/press/follow", data={"topics": ["gossip"]})
    assert bad.status_code == 422 and "Unknown topic gossip" in bad.text


@pytest.mark.documents
@pytest.mark.slow
def test_cli_report_build_writes_the_five_files(runner, session, hasher, tmp_path):
    poll = closed_poll(session, hasher)
    out = tmp_path / "out"
    result = runner.invoke(args=["report", "build", str(poll.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "report.html",
        "report.json",
        "report.pdf",
        "tables.csv",
        "tables.xlsx",
    ]
    assert "input hash" in result.output
    missing = runner.invoke(args=["report", "build", "999999", "--out", str(out)])
    assert missing.exit_code == 1 and "No poll with this number." in missing.output


def test_unknown_report_file_is_404(client):
    assert client.get("/press/1/../../etc/passwd").status_code == 404
    assert client.get("/press/99999").status_code == 404


@pytest.mark.documents
@pytest.mark.slow
def test_press_wording_makes_the_headline(session, hasher, app):
    from polling.press.service import build_report

    poll = closed_poll(
        session,
        hasher,
        statement_en=["say a global network would help them", "say it would not help them"],
        statement_es=["considera que una red mundial le ayudaría", "considera que no le ayudaría"],
    )
    with app.app_context():
        report = build_report(session, poll.id)
    english, spanish = report.sentences["en"][0], report.sentences["es"][0]
    # The pooled figure covers the US only (the UK's 25 and Ireland's 4 are under 30 respondents).
    assert "of US physicians say it would not help them (80 US physicians" in english
    assert "when asked" not in english and "95% credibility interval" in english
    assert "de los médicos" in spanish and "considera que no le ayudaría (80 médicos" in spanish


@pytest.mark.documents
@pytest.mark.slow
def test_feed_and_api_links_come_from_public_url_not_the_host_header(client, session, hasher, app):
    from polling.press.service import build_report

    app.config["PUBLIC_URL"] = "https://pulse.example.org"
    poll = closed_poll(session, hasher)
    report = build_report(session, poll.id)
    report.status, report.published_at = "published", utcnow()
    session.commit()
    report_id = report.id
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    feed = client.get("/press/feed.atom", headers=forged).data.decode()
    listed = client.get("/api/v1/press/reports", headers=forged).json
    assert "evil.example" not in feed and f"https://pulse.example.org/press/{report_id}" in feed
    assert listed[0]["url"] == f"https://pulse.example.org/press/{report_id}"
    assert all(link.startswith("https://pulse.example.org/") for link in listed[0]["downloads"].values())


@pytest.mark.slow
def test_cli_report_build_refuses_an_open_poll_unless_it_is_a_preview(runner, session, hasher, tmp_path):
    poll = make_poll(session, hasher, countries=["US"])
    add_votes(session, poll, [("US", "family_medicine", "male", "35-44", 0, 40)])
    refused = runner.invoke(args=["report", "build", str(poll.id), "--out", str(tmp_path / "no")])
    assert refused.exit_code == 1 and "not closed" in refused.output and "--preview" in refused.output
    assert not (tmp_path / "no").exists()
    preview = runner.invoke(args=["report", "build", str(poll.id), "--out", str(tmp_path / "p"), "--preview"])
    assert preview.exit_code == 0, preview.output
    assert "PREVIEW" in preview.output and (tmp_path / "p" / "report.json").is_file()
