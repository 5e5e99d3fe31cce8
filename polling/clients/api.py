"""The clients API: a client's own organisation (``/api/v1/organisations``)."""

from __future__ import annotations

from dataclasses import asdict

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from polling.clients import service
from polling.clients.schemas import OrganisationSchema
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
