"""Poll pages: the poll, voting, results; members' proposals; staff poll management."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from polling.accounts.notices import notify_staff_of_proposal
from polling.db import get_session
from polling.errors import InvalidInput
from polling.polls import labels, privacy, results, service
from polling.polls.models import TOPICS, Poll
from polling.respondents import targeting
from polling.respondents.keys import current_keys
from sampling.codes import COUNTRIES
from sampling.taxonomy import SPECIALTIES

bp = Blueprint("polls", __name__)
labels.register(bp)
POLL_ID = "<int(max=2147483647):poll_id>"


def _form_choices() -> dict[str, object]:
    return {"countries": COUNTRIES, "specialties": SPECIALTIES, "topics": TOPICS}


def _voter_status(poll: Poll) -> tuple[bool, bool, str | None]:
    """(may_vote, has_voted, reason shown to the visitor)."""
    if not current_user.is_authenticated:
        return False, False, _("Log in as a verified physician to vote.")
    member = current_user.member
    if member is None:
        return False, False, _("Only physician members vote in polls.")
    if member.status != "verified":
        return False, False, _("You can vote once staff have verified your licence.")
    voted = service.has_voted(get_session(), current_keys(), member, poll.id)
    if voted:
        return False, True, _("You have voted in this poll.")
    current = service.state(poll)
    if current != "open":
        return (
            False,
            False,
            _("This poll is closed.") if current == "closed" else _("This poll is not open yet."),
        )
    reason = targeting.ineligibility(poll, member)
    return reason is None, False, (str(reason) if reason else None)


def _poll_page(poll: Poll, shown: object, errors: dict[str, list[object]]) -> str:
    """The poll page: the vote form (with ``errors`` next to it) or the ``shown`` results."""
    may_vote, voted, reason = _voter_status(poll)
    return render_template(
        "polls/show.html",
        poll=poll,
        state=service.state(poll),
        may_vote=may_vote,
        voted=voted,
        reason=reason,
        results=shown,
        errors=errors,
    )


@bp.get(f"/polls/{POLL_ID}")
def show(poll_id: int) -> ResponseReturnValue:
    """A poll: the vote form, or the results once voted or closed."""
    session = get_session()
    user = current_user if current_user.is_authenticated else None
    poll = service.visible_poll(session, user, poll_id)
    shown = None
    if results.may_see(session, current_keys(), user, poll):
        privacy.check_results_read(user)
        shown = results.for_poll(session, poll, audience=results.audience(user))
    return _poll_page(poll, shown, errors={})


@bp.post(f"/polls/{POLL_ID}/vote")
def vote(poll_id: int) -> ResponseReturnValue:
    """Cast the member's vote, then show the results."""
    session = get_session()
    try:
        service.cast_vote(session, current_keys(), current_user, poll_id, request.form.getlist("option"))
    except InvalidInput as exc:
        return _poll_page(service.visible_poll(session, current_user, poll_id), None, exc.fields), 422
    flash(_("Thank you: your vote is counted."))
    return redirect(url_for("polls.show", poll_id=poll_id))


@bp.route("/polls/propose", methods=["GET", "POST"])
def propose() -> ResponseReturnValue:
    """A verified member proposes a poll to staff."""
    errors: dict[str, list[object]] = {}
    if request.method == "POST":
        session = get_session()
        try:
            service.propose_poll(session, current_user, request.form)
        except InvalidInput as exc:
            errors = exc.fields
        else:
            notify_staff_of_proposal(current_app, get_session())
            flash(_("Thank you: staff will review your proposal."))
            return redirect(url_for("polls.mine"))
    return render_template(
        "polls/form.html", errors=errors, form=request.form, mode="propose", poll=None, **_form_choices()
    ), (422 if errors else 200)


@bp.get("/polls/mine")
def mine() -> ResponseReturnValue:
    """The member's own proposals and what staff decided."""
    return render_template(
        "polls/mine.html", polls=service.proposals_of(get_session(), current_user), state=service.state
    )


@bp.get("/staff/polls")
def manage() -> ResponseReturnValue:
    """Every poll, newest first, with its state and votes."""
    session = get_session()
    polls = service.all_polls(session)
    return render_template(
        "polls/manage.html",
        polls=polls,
        state=service.state,
        votes={p.id: service.vote_count(session, p.id) for p in polls},
    )


@bp.route("/staff/polls/new", methods=["GET", "POST"])
def create() -> ResponseReturnValue:
    """Create a poll (saved as a draft, or published at once)."""
    errors: dict[str, list[object]] = {}
    if request.method == "POST":
        session = get_session()
        try:
            poll = service.create_poll(
                session, current_user, request.form, publish=request.form.get("publish") == "1"
            )
        except InvalidInput as exc:
            errors = exc.fields
        else:
            flash(_("The poll is saved."))
            return redirect(url_for("polls.show", poll_id=poll.id))
    return render_template(
        "polls/form.html", errors=errors, form=request.form, mode="create", poll=None, **_form_choices()
    ), (422 if errors else 200)


def _form_of(poll: Poll) -> dict[str, object]:
    return {
        "question_en": poll.question_en,
        "question_es": poll.question_es,
        "multiple": poll.multiple,
        "topic": poll.topic,
        "countries": poll.country_codes,
        "specialties": poll.specialty_codes,
        "opens_at": poll.opens_at.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": poll.closes_at.strftime("%Y-%m-%dT%H:%M"),
        "featured": poll.featured,
        "option_en": [o.label_en for o in poll.options],
        "option_es": [o.label_es for o in poll.options],
        "statement_en": [o.statement_en or "" for o in poll.options],
        "statement_es": [o.statement_es or "" for o in poll.options],
        "exclusive": [str(o.position) for o in poll.options if o.exclusive],
    }


@bp.route(f"/staff/polls/{POLL_ID}/edit", methods=["GET", "POST"])
def edit(poll_id: int) -> ResponseReturnValue:
    """Edit a poll; wording and options are locked once it has votes."""
    session = get_session()
    errors: dict[str, list[object]] = {}
    poll = service.get_poll(session, poll_id)
    form: object = _form_of(poll)
    if request.method == "POST":
        try:
            service.update_poll(session, current_user, poll_id, request.form)
        except InvalidInput as exc:
            errors, form = exc.fields, request.form
        else:
            flash(_("The poll is saved."))
            return redirect(url_for("polls.manage"))
    return render_template(
        "polls/form.html",
        errors=errors,
        form=form,
        mode="edit",
        poll=poll,
        locked=service.vote_count(session, poll.id) > 0,
        **_form_choices(),
    ), (422 if errors else 200)


@bp.post(f"/staff/polls/{POLL_ID}/review")
def review(poll_id: int) -> ResponseReturnValue:
    """Publish, decline (with a reason) or close a poll."""
    session = get_session()
    action = request.form.get("action", "")
    if action == "publish":
        service.publish(session, current_user, poll_id)
    elif action == "decline":
        service.decline(session, current_user, poll_id, request.form.get("reason", ""))
    elif action == "close":
        service.close_now(session, current_user, poll_id)
    else:
        raise InvalidInput.for_field("action", _("Choose publish, decline or close."))
    flash(_("The poll is updated."))
    return redirect(url_for("polls.manage"))
