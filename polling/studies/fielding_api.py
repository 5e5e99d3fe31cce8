"""The studies API (`/api/v1/studies`): fielding."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("fielding_api", __name__, description="Research clients' studies: fielding")
