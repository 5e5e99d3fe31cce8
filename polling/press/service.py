"""The press room: building, publishing and withdrawing poll reports; what journalists see.

``build_report`` turns a closed poll's votes into the public documents with ``reports`` and stores
them, so the press room serves files without rebuilding them and the numbers never change under
a published report.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from polling import jobs, policies
from polling.accounts.models import User
from polling.db import utcnow
from polling.errors import Conflict, Forbidden, InvalidInput, NotFound
from polling.polls import extract, results
from polling.polls import service as polls
from polling.polls.labels import state_name
from polling.polls.models import TOPICS, Poll
from polling.press.models import Report, ReportFile, TopicFollow
from reports import __version__ as reports_version
from reports.build import build_poll_report
from reports.inputs import Release
from reports.presentation import html_fragment
from sampling.codes import COUNTRIES

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: Files journalists may download, by name.
DOWNLOADS = (
    "report.pdf",
    "report.es.pdf",
    "tables.csv",
    "tables.xlsx",
    "report.json",
    "report.html",
    "report.es.html",
)


def public_url() -> str:
    """Pulse's public address (the PUBLIC_URL setting), never the request's Host header."""
    configured = current_app.config.get("PUBLIC_URL") if has_app_context() else None
    return str(configured or "http://127.0.0.1:5000").rstrip("/")


def press_contact() -> str:
    """Where journalists write (the PRESS_CONTACT setting)."""
    configured = current_app.config.get("PRESS_CONTACT") if has_app_context() else None
    return str(configured or "press@pulse.invalid")


def build_report(session: Session, poll_id: int) -> Report:
    """Build (or rebuild) the public report of a closed poll as a draft; returns it.

    Raises:
        Conflict: the poll has not closed, has no votes, or its votes no longer fit its
            settings (the message says what to do instead of a 500).
    """
    poll = polls.get_poll(session, poll_id)
    if polls.state(poll) != "closed":
        raise Conflict(
            _l(
                "Reports are built once a poll has closed; this one is %(state)s.",
                state=state_name(polls.state(poll)),
            )
        )
    responses = extract.responses(extract.vote_cells(session, poll), poll)
    if responses.empty:
        raise Conflict(_l("This poll has no votes, so there is nothing to report."))
    meta = extract.poll_meta(poll)
    report = session.scalar(select(Report).where(Report.poll_id == poll.id)) or Report(
        poll_id=poll.id, status="draft"
    )
    if report.id is None:
        _placeholder(report, poll)
        session.add(report)
        session.flush()  # the id is part of the report's URL, printed in its documents
    release = Release(url=f"{public_url()}/press/{report.id}", press_contact=press_contact())
    files: dict[str, bytes] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wording = extract.statements(poll)
            english = build_poll_report(
                meta,
                responses,
                locale=("en",),
                out_dir=Path(tmp) / "en",
                statements=wording,
                release=release,
            )
            spanish = build_poll_report(
                meta,
                responses,
                locale=("es",),
                out_dir=Path(tmp) / "es",
                formats=("pdf", "html"),
                statements=wording,
                release=release,
            )
            for built, suffix in ((english, ""), (spanish, ".es")):
                for path in built.paths.values():
                    name = path.name if not suffix else path.name.replace(".", f"{suffix}.", 1)
                    files[name] = path.read_bytes()
    except ValueError as exc:
        raise Conflict(
            _l("This poll's votes cannot be reported as it is now set up (%(reason)s).", reason=str(exc))
        ) from None
    files["fragment.en.html"] = html_fragment(english.context).encode()
    files["fragment.es.html"] = html_fragment(spanish.context).encode()
    context = english.context
    report.input_hash, report.version, report.topic = context.input_hash, reports_version, poll.topic
    report.countries = " ".join(sorted({row.country for row in context.weighting}))
    report.n = int(context.topline.n or 0)
    report.title_en, report.title_es = poll.question_en, poll.question_es
    report.sentences = {
        "en": [s.text for s in english.context.sentences_in("en")],
        "es": [s.text for s in spanish.context.sentences_in("es")],
    }
    report.fieldwork_start, report.fieldwork_end, report.built_at = poll.opens_at, poll.closes_at, utcnow()
    report.files = [
        ReportFile(name=name, media_type=MEDIA_TYPES[Path(name).suffix], content=content)
        for name, content in sorted(files.items())
    ]
    session.add(report)
    session.flush()
    return report


def _placeholder(report: Report, poll: Poll) -> None:
    """Required columns of a report row before its first build (replaced by the build)."""
    report.input_hash, report.version, report.topic = "", reports_version, poll.topic
    report.countries, report.n = "", 0
    report.title_en, report.title_es, report.sentences = poll.question_en, poll.question_es, {}
    report.fieldwork_start, report.fieldwork_end = poll.opens_at, poll.closes_at


@jobs.register("build_report")
def build_report_job(session: Session, poll_id: int) -> int:
    """The job behind the staff's "Build report" button; returns the report id."""
    return build_report(session, poll_id).id


