"""The studies API (`/api/v1/studies`): studies."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("studies_api", __name__, description="Research clients' studies: studies")
