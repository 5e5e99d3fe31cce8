"""Marshmallow schemas of the field dashboard (``GET /studies/{id}/fieldwork``) and staff controls.

The staff forms on the dashboard page load through the same input schemas as the API.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from polling.studies.models import DISPOSITIONS
from sampling.aapor import RATE_NAMES

_SHARE = {"description": "A fraction in [0, 1]; null where its denominator is zero."}


class FieldworkCellSchema(Schema):
    country = fields.String()
    specialty = fields.String()
    sex = fields.String(allow_none=True)
    age_band = fields.String(allow_none=True)
    target = fields.Integer(metadata={"description": "Completes wanted in the cell (the quota)."})
    invited = fields.Integer()
    completes = fields.Integer(
        metadata={"description": "Invitees of the cell whose disposition is complete."}
    )


class FieldworkQuotaSchema(Schema):
    name = fields.String()
    countries = fields.List(fields.String())
    target = fields.Integer()
    filled = fields.Integer(metadata={"description": "Completes counted in the quota cell."})
    over_quota = fields.Integer()


class FieldworkDaySchema(Schema):
    day = fields.Date()
    completes = fields.Integer()
    cumulative = fields.Integer()


class FieldworkDropOffSchema(Schema):
    page = fields.String()
    in_progress = fields.Integer(metadata={"description": "Unfinished responses on this page."})


class FieldworkQualitySchema(Schema):
    removed = fields.Integer(metadata={"description": "Completes removed by quality review."})
    awaiting_review = fields.Integer()
    flags = fields.Dict(keys=fields.String(), values=fields.Integer())


class FieldworkScopeSchema(Schema):
    country = fields.String(allow_none=True, metadata={"description": "null: the whole study."})
    dispositions = fields.Dict(
        keys=fields.String(validate=validate.OneOf(DISPOSITIONS)),
        values=fields.Integer(),
        metadata={"description": "Invitees by Pulse disposition."},
    )
    aapor_counts = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "The same invitees in AAPOR's codes I, P, R, NC, O, UH, UO, NE."},
    )
    rates = fields.Dict(
        keys=fields.String(validate=validate.OneOf(RATE_NAMES)),
        values=fields.Float(allow_none=True),
        metadata={"description": "RR1-RR6, COOP1-4, REF1-3, CON1-3, conditional on panel membership."},
    )
    e = fields.Float(allow_none=True, metadata={"description": "Eligible share of unknowns used (e_method)."})
    invitations = fields.Integer()
    usable_completes = fields.Integer()
    participation_rate = fields.Float(allow_none=True, metadata=_SHARE)
    eligible = fields.Integer()
    screened = fields.Integer()
    incidence = fields.Float(allow_none=True, metadata=_SHARE)
    cells = fields.List(fields.Nested(FieldworkCellSchema))
    quotas = fields.List(fields.Nested(FieldworkQuotaSchema))
    completes_by_day = fields.List(fields.Nested(FieldworkDaySchema))
    median_loi_minutes = fields.Float(allow_none=True)
    quality = fields.Nested(FieldworkQualitySchema)
    drop_off = fields.List(
        fields.Nested(FieldworkDropOffSchema),
        allow_none=True,
        metadata={"description": "Study-wide only (null per country): unfinished responses keep no country."},
    )


class FieldworkSchema(Schema):
    study_id = fields.Integer()
    title = fields.String()
    status = fields.String()
    survey_state = fields.String(allow_none=True)
    field_start = fields.Date(allow_none=True)
    field_end = fields.Date(allow_none=True)
    aapor_codes = fields.Dict(keys=fields.String(), values=fields.String())
    e_method = fields.String()
    rates_note = fields.String()
    incidence_definition = fields.String()
    total = fields.Nested(FieldworkScopeSchema)
    countries = fields.List(fields.Nested(FieldworkScopeSchema))


class FieldworkActionSchema(Schema):
    """Pause, resume or close: an optional note kept with the study's history."""

    comment = fields.String(load_default="", validate=validate.Length(max=1000))


class FieldworkExtensionSchema(FieldworkActionSchema):
    field_end = fields.Date(
        required=True, metadata={"description": "The new last field day (later than the current one)."}
    )


class FieldworkStatusSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    field_end = fields.Date(allow_none=True)
