"""Marshmallow schemas of the polls API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class OptionSchema(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True, metadata={"description": "In the caller's language."})


class PollSchema(Schema):
    id = fields.Integer(required=True)
    question = fields.String(required=True, metadata={"description": "In the caller's language."})
    multiple = fields.Boolean(required=True, metadata={"description": "Several options may be chosen."})
    topic = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "scheduled, open or closed"})
    featured = fields.Boolean(required=True)
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)
    countries = fields.List(fields.String(), required=True, metadata={"description": "Empty: every country."})
    specialties = fields.List(
        fields.String(), required=True, metadata={"description": "Empty: every specialty."}
    )
    options = fields.List(fields.Nested(OptionSchema), required=True)
    voted = fields.Boolean(allow_none=True, metadata={"description": "Whether the calling member has voted."})


class VoteRequestSchema(Schema):
    options = fields.List(
        fields.Integer(strict=True),
        required=True,
        validate=validate.Length(min=1, max=10, error="Choose between 1 and 10 options."),
        metadata={"description": "The chosen option ids; exactly one for a single-choice poll."},
    )


class VoteSchema(Schema):
    poll_id = fields.Integer(required=True)
    options = fields.List(fields.Integer(), required=True)
    cast_at = fields.DateTime(required=True)


class PrecisionSchema(Schema):
    text = fields.String(required=True, metadata={"description": "As printed: '±4.2' or '0–9%'."})
    half_width = fields.Float(
        allow_none=True, metadata={"description": "± half-width (0–1), or null for a range."}
    )
    low = fields.Float(allow_none=True, metadata={"description": "Lower bound of a range (0–1)."})
    high = fields.Float(allow_none=True, metadata={"description": "Upper bound of a range (0–1)."})


class ShareSchema(Schema):
    option_id = fields.Integer(required=True)
    label = fields.String(required=True)
    votes = fields.Integer(
        allow_none=True, metadata={"description": "Respondents who chose the option (staff only)."}
    )
    raw_share = fields.Float(allow_none=True, metadata={"description": "Unweighted share (staff only)."})
    weighted_share = fields.Float(allow_none=True, metadata={"description": "As published: rounded."})
    precision = fields.Nested(PrecisionSchema, allow_none=True)


class BreakdownRowSchema(Schema):
    group = fields.String(required=True)
    label = fields.String(required=True)
    n = fields.Integer(
        allow_none=True, metadata={"description": "Null when suppressed (fewer than 10 respondents)."}
    )
    suppressed = fields.Boolean(required=True)
    small_base = fields.Boolean(
        required=True, metadata={"description": "Base under 60 (or effective n under 60): read with care."}
    )
    pooled = fields.Boolean(required=True, metadata={"description": "Part of the pooled figures."})
    shares = fields.Dict(
        keys=fields.String(),
        values=fields.Float(allow_none=True),
        metadata={"description": "Weighted share by option id; null under 30 respondents."},
    )
    precision = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(PrecisionSchema, allow_none=True),
        metadata={"description": "95% credibility interval by option id."},
    )


class ResultsSchema(Schema):
    poll_id = fields.Integer(required=True)
    state = fields.String(required=True)
    n = fields.Integer(required=True)
    effective_n = fields.Float(allow_none=True)
    design_effect = fields.Float(allow_none=True)
    precision_label = fields.String(required=True, metadata={"description": "What each precision figure is."})
    multiple = fields.Boolean(required=True, metadata={"description": "Shares may add to more than 100%."})
    pooled_countries = fields.List(fields.String(), required=True)
    weighting = fields.String(required=True)
    options = fields.List(fields.Nested(ShareSchema), required=True)
    by_country = fields.List(fields.Nested(BreakdownRowSchema), required=True)
    by_specialty_group = fields.List(fields.Nested(BreakdownRowSchema), required=True)
