"""The polls API for the mobile app (``/api/v1/polls``)."""

from __future__ import annotations

from flask import g
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from polling import idempotency
from polling.db import get_session
from polling.errors import Conflict
from polling.polls import privacy, results, service
from polling.polls.models import Poll
from polling.polls.schemas import PollSchema, ResultsSchema, VoteRequestSchema, VoteSchema
from polling.respondents.keys import current_keys

bp = Blueprint("polls_api", __name__, description="Polls: the feed, voting and results")
POLL_ID = "<int(max=2147483647):poll_id>"


def _poll_body(poll: Poll, voted: bool | None) -> dict[str, object]:
    locale = str(get_locale())
    return {
        "id": poll.id,
        "question": poll.question(locale),
        "multiple": poll.multiple,
        "topic": poll.topic,
        "state": service.state(poll),
        "featured": poll.featured,
        "opens_at": poll.opens_at,
        "closes_at": poll.closes_at,
        "countries": list(poll.country_codes),
        "specialties": list(poll.specialty_codes),
        "voted": voted,
        "options": [{"id": o.id, "label": o.label(locale)} for o in poll.options],
    }


def _voted(poll: Poll) -> bool | None:
    member = g.api_user.member
    if member is None:
        return None
    return service.has_voted(get_session(), current_keys(), member, poll.id)


@bp.route("/polls")
class Polls(MethodView):
    @bp.response(200, PollSchema(many=True))
    def get(self) -> ResponseReturnValue:
        """Open polls the caller may vote in, featured first (staff: every open poll)."""
        user = g.api_user
        if user.role == "member" and user.principal != "member":
            return []
        polls = service.feed(get_session(), user.member)
        return [_poll_body(poll, _voted(poll)) for poll in polls]


@bp.route(f"/polls/{POLL_ID}")
class PollDetail(MethodView):
    @bp.response(200, PollSchema)
    @bp.alt_response(404, description="No such published poll.")
    def get(self, poll_id: int) -> ResponseReturnValue:
        """One poll with its options in the caller's language."""
        poll = service.visible_poll(get_session(), g.api_user, poll_id)
        return _poll_body(poll, _voted(poll))


@bp.route(f"/polls/{POLL_ID}/votes")
class Votes(MethodView):
    @bp.arguments(VoteRequestSchema)
    @bp.response(201, VoteSchema)
    @bp.alt_response(403, description="Not verified, or not targeted by the poll.")
    @bp.alt_response(404, description="No such published poll.")
    @bp.alt_response(409, description="Already voted, or the poll is not open.")
    @bp.doc(
        parameters=[
            {
                "in": "header",
                "name": "Idempotency-Key",
                "schema": {"type": "string", "maxLength": 100},
                "description": "Retrying with the same key returns the first answer; the vote is stored once.",
            }
        ]
    )
    def post(self, body: dict[str, list[int]], poll_id: int) -> ResponseReturnValue:
        """Vote: one option (or several in a multiple-choice poll), once per member."""
        session = get_session()
        key = idempotency.request_key()  # a retry with the same key gets the first answer
        if key is not None:
            first = idempotency.replay(session, g.api_user.id, key)
            if first is not None:
                return first
            if not idempotency.claim(session, g.api_user.id, key, 201):
                replayed = idempotency.replay(session, g.api_user.id, key)
                if replayed is not None:
                    return replayed
                raise Conflict(_l("Another request with this Idempotency-Key is still being answered."))
        vote = service.cast_vote(session, current_keys(), g.api_user, poll_id, body["options"])
        answer = {"poll_id": vote.poll_id, "options": list(vote.option_ids), "cast_at": vote.cast_at}
        if key is not None:
            idempotency.complete(session, g.api_user.id, key, answer)
        return answer


@bp.route(f"/polls/{POLL_ID}/results")
class Results(MethodView):
    @bp.response(200, ResultsSchema)
    @bp.alt_response(403, description="Vote first, or wait until the poll closes.")
    def get(self, poll_id: int) -> ResponseReturnValue:
        """Raw and weighted shares, n, effective n, margin of error, breakdowns (cells under 10 hidden)."""
        session = get_session()
        user = g.api_user
        poll = service.visible_poll(session, user, poll_id)
        results.require_access(session, current_keys(), user, poll)
        privacy.check_results_read(user)
        shown = results.for_poll(session, poll, audience=results.audience(user))
        return shown.as_api(str(get_locale()))
