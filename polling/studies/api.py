"""The studies API (`/api/v1/studies`): a research client drafts, versions and submits studies.

Only clients of the study's organisation reach a study (another organisation's is a 404, like a
missing one); fielding staff may read. Errors name the field by its path (``cells[1].country``).
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from polling.db import get_session
from polling.studies import STUDY_ID, pricing, service
from polling.studies.schemas import BriefSchema, QuestionnaireDocumentSchema, StudySchema, StudyVersionSchema

bp = Blueprint("studies_api", __name__, description="Research clients' studies: drafting and submitting")


class SubmitSchema(Schema):
    comment = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={"description": "An optional note for the staff who review the study."},
    )


def pricer() -> service.Pricer:
    """The quote a submit accepts and freezes: polling.studies.pricing.quote."""
    return pricing.quote


@bp.route("/studies")
class Studies(MethodView):
    @bp.response(200, StudySchema(many=True))
    def get(self) -> ResponseReturnValue:
        """The studies of the caller's organisation, most recently changed first."""
        return [service.study_body(study) for study in service.studies_of(get_session(), g.api_user)]

    @bp.arguments(BriefSchema)
    @bp.response(201, StudySchema)
    @bp.alt_response(422, description="A field of the brief is not valid; errors name it by its path.")
    def post(self, brief: dict[str, Any]) -> ResponseReturnValue:
        """Create a draft study (version 1) from a brief: title, sponsor, target cells, field window …"""
        return service.study_body(service.create_draft(get_session(), g.api_user, brief))


@bp.route(f"/studies/{STUDY_ID}")
class StudyDetail(MethodView):
    @bp.response(200, StudySchema)
    @bp.alt_response(404, description="No such study, or one of another organisation.")
    def get(self, study_id: int) -> ResponseReturnValue:
        """One study: its brief, status, version, accepted quote and the staff's comment."""
        return service.study_body(service.get_study(get_session(), g.api_user, study_id))

    @bp.arguments(BriefSchema)
    @bp.response(200, StudySchema)
    @bp.alt_response(403, description="Not a client of the study's organisation (staff read only).")
    @bp.alt_response(404, description="No such study, or one of another organisation.")
    @bp.alt_response(409, description="The study is no longer a draft or returned.")
    @bp.alt_response(422, description="A field of the brief is not valid; errors name it by its path.")
    def put(self, brief: dict[str, Any], study_id: int) -> ResponseReturnValue:
        """Replace the brief of a draft (or returned) study: a new version."""
        return service.study_body(service.save_draft(get_session(), g.api_user, study_id, brief))


@bp.route(f"/studies/{STUDY_ID}/questionnaire")
class StudyQuestionnaire(MethodView):
    @bp.arguments(QuestionnaireDocumentSchema)
    @bp.response(200, StudySchema)
    @bp.alt_response(403, description="Not a client of the study's organisation (staff read only).")
    @bp.alt_response(404, description="No such study, or one of another organisation.")
    @bp.alt_response(409, description="The study is no longer a draft or returned.")
    @bp.alt_response(
        422,
        description="The questionnaire is refused: errors.questionnaire lists each problem with its path.",
    )
    def put(self, document: dict[str, Any], study_id: int) -> ResponseReturnValue:
        """Upload or replace the questionnaire (the document of /api/v1/schemas/questionnaire): a new version."""
        return service.study_body(service.set_questionnaire(get_session(), g.api_user, study_id, document))


@bp.route(f"/studies/{STUDY_ID}/versions")
class StudyVersions(MethodView):
    @bp.response(200, StudyVersionSchema(many=True))
    @bp.alt_response(404, description="No such study, or one of another organisation.")
    def get(self, study_id: int) -> ResponseReturnValue:
        """Every saved version of the study, newest first, each with the whole brief as saved."""
        return [
            {"version": v.version, "saved_at": v.saved_at, "saved_by": email, "document": v.document}
            for v, email in service.versions(get_session(), g.api_user, study_id)
        ]


@bp.route(f"/studies/{STUDY_ID}/submit")
class StudySubmission(MethodView):
    @bp.arguments(SubmitSchema)
    @bp.response(200, StudySchema)
    @bp.alt_response(403, description="Not a client of the study's organisation.")
    @bp.alt_response(404, description="No such study, or one of another organisation.")
    @bp.alt_response(409, description="Already submitted (or approved, in field …), or no quote available.")
    @bp.alt_response(422, description="No questionnaire, no target cell or no field window (each named).")
    def post(self, body: dict[str, Any], study_id: int) -> ResponseReturnValue:
        """Accept the current quote and submit the study for staff review (frozen in accepted_quote)."""
        study = service.submit(get_session(), g.api_user, study_id, pricer(), body.get("comment", ""))
        return service.study_body(study)