def publish(session: Session, staff: User, report_id: int) -> Report:
    policies.require(staff, "report.manage")
    report = get_report(session, report_id)
    report.status, report.published_at, report.withdrawn_at = (
        "published",
        report.published_at or utcnow(),
        None,
    )
    session.commit()
    return report


def withdraw(session: Session, staff: User, report_id: int) -> Report:
    policies.require(staff, "report.manage")
    report = get_report(session, report_id)
    if report.status != "published":
        raise Conflict(_l("Only a published report can be withdrawn."))
    report.status, report.withdrawn_at = "withdrawn", utcnow()
    session.commit()
    return report


@results.release_check
def report_published(session: Session, poll_id: int) -> bool:
    """A closed poll's results are public while its report is published."""
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Report)
            .where(Report.poll_id == poll_id, Report.status == "published")
        )
    )


def get_report(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(_l("No report with this number."))
    return report


def public_report(session: Session, report_id: int) -> Report:
    """A report as the press room shows it: published ones only."""
    report = get_report(session, report_id)
    if report.status == "withdrawn":
        raise Withdrawn(
            _l(
                "This report was withdrawn by Pulse on %(when)s and is no longer available.",
                when=report.withdrawn_at.strftime("%Y-%m-%d") if report.withdrawn_at else "",
            )
        )
    if report.status != "published":
        raise NotFound(_l("No report with this number."))
    return report


class Withdrawn(NotFound):
    status = 410
    code = "gone"


def report_file(session: Session, report: Report, name: str) -> ReportFile:
    if name not in DOWNLOADS and not name.startswith("fragment."):
        raise NotFound(_l("No such file: the downloads are %(names)s.", names=", ".join(DOWNLOADS)))
    found = session.get(ReportFile, (report.id, name))
    if found is None:
        raise NotFound(_l("No such file for this report."))
    return found


@dataclass(frozen=True)
class PressFilter:
    country: str | None = None
    topic: str | None = None
    since: date | None = None
    until: date | None = None
    followed: bool = False


def parse_filter(raw: dict[str, str]) -> PressFilter:
    """The press room's filters from query arguments; InvalidInput names a bad one."""
    errors: dict[str, list[object]] = {}
    country = (raw.get("country") or "").upper() or None
    if country is not None and country not in COUNTRIES:
        errors["country"] = [_l("Choose a country from the list.")]
    topic = raw.get("topic") or None
    if topic is not None and topic not in TOPICS:
        errors["topic"] = [_l("Choose a topic from the list.")]
    dates: dict[str, date | None] = {}
    for name in ("since", "until"):
        value = raw.get(name) or None
        try:
            dates[name] = date.fromisoformat(value) if value else None
        except ValueError:
            errors[name] = [_l("Enter a date as YYYY-MM-DD, e.g. 2026-03-31.")]
    if errors:
        raise InvalidInput(_l("The filter was not applied: correct the fields below."), fields=errors)
    return PressFilter(
        country, topic, dates.get("since"), dates.get("until"), raw.get("followed") in {"1", "on"}
    )


def published(
    session: Session, wanted: PressFilter = PressFilter(), *, user: User | None = None, limit: int = 200
) -> list[Report]:
    """Published reports, newest first, filtered."""
    query = select(Report).where(Report.status == "published").options(selectinload(Report.poll))
    if wanted.country:
        query = query.where((" " + Report.countries + " ").contains(f" {wanted.country} "))
    if wanted.topic:
        query = query.where(Report.topic == wanted.topic)
    if wanted.since:
        query = query.where(Report.published_at >= datetime.combine(wanted.since, time.min, UTC))
    if wanted.until:
        query = query.where(Report.published_at <= datetime.combine(wanted.until, time.max, UTC))
    if wanted.followed and user is not None:
        query = query.where(Report.topic.in_(followed_topics(session, user)))
    return list(session.scalars(query.order_by(Report.published_at.desc(), Report.id.desc()).limit(limit)))


def followed_topics(session: Session, user: User) -> list[str]:
    return list(session.scalars(select(TopicFollow.topic).where(TopicFollow.user_id == user.id)))


def set_follows(session: Session, user: User, topics: list[str]) -> None:
    if user.role != "journalist":
        raise Forbidden(_l("Following topics is for journalist accounts."))
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        raise InvalidInput.for_field(
            "topics", _l("Unknown topic %(topic)s: choose from the list.", topic=unknown[0])
        )
    current = set(followed_topics(session, user))
    for topic in current - set(topics):
        session.delete(session.get(TopicFollow, (user.id, topic)))
    for topic in set(topics) - current:
        session.add(TopicFollow(user_id=user.id, topic=topic))
    session.commit()


def mark_visit(session: Session, user: User) -> datetime | None:
    """Record a journalist's visit; returns the previous one (what counts as new)."""
    previous = user.last_press_visit_at
    user.last_press_visit_at = utcnow()
    session.commit()
    return previous


def reports_of_poll(session: Session) -> dict[int, Report]:
    return {r.poll_id: r for r in session.scalars(select(Report))}
