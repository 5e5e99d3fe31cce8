"""Web pages of research clients' studies: pricing."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pricing", __name__)
