"""Survey pages: consent, one page at a time, the ending; staff: surveys from a file, and quality review."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from polling.db import get_session
from polling.errors import InvalidInput
from polling.respondents.keys import current_keys
from polling.surveys import engine, labels, review, service, taking
from polling.surveys.api import page_body
from polling.surveys.schemas import PageAnswersSchema

bp = Blueprint("surveys", __name__)
labels.register(bp)
SURVEY_ID = "<int(max=2147483647):survey_id>"


def _render(view: taking.TakingView, status: int = 200) -> ResponseReturnValue:
    locale = str(get_locale())
    return (
        render_template(
            "surveys/take.html",
            view=view,
            body=page_body(view, locale),
            topic=engine.localised(view.survey.topic, locale),
            raw=view.raw,
        ),
        status,
    )


@bp.get(f"/surveys/{SURVEY_ID}")
def take(survey_id: int) -> ResponseReturnValue:
    """The survey: consent first, then the page the member is on, or how it ended."""
    return _render(taking.view(get_session(), current_keys(), current_user, survey_id))


@bp.post(f"/surveys/{SURVEY_ID}/consent")
def consent(survey_id: int) -> ResponseReturnValue:
    """Agree to take part and go to the first page."""
    taking.consent(
        get_session(), current_keys(), current_user, survey_id, request.form.get("consent") == "yes"
    )
    return redirect(url_for("surveys.take", survey_id=survey_id))


@bp.post(f"/surveys/{SURVEY_ID}/page")
def answer(survey_id: int) -> ResponseReturnValue:
    """Save the page (every page is saved) and go forward or back; errors are shown next to the fields."""
    session = get_session()
    keys = current_keys()
    current = taking.view(session, keys, current_user, survey_id)
    raw = engine.read_form(current.questions, request.form)
    try:
        data = PageAnswersSchema().load(
            {
                "page": request.form.get("page", ""),
                "step": int(request.form.get("step", "-1")) if request.form.get("step", "").isdigit() else -1,
                "action": request.form.get("action", "next"),
                "confirm_blank": request.form.get("confirm_blank") == "yes",
                "answers": raw,
            }
        )
    except ValidationError as exc:
        message = _("The page could not be read: reload it and answer again.")
        raise InvalidInput(message, fields={str(name): [message] for name in exc.messages}) from None
    view = taking.submit(session, keys, current_user, survey_id, data)
    if view.errors:
        return _render(view, 422)
    if data["action"] == "save":
        flash(_("Your answers are saved. You can come back to this page at any time, on any device."))
    return redirect(url_for("surveys.take", survey_id=survey_id))


# --- staff ----------------------------------------------------------------------------------------


@bp.route("/surveys/manage", methods=["GET", "POST"])
def manage() -> ResponseReturnValue:
    """Staff: every survey; create one from a survey file (JSON)."""
    session = get_session()
    errors: dict[str, list[object]] = {}
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            raw = json.loads(upload.read().decode("utf-8")) if upload else None
        except (UnicodeDecodeError, ValueError):
            raw = None
        if not isinstance(raw, dict):
            errors = {"file": [_("Upload a survey file in JSON (UTF-8).")]}
        else:
            try:
                survey = service.create_survey(session, current_user, raw)
                flash(_("Survey %(id)d created as a draft.", id=survey.id))
                return redirect(url_for("surveys.manage"))
            except InvalidInput as exc:
                errors = exc.fields
    surveys = service.all_surveys(session, current_user)
    return render_template("surveys/manage.html", surveys=surveys, state=service.state, errors=errors), (
        422 if errors else 200
    )


@bp.post(f"/surveys/{SURVEY_ID}/questionnaire")
def replace_questionnaire(survey_id: int) -> ResponseReturnValue:
    """Staff: upload a new questionnaire version for a draft (refused once the survey is in field)."""
    session = get_session()
    upload = request.files.get("file")
    try:
        raw = json.loads(upload.read().decode("utf-8")) if upload else None
    except (UnicodeDecodeError, ValueError):
        raw = None
    try:
        survey = service.replace_questionnaire(session, current_user, survey_id, raw)
    except InvalidInput as exc:
        return render_template(
            "surveys/manage.html",
            surveys=service.all_surveys(session, current_user),
            state=service.state,
            errors=exc.fields,
        ), 422
    flash(
        _("Survey %(id)d now has questionnaire version %(v)d.", id=survey.id, v=survey.questionnaire_version)
    )
    return redirect(url_for("surveys.manage"))


@bp.post(f"/surveys/{SURVEY_ID}/status")
def set_status(survey_id: int) -> ResponseReturnValue:
    """Staff: put a draft in field (its questionnaire freezes), or close a survey in field."""
    session = get_session()
    if request.form.get("to") == "field":
        service.field(session, current_user, survey_id)
    else:
        service.close(session, current_user, survey_id)
    return redirect(url_for("surveys.manage"))


@bp.get("/surveys/review")
def review_queue() -> ResponseReturnValue:
    """Staff: flagged completes waiting for a decision."""
    return render_template("surveys/review.html", flagged=review.queue(get_session(), current_user))


@bp.post("/surveys/review/<int(max=9223372036854775807):response_id>")
def decide(response_id: int) -> ResponseReturnValue:
    """Staff: keep a flagged complete, or remove it (not paid, out of the quotas)."""
    keep = request.form.get("decision") == "keep"
    review.decide(get_session(), current_keys(), current_user, response_id, keep=keep)
    flash(_("The response was kept.") if keep else _("The response was removed and its honorarium reversed."))
    return redirect(url_for("surveys.review_queue"))
