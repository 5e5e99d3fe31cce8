"""Marshmallow schemas: the survey file staff upload, and the surveys API for the mobile app."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from polling.ledger.models import CURRENCIES
from sampling.codes import AGE_BANDS, COUNTRIES, PRACTICE_BANDS, SEXES
from sampling.taxonomy import SPECIALTIES

_LOCALE_TEXT = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.Length(1, 300)))


class HonorariumSchema(Schema):
    country = fields.String(required=True, validate=validate.OneOf(list(COUNTRIES)))
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES))
    amount_minor = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(1, 10_000_000),
        metadata={"description": "In minor units: 5000 is 50.00."},
    )


class QuotaConditionsSchema(Schema):
    country = fields.List(fields.String(validate=validate.OneOf(list(COUNTRIES))))
    specialty = fields.List(fields.String(validate=validate.OneOf(list(SPECIALTIES))))
    sex = fields.List(fields.String(validate=validate.OneOf(SEXES)))
    age_band = fields.List(fields.String(validate=validate.OneOf(AGE_BANDS)))
    practice_band = fields.List(fields.String(validate=validate.OneOf(PRACTICE_BANDS)))
    answers = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class QuotaSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 80))
    conditions = fields.Nested(QuotaConditionsSchema, required=True)
    target = fields.Integer(required=True, strict=True, validate=validate.Range(1, 1_000_000))
    hard = fields.Boolean(load_default=True)


class SurveyInputSchema(Schema):
    """A survey file: what staff upload to create a survey."""

    topic = fields.Dict(
        keys=fields.String(validate=validate.OneOf(["en", "es"])),
        values=fields.String(validate=validate.Length(1, 200)),
        required=True,
        validate=validate.Length(min=2, error="Give the topic in English and Spanish."),
    )
    sponsor = fields.String(required=True, validate=validate.Length(1, 200))
    pharmaceutical = fields.Boolean(load_default=False)
    length_minutes = fields.Integer(required=True, validate=validate.Range(1, 120))
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(required=True)
    target_completes = fields.Integer(validate=validate.Range(1, 1_000_000), allow_none=True)
    countries = fields.List(fields.String(validate=validate.OneOf(list(COUNTRIES))), load_default=list)
    specialties = fields.List(fields.String(validate=validate.OneOf(list(SPECIALTIES))), load_default=list)
    honoraria = fields.List(fields.Nested(HonorariumSchema), required=True, validate=validate.Length(min=1))
    quotas = fields.List(fields.Nested(QuotaSchema), load_default=list)
    questionnaire = fields.Dict(required=True)


class SurveyCardSchema(Schema):
    id = fields.Integer(required=True)
    topic = fields.String(
        required=True, metadata={"description": "In the caller's language; never the sponsor."}
    )
    length_minutes = fields.Integer(required=True)
    honorarium = fields.String(allow_none=True, metadata={"description": "e.g. '50.00 USD'."})
    currency = fields.String(allow_none=True)
    amount_minor = fields.Integer(allow_none=True)
    closes_at = fields.DateTime(required=True)
    state = fields.String(required=True)
    response_status = fields.String(allow_none=True, metadata={"description": "null: not started."})


class ConsentSchema(Schema):
    consent = fields.Boolean(required=True, metadata={"description": "true: the member agrees to take part."})


class PageAnswersSchema(Schema):
    page = fields.String(required=True, metadata={"description": "The page id these answers are for."})
    step = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(0, 10_000),
        metadata={
            "description": "The step of the page as given by GET (a replay with an old step changes nothing)."
        },
    )
    action = fields.String(load_default="next", validate=validate.OneOf(["next", "back", "save"]))
    confirm_blank = fields.Boolean(
        load_default=False, metadata={"description": "Skip soft-required questions."}
    )
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), load_default=dict)


class QuestionViewSchema(Schema):
    id = fields.String(required=True)
    type = fields.String(required=True)
    text = fields.String(required=True, metadata={"description": "With earlier answers piped in."})
    required = fields.Boolean(required=True)
    options = fields.List(fields.Dict(), metadata={"description": "[{code, text}] in this member's order."})
    rows = fields.List(fields.Dict())
    scale = fields.List(fields.Dict())
    settings = fields.Dict(metadata={"description": "minimum, maximum, decimals, unit, total, lengths."})
    answer = fields.Raw(allow_none=True, metadata={"description": "The saved answer, to resume."})
    error = fields.String(allow_none=True)


class PageViewSchema(Schema):
    survey_id = fields.Integer(required=True)
    status = fields.String(
        required=True, metadata={"description": "in_progress, screened_out, over_quota, complete or removed."}
    )
    message = fields.String(allow_none=True)
    page = fields.String(allow_none=True)
    step = fields.Integer(allow_none=True)
    progress = fields.Integer(metadata={"description": "Percent of visible pages done."})
    can_go_back = fields.Boolean()
    title = fields.String(allow_none=True)
    questions = fields.List(fields.Nested(QuestionViewSchema))


class BalanceLineSchema(Schema):
    currency = fields.String(required=True)
    amount_minor = fields.Integer(required=True)
    amount = fields.String(required=True, metadata={"description": "e.g. '50.00 USD'."})


class HistoryLineSchema(Schema):
    posted_on = fields.Date(required=True)
    kind = fields.String(
        required=True, metadata={"description": "honorarium, reversal, payout or payout_refused."}
    )
    survey_id = fields.Integer(allow_none=True)
    currency = fields.String(required=True)
    amount_minor = fields.Integer(required=True)


class BalanceSchema(Schema):
    balances = fields.List(fields.Nested(BalanceLineSchema), required=True)
    minimum_minor = fields.Integer(required=True, metadata={"description": "Smallest payout, minor units."})
    history = fields.List(fields.Nested(HistoryLineSchema), required=True)


class PayoutRequestSchema(Schema):
    currency = fields.String(validate=validate.OneOf(CURRENCIES), metadata={"description": "Default: yours."})


class PayoutSchema(Schema):
    id = fields.Integer(required=True)
    currency = fields.String(required=True)
    amount_minor = fields.Integer(required=True)
    status = fields.String(required=True)


class StaffSurveySchema(Schema):
    """A survey as fielding staff see it (the sponsor included)."""

    id = fields.Integer(required=True)
    topic = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    sponsor = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "draft, field or closed."})
    questionnaire_version = fields.Integer(required=True)
    completes = fields.Integer(required=True)
    target_completes = fields.Integer(allow_none=True)
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)


class SurveyStatusSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(["field", "closed"]))
