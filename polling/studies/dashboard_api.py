"""The studies API (`/api/v1/studies`): dashboard."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("dashboard_api", __name__, description="Research clients' studies: dashboard")
