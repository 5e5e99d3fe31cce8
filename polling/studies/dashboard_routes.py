"""Web pages of research clients' studies: the field dashboard, and staff's pause, extend and close."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, ValidationError

from polling import policies
from polling.db import get_session
from polling.errors import InvalidInput
from polling.respondents.keys import current_keys
from polling.studies import STUDY_ID, dashboard, dashboard_chart, field_controls
from polling.studies.dashboard_schemas import FieldworkActionSchema, FieldworkExtensionSchema
from sampling.codes import country_name

bp = Blueprint("dashboard", __name__)


def _form(schema: Schema) -> dict[str, Any]:
    try:
        data: dict[str, Any] = schema.load(request.form.to_dict(flat=True))
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"form": exc.messages}
        raise InvalidInput(
            _("Some fields are not valid."),
            fields={str(k): v if isinstance(v, list) else [str(v)] for k, v in messages.items()},
        ) from None
    return data


def _page(study_id: int, errors: dict[str, list[object]] | None = None) -> ResponseReturnValue:
    board = dashboard.fieldwork(get_session(), current_user, study_id)
    data = dashboard.body(board)
    target = sum(cell.target for cell in board.study.cells) or board.study.sample_size or None
    days = board.total.completes_by_day
    return render_template(
        "studies/dashboard.html",
        data=data,
        study=board.study,
        # no chart to draw before the first complete (the table says so)
        chart_src=dashboard_chart.image_src(dashboard_chart.completes_figure(days, target)) if days else None,
        chart_alt=dashboard_chart.alt_text(days, target),
        staff=policies.can(current_user, "study.manage", board.study),
        country_name=country_name,
        errors=errors or {},
        form=request.form,
    ), (422 if errors else 200)


@bp.get(f"/studies/{STUDY_ID}/dashboard")
def show(study_id: int) -> ResponseReturnValue:
    """The field dashboard: quotas, dispositions, AAPOR rates, incidence, length, drop-off, completes."""
    return _page(study_id)


@bp.post(f"/studies/{STUDY_ID}/dashboard/pause")
def pause(study_id: int) -> ResponseReturnValue:
    """Staff: pause the study (no invitations, no answers) until resumed."""
    data = _form(FieldworkActionSchema(unknown="exclude"))
    field_controls.pause(get_session(), current_user, study_id, data["comment"])
    flash(_("The study is paused: no invitations go out and the survey takes no answers."))
    return redirect(url_for("dashboard.show", study_id=study_id))


@bp.post(f"/studies/{STUDY_ID}/dashboard/resume")
def resume(study_id: int) -> ResponseReturnValue:
    """Staff: resume a paused study."""
    data = _form(FieldworkActionSchema(unknown="exclude"))
    field_controls.resume(get_session(), current_user, study_id, data["comment"])
    flash(_("The study is in field again."))
    return redirect(url_for("dashboard.show", study_id=study_id))


@bp.post(f"/studies/{STUDY_ID}/dashboard/extend")
def extend(study_id: int) -> ResponseReturnValue:
    """Staff: move the study's last field day later."""
    try:
        data = _form(FieldworkExtensionSchema(unknown="exclude"))
        study = field_controls.extend(
            get_session(), current_user, study_id, data["field_end"], data["comment"]
        )
    except InvalidInput as exc:
        return _page(study_id, exc.fields)
    flash(_("Fieldwork now ends on %(day)s.", day=study.field_end.isoformat() if study.field_end else ""))
    return redirect(url_for("dashboard.show", study_id=study_id))


@bp.post(f"/studies/{STUDY_ID}/dashboard/close")
def close(study_id: int) -> ResponseReturnValue:
    """Staff: close the study for good (no more invitations or answers)."""
    data = _form(FieldworkActionSchema(unknown="exclude"))
    field_controls.close(get_session(), current_user, current_keys(), study_id, data["comment"])
    flash(_("The study is closed: no more invitations or answers."))
    return redirect(url_for("dashboard.show", study_id=study_id))
