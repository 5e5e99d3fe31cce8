"""The JSON API's base: tokens and the caller's profile (``/api/v1``)."""

from __future__ import annotations

from typing import ClassVar

from flask import current_app, g
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from polling.accounts import service
from polling.api.schemas import MeSchema, TokenRequestSchema, TokenSchema
from polling.db import get_session
from polling.errors import NotAuthenticated
from polling.extensions import limiter

tokens_bp = Blueprint("tokens", __name__, description="Bearer tokens for the API")
me_bp = Blueprint("me", __name__, description="The caller's own account")


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@tokens_bp.route("/tokens")
class Tokens(MethodView):
    decorators: ClassVar[list[object]] = [limiter.shared_limit(_login_limit, scope="login")]

    @tokens_bp.arguments(TokenRequestSchema)
    @tokens_bp.response(201, TokenSchema)
    @tokens_bp.alt_response(401, description="Wrong e-mail address or password.")
    def post(self, credentials: dict[str, str]):  # type: ignore[no-untyped-def]
        """Exchange e-mail and password for a bearer token valid 30 days."""
        session = get_session()
        user = service.authenticate(
            session, current_app.extensions["pulse.hasher"], credentials["email"], credentials["password"]
        )
        issued = service.issue_token(session, user)
        session.commit()
        return {"token": issued.token, "expires_at": issued.expires_at}


@me_bp.route("/me")
class Me(MethodView):
    @me_bp.response(200, MeSchema)
    @me_bp.alt_response(401, description="No valid bearer token.")
    def get(self):  # type: ignore[no-untyped-def]
        """The caller's role, handle, country, specialty and verification status."""
        user = g.get("api_user")
        if user is None:
            raise NotAuthenticated(_l("Send a valid token as 'Authorization: Bearer <token>'."))
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
