"""The client's organisation page, inviting colleagues by e-mail, and accepting an invitation."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from polling import mail
from polling.accounts import web
from polling.clients import invites, service
from polling.db import get_session
from polling.errors import InvalidInput

bp = Blueprint("clients", __name__)
ORGANISATION_ID = "<int(max=2147483647):organisation_id>"


def _page(organisation_id: int, errors: dict[str, list[object]] | None = None, status: int = 200):
    session = get_session()
    shown = service.organisation(session, current_user, organisation_id)
    admin = current_user.role == "client" and bool(current_user.organisation_admin)
    pending = invites.pending_invitations(session, current_user, organisation_id) if admin else []
    return (
        render_template(
            "clients/organisation.html",
            organisation=shown,
            admin=admin,
            pending=pending,
            errors=errors or {},
            form=request.form,
        ),
        status,
    )


@bp.get(f"/organisations/{ORGANISATION_ID}")
def organisation(organisation_id: int) -> ResponseReturnValue:
    """An organisation's page: its name and its people (and, for its administrators, invitations)."""
    return _page(organisation_id)


@bp.post(f"/organisations/{ORGANISATION_ID}/invitations")
def invite(organisation_id: int) -> ResponseReturnValue:
    """An administrator invites a colleague by e-mail; the colleague chooses a password from the link."""
    base = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    email = request.form.get("email", "")
    try:
        outgoing = invites.invite(
            get_session(),
            current_app.extensions["pulse.hasher"],
            current_user,
            organisation_id,
            email,
            lambda secret: base + url_for("clients.accept_invitation", token=secret),
            str(get_locale()),
        )
    except InvalidInput as exc:
        return _page(organisation_id, exc.fields, 422)
    mail.deliver(current_app, outgoing)
    flash(_("An invitation is on its way to %(email)s.", email=email.strip()))
    return redirect(url_for("clients.organisation", organisation_id=organisation_id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    """Follow an invitation: choose a password and join the organisation (one use, seven days)."""
    session = get_session()
    try:
        shown = invites.invitation(session, token[:100])
    except InvalidInput:
        return render_template("accounts/link_expired.html"), 410
    errors: dict[str, list[object]] = {}
    if request.method == "POST":
        try:
            user = invites.accept(
                session,
                current_app.extensions["pulse.hasher"],
                token[:100],
                request.form.get("new_password", ""),
                web.client_address(),
            )
        except InvalidInput as exc:
            errors = exc.fields
        else:
            web.start_session(user, second_factor=False)
            flash(_("Welcome to %(organisation)s on Pulse.", organisation=shown.organisation))
            return redirect(url_for("main.home"))
    return render_template("clients/accept.html", invitation=shown, errors=errors), (422 if errors else 200)
