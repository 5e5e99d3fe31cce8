"""Web pages of research clients' studies: studies."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("studies", __name__)
