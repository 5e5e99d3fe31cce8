"""The surveys API for the mobile app (``/api/v1/surveys``), the questionnaire schema, and honoraria."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from polling import idempotency
from polling.db import get_session
from polling.errors import Forbidden, InvalidInput
from polling.ledger import service as ledger
from polling.respondents.keys import current_keys
from polling.surveys import service, taking
from polling.surveys.engine import localised, pipe
from polling.surveys.models import Survey
from polling.surveys.questionnaire import json_schema
from polling.surveys.schemas import (
    BalanceSchema,
    ConsentSchema,
    PageAnswersSchema,
    PageViewSchema,
    PayoutRequestSchema,
    PayoutSchema,
    StaffSurveySchema,
    SurveyCardSchema,
    SurveyInputSchema,
    SurveyStatusSchema,
)

bp = Blueprint("surveys_api", __name__, description="Paid surveys: the list, taking them, honoraria")
SURVEY_ID = "<int(max=2147483647):survey_id>"
_SETTINGS = ("minimum", "maximum", "decimals", "total", "long", "min_length", "max_length")


def card_body(card: service.SurveyCard, locale: str) -> dict[str, Any]:
    survey = card.survey
    return {
        "id": survey.id,
        "topic": localised(survey.topic, locale),
        "length_minutes": survey.length_minutes,
        "honorarium": ledger.format_amount(card.amount_minor, card.currency)
        if card.amount_minor is not None and card.currency
        else None,
        "currency": card.currency,
        "amount_minor": card.amount_minor,
        "closes_at": survey.closes_at,
        "state": card.state,
        "response_status": card.response_status,
    }


def page_body(view: taking.TakingView, locale: str) -> dict[str, Any]:
    """The taking view as JSON: the page's questions in the member's order, with saved answers."""
    document = view.survey.questionnaire
    body: dict[str, Any] = {
        "survey_id": view.survey.id,
        "status": view.status,
        "message": str(view.message) if view.message else None,
        "page": view.page["id"] if view.page else None,
        "step": view.response.step if view.response is not None and view.page else None,
        "progress": view.progress,
        "can_go_back": view.can_go_back,
        "title": localised(view.page.get("title"), locale) if view.page else None,
        "questions": [],
    }
    for question in view.questions:
        spec = question.spec

        def coded(items: Any) -> list[dict[str, str]]:
            return [{"code": o["code"], "text": localised(o["text"], locale)} for o in items or []]

        body["questions"].append(
            {
                "id": question.id,
                "type": question.type,
                "text": pipe(localised(spec["text"], locale), view.answers, document, locale),
                "required": bool(spec.get("required", True)) and not spec.get("soft_required"),
                "options": coded(question.options),
                "rows": coded(spec.get("rows")),
                "scale": coded(spec.get("scale")),
                "settings": {k: spec[k] for k in _SETTINGS if k in spec}
                | ({"unit": localised(spec["unit"], locale)} if "unit" in spec else {}),
                "answer": view.answers.get(question.id),
                "error": str(view.errors[question.id]) if question.id in view.errors else None,
            }
        )
    return body


def _member_only() -> None:
    if g.api_user.principal != "member":
        raise Forbidden(_l("Only verified physicians take paid surveys."))


@bp.route("/schemas/questionnaire")
class QuestionnaireSchemaDoc(MethodView):
    @bp.response(200)
    def get(self) -> ResponseReturnValue:
        """The JSON Schema of questionnaire documents (format version 1)."""
        return json_schema()


@bp.route("/surveys")
class Surveys(MethodView):
    @bp.response(200, SurveyCardSchema(many=True))
    def get(self) -> ResponseReturnValue:
        """Paid surveys for the calling member: topic (never the sponsor), length, honorarium, closing date."""
        _member_only()
        locale = str(get_locale())
        cards = service.for_member(get_session(), current_keys(), g.api_user.member)
        return [card_body(card, locale) for card in cards]


@bp.route(f"/surveys/{SURVEY_ID}")
class SurveyPage(MethodView):
    @bp.response(200, PageViewSchema)
    @bp.alt_response(403, description="Not verified, or not for this member.")
    @bp.alt_response(404, description="No such survey.")
    def get(self, survey_id: int) -> ResponseReturnValue:
        """Where the member stands: not started, the current page with saved answers, or the ending."""
        view = taking.view(get_session(), current_keys(), g.api_user, survey_id)
        return page_body(view, str(get_locale()))


@bp.route(f"/surveys/{SURVEY_ID}/consent")
class Consent(MethodView):
    @bp.arguments(ConsentSchema)
    @bp.response(200, PageViewSchema)
    @bp.alt_response(409, description="Closed, full, or consent not given.")
    def post(self, body: dict[str, bool], survey_id: int) -> ResponseReturnValue:
        """Agree to take part; answers the first page (consenting again changes nothing)."""
        view = taking.consent(get_session(), current_keys(), g.api_user, survey_id, body["consent"])
        return page_body(view, str(get_locale()))


@bp.route(f"/surveys/{SURVEY_ID}/pages")
class Pages(MethodView):
    @bp.arguments(PageAnswersSchema)
    @bp.response(200, PageViewSchema)
    @bp.alt_response(
        422, description="Answers refused: errors name answers.<question id>; valid ones are saved."
    )
    @bp.doc(
        parameters=[
            {
                "in": "header",
                "name": "Idempotency-Key",
                "schema": {"type": "string", "maxLength": 100},
                "description": "Retrying with the same key returns the first answer.",
            }
        ]
    )
    def post(self, body: dict[str, Any], survey_id: int) -> ResponseReturnValue:
        """Send a page's answers with its page id and step; action next, back or save (autosave)."""
        session = get_session()
        key = idempotency.request_key()
        if key is not None:
            first = idempotency.replay(session, g.api_user.id, key)
            if first is not None:
                return first
        # The page names its step, so a retry without a key (or after a crash) changes nothing either;
        # the key only gives the retry the first answer back.
        view = taking.submit(session, current_keys(), g.api_user, survey_id, body)
        if view.errors:
            raise InvalidInput(
                _l("Some answers are not valid; the others are saved."),
                fields={f"answers.{qid}": [message] for qid, message in view.errors.items()},
            )
        answer = page_body(view, str(get_locale()))
        if key is not None and idempotency.claim(session, g.api_user.id, key, 200):
            idempotency.complete(session, g.api_user.id, key, answer)
        return answer


