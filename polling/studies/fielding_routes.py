"""Web pages of research clients' studies: fielding."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("fielding", __name__)
