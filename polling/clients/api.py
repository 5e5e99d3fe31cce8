"""The clients API: a client's own organisation (``/api/v1/organisations``)."""

from __future__ import annotations

from dataclasses import asdict

from flask import current_app, g, url_for
from flask.views import MethodView
from flask_babel import get_locale
from flask_smorest import Blueprint

from polling import mail
from polling.accounts.service import normalise_email
from polling.clients import invites, service
from polling.clients.schemas import InvitationRequestSchema, InvitationSentSchema, OrganisationSchema
from polling.db import get_session

bp = Blueprint("clients_api", __name__, description="Research clients' organisations")
ORGANISATION_ID = "<int(max=2147483647):organisation_id>"


@bp.route(f"/organisations/{ORGANISATION_ID}")
class Organisation(MethodView):
    @bp.response(200, OrganisationSchema)
    @bp.alt_response(403, description="A client of another organisation.")
    @bp.alt_response(404, description="No such organisation.")
    def get(self, organisation_id: int) -> dict[str, object]:
        """The caller's organisation and its client users (clients of other organisations are refused)."""
        return asdict(service.organisation(get_session(), g.api_user, organisation_id))


@bp.route(f"/organisations/{ORGANISATION_ID}/invitations")
class Invitations(MethodView):
    @bp.arguments(InvitationRequestSchema)
    @bp.response(202, InvitationSentSchema)
    @bp.alt_response(403, description="Not an administrator of the organisation.")
    @bp.alt_response(404, description="No such organisation, or another one.")
    @bp.alt_response(422, description="Not an e-mail address Pulse can use.")
    def post(self, body: dict[str, str], organisation_id: int) -> dict[str, str]:
        """Invite a colleague by e-mail into the caller's organisation (organisation administrators)."""
        base = str(current_app.config["PUBLIC_URL"]).rstrip("/")
        outgoing = invites.invite(
            get_session(),
            current_app.extensions["pulse.hasher"],
            g.api_user,
            organisation_id,
            body["email"],
            lambda secret: base + url_for("clients.accept_invitation", token=secret),
            str(get_locale()),
        )
        mail.deliver(current_app, outgoing)
        return {"email": normalise_email(body["email"]), "status": "sent"}
