"""Web pages of fielding: staff review of submitted studies, and the links in invitation e-mails."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from polling.db import get_session
from polling.errors import InvalidInput
from polling.studies import STUDY_ID, dispositions, fielding, review
from polling.studies.service import get_study

bp = Blueprint("fielding", __name__)
TOKEN = "<string(maxlength=200):token>"


@bp.get("/staff/studies")
def queue() -> ResponseReturnValue:
    """Fielding staff: the studies waiting for review."""
    return render_template("studies/fielding/queue.html", studies=review.queue(get_session(), current_user))


@bp.get(f"/staff/studies/{STUDY_ID}")
def decision(study_id: int) -> ResponseReturnValue:
    """Fielding staff: one study's brief, cells and history, with approve and send-back forms."""
    session = get_session()
    study = get_study(session, current_user, study_id, "study.manage")
    return render_template(
        "studies/fielding/decision.html",
        study=study,
        events=review.history(session, current_user, study_id),
        counts=dispositions.counts(session, study_id),
        errors={},
    )


@bp.post(f"/staff/studies/{STUDY_ID}/approve")
def approve(study_id: int) -> ResponseReturnValue:
    """Fielding staff: approve; the paid survey goes in field and the first wave is invited."""
    study = review.approve(get_session(), current_user, study_id)
    fielding.launch(current_app._get_current_object(), study)  # type: ignore[attr-defined]
    flash(_("Study %(id)d approved: its survey is in field and invitations are on their way.", id=study.id))
    return redirect(url_for("fielding.queue"))


@bp.post(f"/staff/studies/{STUDY_ID}/return")
def send_back(study_id: int) -> ResponseReturnValue:
    """Fielding staff: send the study back to its client with comments."""
    session = get_session()
    try:
        study = review.send_back(session, current_user, study_id, request.form.get("comment", ""))
    except InvalidInput as exc:
        study = get_study(session, current_user, study_id, "study.manage")
        page = render_template(
            "studies/fielding/decision.html",
            study=study,
            events=review.history(session, current_user, study_id),
            counts=dispositions.counts(session, study_id),
            errors=exc.fields,
        )
        return page, 422
    flash(_("Study %(id)d sent back to its client with your comments.", id=study.id))
    return redirect(url_for("fielding.queue"))


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


@bp.get(f"/study-invitations/{TOKEN}")
def follow(token: str) -> ResponseReturnValue:
    """The invitation e-mail's link: counts as opened, then the survey (log-in first if needed)."""
    survey_id = dispositions.follow_link(get_session(), _secret(), token)
    if survey_id is None:
        abort(404)
    return redirect(url_for("surveys.take", survey_id=survey_id))


@bp.route(f"/study-invitations/{TOKEN}/opt-out", methods=["GET", "POST"])
def opt_out(token: str) -> ResponseReturnValue:
    """The invitation e-mail's opt-out link: a confirmation page, then no more reminders."""
    session = get_session()
    if request.method == "GET":
        if dispositions.invitation_of(session, _secret(), token) is None:
            abort(404)
        return render_template("studies/fielding/opt_out.html", token=token, done=None)
    refused = dispositions.opt_out(session, _secret(), token)
    if refused is None:
        abort(404)
    return render_template("studies/fielding/opt_out.html", token=token, done=refused)
