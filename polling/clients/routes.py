"""The client's organisation page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from polling.clients import service
from polling.db import get_session

bp = Blueprint("clients", __name__)


@bp.get("/organisations/<int(max=2147483647):organisation_id>")
def organisation(organisation_id: int) -> str:
    """An organisation's page: its name and its people."""
    shown = service.organisation(get_session(), current_user, organisation_id)
    return render_template("clients/organisation.html", organisation=shown)
