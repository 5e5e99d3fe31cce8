"""The press room (public) and the staff's report workflow."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from polling import content_security_policy
from polling.accounts.models import User
from polling.db import get_session
from polling.errors import InvalidInput
from polling.jobs import submit
from polling.polls import service as polls
from polling.polls.models import TOPICS
from polling.press import feed, service
from polling.press.models import Report
from polling.press.service import public_url
from sampling.codes import COUNTRIES

bp = Blueprint("press", __name__)
ID = "<int(max=2147483647):report_id>"


def _journalist() -> User | None:
    return current_user if current_user.is_authenticated and current_user.role == "journalist" else None


@bp.get("/press")
def index() -> ResponseReturnValue:
    """Published poll reports, newest first, filterable by country, topic and date."""
    session = get_session()
    journalist = _journalist()
    errors: dict[str, list[object]] = {}
    try:
        wanted = service.parse_filter(request.args.to_dict())
    except InvalidInput as exc:
        errors, wanted = exc.fields, service.PressFilter()
    reports = service.published(session, wanted, user=journalist)
    since = None
    follows: list[str] = []
    if journalist is not None:
        follows = service.followed_topics(session, journalist)
        since = service.mark_visit(session, journalist)
    return render_template(
        "press/index.html",
        reports=reports,
        wanted=wanted,
        errors=errors,
        since=since,
        follows=follows,
        countries=COUNTRIES,
        topics=TOPICS,
    ), (400 if errors else 200)


@bp.post("/press/follow")
def follow() -> ResponseReturnValue:
    """A journalist chooses the topics to follow."""
    session = get_session()
    service.set_follows(session, current_user, request.form.getlist("topics"))
    flash(_("Your followed topics are saved."))
    return redirect(url_for("press.index"))


@bp.get(f"/press/{ID}")
def show(report_id: int) -> ResponseReturnValue:
    """One report: headline sentences, interactive chart, tables, disclosure, downloads."""
    session = get_session()
    return _report_page(session, service.public_report(session, report_id), preview=False)


def _report_page(session: Session, report: Report, *, preview: bool) -> Response:
    locale = "es" if str(get_locale()).startswith("es") else "en"
    fragment = service.report_file(session, report, f"fragment.{locale}.html").content.decode()
    response = make_response(
        render_template("press/show.html", report=report, fragment=fragment, locale=locale, preview=preview)
    )
    response.headers["Content-Security-Policy"] = content_security_policy()
    return response


@bp.get(f"/press/{ID}/<any({','.join(repr(n) for n in service.DOWNLOADS)}):name>")
def download(report_id: int, name: str) -> ResponseReturnValue:
    """A report's file: PDF, CSV, XLSX, JSON or the standalone HTML."""
    session = get_session()
    found = service.report_file(session, service.public_report(session, report_id), name)
    response = Response(found.content, mimetype=found.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="pulse-poll-{report_id}-{name}"'
    return response


@bp.get("/press/feed.atom")
def atom() -> ResponseReturnValue:
    """An Atom feed of newly published reports."""
    reports = service.published(get_session(), limit=50)
    return Response(
        feed.atom(reports, base_url=public_url()),
        mimetype="application/atom+xml; charset=utf-8",
    )


@bp.get("/staff/reports")
def manage() -> ResponseReturnValue:
    """Closed polls and their reports: build, preview, publish, withdraw."""
    session = get_session()
    closed = [p for p in polls.all_polls(session) if polls.state(p) == "closed"]
    return render_template("press/manage.html", polls=closed, reports=service.reports_of_poll(session))


@bp.post("/staff/polls/<int(max=2147483647):poll_id>/report")
def build(poll_id: int) -> ResponseReturnValue:
    """Build the poll's report: now, or on the worker queue when Redis is configured."""
    done = submit(current_app._get_current_object(), "build_report", poll_id)  # type: ignore[attr-defined]
    if done.inline:
        flash(_("The report is built: check the preview, then publish it."))
        return redirect(url_for("press.preview", report_id=done.result))
    flash(_("The report is being built by a worker; refresh this page in a minute."))
    return redirect(url_for("press.manage"))


@bp.get(f"/staff/reports/{ID}")
def preview(report_id: int) -> ResponseReturnValue:
    """Staff preview: exactly what the press room will show, with its input hash."""
    session = get_session()
    return _report_page(session, service.get_report(session, report_id), preview=True)


@bp.post(f"/staff/reports/{ID}/status")
def set_status(report_id: int) -> ResponseReturnValue:
    """Publish or withdraw a report."""
    session = get_session()
    action = request.form.get("action", "")
    if action == "publish":
        service.publish(session, current_user, report_id)
        message = _("The report is published in the press room.")
    elif action == "withdraw":
        service.withdraw(session, current_user, report_id)
        message = _("The report is withdrawn from the press room.")
    else:
        raise InvalidInput.for_field("action", _("Choose publish or withdraw."))
    flash(message)
    return redirect(url_for("press.manage"))
