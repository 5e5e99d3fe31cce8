"""The studies API (`/api/v1/studies`): feasibility and the quote."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from polling.db import get_session
from polling.studies import STUDY_ID, pricing, service
from polling.studies.feasibility import feasibility

bp = Blueprint("pricing_api", __name__, description="Research clients' studies: pricing")
STUDY = f"/studies/{STUDY_ID}"


class CellFeasibilitySchema(Schema):
    cell_id = fields.Integer(required=True)
    country = fields.String(required=True)
    specialty = fields.String(required=True)
    sex = fields.String(allow_none=True)
    age_band = fields.String(allow_none=True)
    label = fields.String(required=True)
    target = fields.Integer(required=True)
    eligible = fields.Integer(required=True, metadata={"description": "Verified members eligible now."})
    past_invitations = fields.Integer(required=True)
    past_completes = fields.Integer(required=True)
    from_prior_only = fields.Boolean(required=True, metadata={"description": "No history: the prior alone."})
    response_rate = fields.Float(required=True, metadata={"description": "Posterior mean, a fraction."})
    response_rate_low = fields.Float(required=True, metadata={"description": "10th percentile."})
    response_rate_high = fields.Float(required=True, metadata={"description": "90th percentile."})
    expected_completes = fields.Float(
        required=True, metadata={"description": "Inviting every eligible member."}
    )
    expected_completes_low = fields.Integer(required=True)
    expected_completes_high = fields.Integer(required=True)
    probability_of_target = fields.Float(required=True)
    invitations_needed = fields.Integer(required=True)
    field_days = fields.Integer(allow_none=True, metadata={"description": "None: the cell cannot be filled."})
    field_days_low = fields.Integer(allow_none=True)
    field_days_high = fields.Integer(allow_none=True)
    status = fields.String(required=True, metadata={"description": "fillable, at_risk or short."})
    suggestions = fields.List(fields.String(), required=True, metadata={"description": "What would fill it."})


class FeasibilitySchema(Schema):
    study_id = fields.Integer(required=True)
    window_days = fields.Integer(allow_none=True)
    eligible = fields.Integer(required=True)
    target = fields.Integer(required=True)
    invitations_needed = fields.Integer(required=True)
    method = fields.String(required=True)
    cells = fields.List(fields.Nested(CellFeasibilitySchema), required=True)


class QuoteLineSchema(Schema):
    cell_id = fields.Integer(required=True)
    label = fields.String(required=True)
    country = fields.String(required=True)
    specialty = fields.String(required=True)
    specialty_group = fields.String(required=True)
    completes = fields.Integer(required=True)
    invitations = fields.Integer(required=True)
    honorarium_currency = fields.String(required=True)
    honorarium_minor = fields.Integer(required=True, metadata={"description": "In the country's currency."})
    honorarium_client_minor = fields.Integer(
        required=True, metadata={"description": "In the quote's currency."}
    )
    honoraria_minor = fields.Integer(required=True)


class QuoteSchema(Schema):
    study_id = fields.Integer(required=True)
    title = fields.String(required=True)
    organisation = fields.String(required=True)
    currency = fields.String(required=True, metadata={"description": "Every *_minor amount is in it."})
    length_minutes = fields.Integer(required=True)
    issued_on = fields.String(required=True)
    lines = fields.List(fields.Nested(QuoteLineSchema), required=True)
    completes = fields.Integer(required=True)
    invitations = fields.Integer(required=True)
    honoraria_minor = fields.Integer(required=True)
    fee_per_complete_minor = fields.Integer(required=True)
    fee_per_invitation_minor = fields.Integer(required=True)
    fee_completes_minor = fields.Integer(required=True)
    fee_invitations_minor = fields.Integer(required=True)
    project_fee_minor = fields.Integer(required=True)
    fees_minor = fields.Integer(required=True)
    total_minor = fields.Integer(required=True)
    total_shown = fields.String(
        required=True, metadata={"description": 'The total as shown, e.g. "EUR 3,598.70".'}
    )
    rates_on = fields.String(allow_none=True, metadata={"description": "Day of the exchange rates used."})
    rates = fields.Dict(
        keys=fields.String(), values=fields.Float(), metadata={"description": "Units per euro."}
    )
    rate_source = fields.String(required=True)
    value_sources = fields.List(fields.String(), required=True)


@bp.route(f"{STUDY}/feasibility")
class Feasibility(MethodView):
    @bp.response(200, FeasibilitySchema)
    @bp.alt_response(404, description="No such study, or one of another organisation.")
    def get(self, study_id: int) -> dict[str, Any]:
        """Feasibility per target cell: eligible members, response rate, expected completes and field days."""
        session = get_session()
        study = service.get_study(session, g.api_user, study_id)
        return feasibility(session, study).as_dict()


@bp.route(f"{STUDY}/quote")
class Quote(MethodView):
    @bp.response(200, QuoteSchema)
    @bp.alt_response(404, description="No such study, or one of another organisation.")
    @bp.alt_response(409, description="A cell has no fair-market value, or a currency no exchange rate.")
    def get(self, study_id: int) -> dict[str, Any]:
        """The quote: honoraria per cell, Pulse's fee and the total in the organisation's currency."""
        session = get_session()
        study = service.get_study(session, g.api_user, study_id)
        return pricing.quote(session, study).as_dict()
