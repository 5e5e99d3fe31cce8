"""Physician sign-up, verification status, peer profiles, the staff verification queue."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from polling import mail
from polling.accounts import notices
from polling.accounts.routes import public_urls
from polling.db import get_session
from polling.errors import InvalidInput
from polling.extensions import limiter
from polling.members import licences, service
from polling.members.models import PRACTICE_SETTINGS
from polling.members.signup import resubmit as resubmit_registration
from polling.members.signup import sign_up_physician
from sampling.codes import COUNTRIES
from sampling.taxonomy import SPECIALTIES

bp = Blueprint("members", __name__)


def _choices() -> dict[str, object]:
    return {
        "countries": COUNTRIES,
        "specialties": SPECIALTIES,
        "settings": PRACTICE_SETTINGS,
        "rules": licences.RULES,
    }


@bp.route("/signup/physician", methods=["GET", "POST"])
@limiter.shared_limit(lambda: str(current_app.config["SIGNUP_RATE_LIMIT"]), scope="signup", methods=["POST"])
def signup():
    """Physician sign-up; the address is confirmed by e-mail, then the licence verified by staff."""
    errors: dict[str, list[object]] = {}
    message = None
    if request.method == "POST":
        session = get_session()
        try:
            outgoing = sign_up_physician(
                session, current_app.extensions["pulse.hasher"], request.form, public_urls()
            )
        except InvalidInput as exc:
            errors, message = exc.fields, exc.message
        else:
            mail.deliver(current_app, outgoing)
            return redirect(url_for("accounts.check_inbox"))
    return render_template(
        "members/signup.html", errors=errors, message=message, form=request.form, **_choices()
    ), (422 if errors else 200)


@bp.post("/membership/resubmit")
def resubmit():
    """A rejected member sends corrected details for another review."""
    try:
        resubmit_registration(get_session(), current_user.member, request.form)
    except InvalidInput as exc:
        return render_template(
            "members/status.html", member=current_user.member, errors=exc.fields, form=request.form
        ), 422
    flash(_("Your corrected details are sent: staff will review them again."))
    return redirect(url_for("members.status"))


@bp.post("/membership/privacy")
def privacy():
    """Show the member's real name to verified peers, or hide it again."""
    service.set_identity_visibility(
        get_session(), current_user.member, request.form.get("show_identity") == "on"
    )
    flash(_("Your settings are saved."))
    return redirect(url_for("accounts.settings"))


@bp.get("/membership")
def status():
    """The member's verification status, with the reason if rejected."""
    return render_template("members/status.html", member=current_user.member, errors={}, form={})


@bp.get("/members/<handle>")
def profile(handle: str):
    """A verified member's public profile as peers see it."""
    return render_template("members/profile.html", member=service.peer_profile(get_session(), handle))


@bp.get("/staff/verification")
def queue():
    """The verification queue: pending members, oldest first."""
    return render_template("members/queue.html", members=service.pending_queue(get_session()))


@bp.route("/staff/verification/<int(max=2147483647):member_id>", methods=["GET", "POST"])
def review(member_id: int):
    """Review one member: see the identity (logged), verify or reject with a reason."""
    session = get_session()
    errors: dict[str, list[object]] = {}
    if request.method == "POST":
        try:
            service.review(
                session,
                current_user,
                member_id,
                decision=request.form.get("decision", ""),
                reason=request.form.get("reason", ""),
            )
        except InvalidInput as exc:
            errors = exc.fields
        else:
            _notify_reviewed(session, member_id)
            flash(
                _(
                    "The member is %(status)s.",
                    status=_("verified") if request.form["decision"] == "verify" else _("rejected"),
                )
            )
            return redirect(url_for("members.queue"))
    identity = service.read_identity(session, current_user, member_id, purpose="verification review")
    return render_template(
        "members/review.html",
        member=identity.member,
        identity=identity,
        errors=errors,
        rule=licences.RULES[identity.country],
    ), (422 if errors else 200)


def _notify_reviewed(session: Session, member_id: int) -> None:
    """Tell the member the outcome, in their language, with the reason if rejected."""
    member = service.get_member(session, member_id)
    user = member.user
    link = str(current_app.config["PUBLIC_URL"]).rstrip("/") + url_for("members.status")
    if member.status == "verified":
        message = notices.member_verified(user.email, user.locale, link)
    else:
        message = notices.member_rejected(user.email, user.locale, member.rejection_reason or "", link)
    mail.deliver(current_app, [message])
