"""The studies API (`/api/v1/studies`): fieldwork (dispositions, AAPOR rates, quotas) and staff controls."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from polling.db import get_session
from polling.respondents.keys import current_keys
from polling.studies import STUDY_ID, dashboard, field_controls
from polling.studies.dashboard_schemas import (
    FieldworkActionSchema,
    FieldworkExtensionSchema,
    FieldworkSchema,
    FieldworkStatusSchema,
)
from polling.studies.models import Study

bp = Blueprint("dashboard_api", __name__, description="Research clients' studies: fieldwork and its controls")


def _status(study: Study) -> dict[str, Any]:
    return {"id": study.id, "status": study.status, "field_end": study.field_end}


@bp.route(f"/studies/{STUDY_ID}/fieldwork")
class Fieldwork(MethodView):
    @bp.response(200, FieldworkSchema)
    @bp.alt_response(404, description="No such study, or one of another organisation.")
    def get(self, study_id: int) -> dict[str, Any]:
        """Live fieldwork: cells, dispositions, AAPOR rates with e and its estimation, incidence,
        median length, drop-off and completes per day, for the study and per country."""
        return dashboard.body(dashboard.fieldwork(get_session(), g.api_user, study_id))


@bp.route(f"/studies/{STUDY_ID}/fieldwork/pause")
class FieldworkPause(MethodView):
    @bp.arguments(FieldworkActionSchema)
    @bp.response(200, FieldworkStatusSchema)
    @bp.alt_response(409, description="The study is not in field.")
    def post(self, body: dict[str, Any], study_id: int) -> dict[str, Any]:
        """Staff: pause the study (no invitations or answers until resumed)."""
        return _status(field_controls.pause(get_session(), g.api_user, study_id, body["comment"]))


@bp.route(f"/studies/{STUDY_ID}/fieldwork/resume")
class FieldworkResume(MethodView):
    @bp.arguments(FieldworkActionSchema)
    @bp.response(200, FieldworkStatusSchema)
    @bp.alt_response(409, description="The study is not paused.")
    def post(self, body: dict[str, Any], study_id: int) -> dict[str, Any]:
        """Staff: resume a paused study."""
        return _status(field_controls.resume(get_session(), g.api_user, study_id, body["comment"]))


@bp.route(f"/studies/{STUDY_ID}/fieldwork/extension")
class FieldworkExtension(MethodView):
    @bp.arguments(FieldworkExtensionSchema)
    @bp.response(200, FieldworkStatusSchema)
    @bp.alt_response(409, description="The study is not in field or paused.")
    @bp.alt_response(422, description="field_end is not later than the current last field day.")
    def post(self, body: dict[str, Any], study_id: int) -> dict[str, Any]:
        """Staff: move the last field day later (the survey closes at the next midnight UTC)."""
        study = field_controls.extend(get_session(), g.api_user, study_id, body["field_end"], body["comment"])
        return _status(study)


@bp.route(f"/studies/{STUDY_ID}/fieldwork/closure")
class FieldworkClosure(MethodView):
    @bp.arguments(FieldworkActionSchema)
    @bp.response(200, FieldworkStatusSchema)
    @bp.alt_response(409, description="The study is not in field or paused.")
    def post(self, body: dict[str, Any], study_id: int) -> dict[str, Any]:
        """Staff: close the study for good (no more invitations or answers; partials settled)."""
        study = field_controls.close(get_session(), g.api_user, current_keys(), study_id, body["comment"])
        return _status(study)
