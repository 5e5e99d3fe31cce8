"""The JSON API's base: tokens and the caller's profile (``/api/v1``).

Tokens are short-lived (TOKEN_MINUTES, an hour by default): renew one before it expires, list the
account's live tokens, revoke any of them. Log-out everywhere and password changes revoke them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask import current_app, g
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from polling.accounts import security, sessions, web
from polling.accounts.models import User
from polling.api.schemas import MeSchema, TokenInfoSchema, TokenRequestSchema, TokenSchema
from polling.db import get_session
from polling.errors import NotAuthenticated
from polling.extensions import limiter

tokens_bp = Blueprint("tokens", __name__, description="Bearer tokens for the API")
me_bp = Blueprint("me", __name__, description="The caller's own account")
TOKEN_ID = "<int(max=2147483647):token_id>"


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _minutes() -> float:
    return float(current_app.config.get("TOKEN_MINUTES", 60))


def _caller() -> User:
    user = g.get("api_user")
    if user is None:
        raise NotAuthenticated(_l("Send a valid token as 'Authorization: Bearer <token>'."))
    return user


def _issued(issued: sessions.IssuedToken) -> dict[str, object]:
    return {"id": issued.id, "token": issued.token, "expires_at": issued.expires_at}


@tokens_bp.route("/tokens")
class Tokens(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [
        limiter.shared_limit(_login_limit, scope="login", methods=["POST"])
    ]

    @tokens_bp.arguments(TokenRequestSchema)
    @tokens_bp.response(201, TokenSchema)
    @tokens_bp.alt_response(401, description="Wrong e-mail address, password or authenticator code.")
    @tokens_bp.alt_response(403, description="E-mail not confirmed, or a second factor must be set up.")
    @tokens_bp.alt_response(429, description="Too many failed attempts: wait Retry-After seconds.")
    def post(self, credentials: dict[str, str]):
        """Exchange e-mail and password (and authenticator code) for a bearer token valid an hour."""
        issued = security.issue_token(
            get_session(),
            current_app.extensions["pulse.hasher"],
            web.limits(),
            credentials,
            web.client_address(),
            minutes=_minutes(),
            second_factor_roles=current_app.config.get("SECOND_FACTOR_ROLES", ()),
        )
        return _issued(issued)

    @tokens_bp.response(200, TokenInfoSchema(many=True))
    @tokens_bp.alt_response(401, description="No valid bearer token.")
    def get(self):
        """The caller's live tokens, newest first."""
        user = _caller()
        current = sessions.token_row(get_session(), g.api_token)
        return [
            {
                "id": row.id,
                "created_at": row.created_at,
                "expires_at": row.expires_at,
                "current": current is not None and row.id == current.id,
            }
            for row in sessions.live_tokens(get_session(), user)
        ]


@tokens_bp.route("/tokens/renew")
class TokenRenewal(MethodView):
    @tokens_bp.response(201, TokenSchema)
    @tokens_bp.alt_response(401, description="No valid bearer token.")
    def post(self):
        """Trade the token this request is sent with for a new one; the old one stops working."""
        _caller()
        issued = security.renew_token(get_session(), g.api_token, minutes=_minutes())
        return _issued(issued)


@tokens_bp.route(f"/tokens/{TOKEN_ID}/revoke")
class TokenRevocation(MethodView):
    @tokens_bp.response(204)
    @tokens_bp.alt_response(401, description="No valid bearer token.")
    @tokens_bp.alt_response(404, description="The caller has no token with this id.")
    def post(self, token_id: int):
        """Revoke one of the caller's tokens (the current one too)."""
        user = _caller()
        security.revoke_token(get_session(), user, token_id, web.client_address())
        return ""


@me_bp.route("/me")
class Me(MethodView):
    @me_bp.response(200, MeSchema)
    @me_bp.alt_response(401, description="No valid bearer token.")
    def get(self):
        """The caller's role, handle, country, specialty and verification status."""
        user = _caller()
        member = user.member
        return {
            "role": user.role,
            "handle": member.handle if member else None,
            "country": member.country if member else None,
            "specialty": member.specialty if member else None,
            "verification_status": member.status if member else None,
            "locale": user.locale,
            "organisation": user.organisation.name if user.organisation else None,
        }
