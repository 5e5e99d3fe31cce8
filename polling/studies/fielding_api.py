"""The studies API (`/api/v1`): fielding — staff review, and the invitation summary.

A client reads only counts by disposition, never who was invited; another organisation's study is
a 404, like a missing one.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from polling.db import get_session
from polling.studies import STUDY_ID, dispositions, fielding, review
from polling.studies.models import DISPOSITIONS, Study
from polling.studies.service import get_study

bp = Blueprint("fielding_api", __name__, description="Research clients' studies: fielding")


def _counts_field() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(DISPOSITIONS)),
        values=fields.Integer(),
        metadata={"description": "Invitees per disposition (every disposition, zeros included)."},
    )


class InvitationSummarySchema(Schema):
    study_id = fields.Integer()
    invited = fields.Integer(metadata={"description": "Invitees in all waves."})
    waves = fields.Integer()
    dispositions = _counts_field()
    by_country = fields.Dict(
        keys=fields.String(),
        values=_counts_field(),
        metadata={"description": "The same, per target country."},
    )


class ReviewedStudySchema(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    survey_id = fields.Integer(allow_none=True)
    review_comment = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)


class ReturnSchema(Schema):
    comment = fields.String(
        required=True,
        validate=validate.Length(min=1, max=4000),
        metadata={"description": "What the client should change; they see it with the study."},
    )


@bp.route(f"/studies/{STUDY_ID}/invitations")
class Invitations(MethodView):
    @bp.response(200, InvitationSummarySchema)
    @bp.alt_response(403, description="Only the study's clients and fielding staff read it.")
    @bp.alt_response(404, description="No such study, or one of another organisation.")
    def get(self, study_id: int) -> ResponseReturnValue:
        """Invitation counts by disposition (AAPOR), overall and per country; never who was invited."""
        session = get_session()
        study = get_study(session, g.api_user, study_id)
        return dispositions.summary(session, study.id)


@bp.route("/staff/studies")
class ReviewQueue(MethodView):
    @bp.response(200, ReviewedStudySchema(many=True))
    @bp.alt_response(403, description="Not fielding staff.")
    def get(self) -> list[Study]:
        """Fielding staff: the submitted studies waiting for review, longest waiting first."""
        return review.queue(get_session(), g.api_user)


@bp.route(f"/studies/{STUDY_ID}/approve")
class Approval(MethodView):
    @bp.response(200, ReviewedStudySchema)
    @bp.alt_response(403, description="Not fielding staff.")
    @bp.alt_response(404, description="No such study.")
    @bp.alt_response(409, description="The study is not submitted, or a country has no fair-market value.")
    @bp.alt_response(422, description="The questionnaire or field window cannot be fielded (field named).")
    def post(self, study_id: int) -> Study:
        """Fielding staff: approve; the paid survey goes in field and the first wave is invited."""
        study = review.approve(get_session(), g.api_user, study_id)
        fielding.launch(current_app._get_current_object(), study)  # type: ignore[attr-defined]
        return study


@bp.route(f"/studies/{STUDY_ID}/return")
class Return(MethodView):
    @bp.arguments(ReturnSchema)
    @bp.response(200, ReviewedStudySchema)
    @bp.alt_response(403, description="Not fielding staff.")
    @bp.alt_response(404, description="No such study.")
    @bp.alt_response(409, description="The study is not submitted.")
    def post(self, body: dict[str, Any], study_id: int) -> Study:
        """Fielding staff: send the study back to its client with comments."""
        return review.send_back(get_session(), g.api_user, study_id, body["comment"])
