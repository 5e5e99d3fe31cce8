"""The studies API (`/api/v1/studies`): pricing."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("pricing_api", __name__, description="Research clients' studies: pricing")