@bp.route("/me/honoraria")
class Honoraria(MethodView):
    @bp.response(200, BalanceSchema)
    def get(self) -> ResponseReturnValue:
        """The member's balance per currency and the history of credits, reversals and payouts."""
        member = ledger.member_of(g.api_user)
        return ledger.statement(get_session(), member.id)


@bp.route("/me/payouts")
class Payouts(MethodView):
    @bp.arguments(PayoutRequestSchema)
    @bp.response(201, PayoutSchema)
    @bp.alt_response(409, description="The balance is under the payout minimum.")
    def post(self, body: dict[str, Any], **_: Any) -> ResponseReturnValue:
        """Request a payout of the whole balance in one currency (finance staff approve it)."""
        member = ledger.member_of(g.api_user)
        payout = ledger.request_payout(get_session(), member, body.get("currency"))
        return {
            "id": payout.id,
            "currency": payout.currency,
            "amount_minor": payout.amount_minor,
            "status": payout.status,
        }


def _json_object(what: str) -> dict[str, Any]:
    raw = request.get_json(silent=True)
    if not isinstance(raw, dict):
        raise InvalidInput.for_field(what, _l("Send a JSON object (Content-Type: application/json)."))
    return raw


@bp.route("/staff/surveys")
class StaffSurveys(MethodView):
    @bp.response(200, StaffSurveySchema(many=True))
    def get(self) -> list[Survey]:
        """Fielding staff: every survey, newest first."""
        return service.all_surveys(get_session(), g.api_user)

    @bp.doc(
        requestBody={
            "required": True,
            "description": "A survey file: topic (en, es), sponsor, length, window, targets, honoraria, "
            "quotas and the questionnaire (see /schemas/questionnaire).",
            "content": {"application/json": {"schema": SurveyInputSchema}},
        }
    )
    @bp.response(201, StaffSurveySchema)
    @bp.alt_response(422, description="The file is refused: errors name each field or questionnaire path.")
    def post(self) -> Survey:
        """Fielding staff: create a draft survey from a survey file."""
        return service.create_survey(get_session(), g.api_user, _json_object("survey"))


@bp.route(f"/staff/surveys/{SURVEY_ID}/questionnaire")
class StaffQuestionnaire(MethodView):
    @bp.doc(
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "A questionnaire document (see /schemas/questionnaire).",
        }
    )
    @bp.response(200, StaffSurveySchema)
    @bp.alt_response(409, description="The survey is in field: its questionnaire is frozen.")
    @bp.alt_response(422, description="The questionnaire is refused: each problem with its path.")
    def put(self, survey_id: int) -> Survey:
        """Fielding staff: a new questionnaire version for a draft survey."""
        return service.replace_questionnaire(
            get_session(), g.api_user, survey_id, _json_object("questionnaire")
        )


@bp.route(f"/staff/surveys/{SURVEY_ID}/status")
class StaffSurveyStatus(MethodView):
    @bp.arguments(SurveyStatusSchema)
    @bp.response(200, StaffSurveySchema)
    @bp.alt_response(409, description="Only a draft goes in field, and only a survey in field closes.")
    def post(self, body: dict[str, str], survey_id: int) -> Survey:
        """Fielding staff: put a draft in field (its questionnaire freezes) or close it."""
        change = service.field if body["to"] == "field" else service.close
        return change(get_session(), g.api_user, survey_id)
