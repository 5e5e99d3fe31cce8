"""Pulse: the web app. ``create_app`` is the only way to get one."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Response, request

from reports.templates import templates_root

__version__ = "0.1.0"


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the app from ``config`` (tests pass a mapping), else from the environment."""
    from polling import config as settings

    app = Flask(__name__, template_folder=str(templates_root()))
    app.json.sort_keys = False  # type: ignore[attr-defined]  # DefaultJSONProvider has it; the base type does not
    if config is None:
        app.config.update(settings.from_env())
    else:
        app.config.update(settings.from_env({"PULSE_ENV": "testing"}))
        app.config.update(config)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=app.config.get("MAX_CONTENT_LENGTH") or 2 * 1024 * 1024,
        API_TITLE="Pulse API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        RATELIMIT_STORAGE_URI=app.config.get("REDIS_URL") or "memory://",
        RATELIMIT_ENABLED=app.config.get("RATELIMIT_ENABLED", not app.config["TESTING"]),
        # Redis down: count in-process instead of failing the request (issue 13).
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_STORAGE_OPTIONS={
            "socket_timeout": app.config.get("REDIS_TIMEOUT", 2),
            "socket_connect_timeout": app.config.get("REDIS_TIMEOUT", 2),
        }
        if app.config.get("REDIS_URL")
        else {},
    )
    if int(str(app.config.get("TRUSTED_PROXIES") or 0)) > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    _init_extensions(app)
    _register_blueprints(app)
    from polling import cli

    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from polling import db, errors, i18n, mail, permissions, policies
    from polling.accounts import web as accounts_web
    from polling.accounts.passwords import Hasher
    from polling.extensions import api, csrf, limiter, login_manager
    from polling.polls import privacy
    from polling.respondents import keys as respondent_keys
    from polling.studies import fielding

    db.init_app(app)
    respondent_keys.init_app(app)
    policies.init_app(app)
    privacy.init_app(app)  # the live-results rule, stated on results pages
    i18n.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    api.init_app(app)
    errors.init_app(app)  # after the API, so our handler (HTML or JSON) wins over flask-smorest's
    cost = app.config.get("ARGON2_COST", (3, 65536))
    app.extensions["pulse.hasher"] = Hasher(*cost)

    mail.init_app(app)
    fielding.init_app(app)  # client studies' dispositions follow the surveys' signals
    accounts_web.init_app(app)  # session rows, bearer tokens, the second-factor gate, no-store
    app.before_request(permissions.enforce)
    app.after_request(_security_headers)


def content_security_policy(*, inline_styles: bool = False) -> str:
    """Scripts only from Pulse's origin, always. Pages with plotly charts must allow inline styles:
    plotly.js injects a <style> element and sets style attributes (plotly/plotly.js#2355)."""
    style = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    return (
        f"default-src 'self'; img-src 'self' data:; style-src {style}; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    )


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _register_blueprints(app: Flask) -> None:
    from polling.accounts.routes import bp as accounts_bp
    from polling.accounts.security_routes import bp as security_bp
    from polling.api.routes import me_bp, tokens_bp
    from polling.audit.routes import bp as audit_bp
    from polling.clients.api import bp as clients_api_bp
    from polling.clients.routes import bp as clients_bp
    from polling.extensions import api, csrf
    from polling.ledger.routes import bp as ledger_bp
    from polling.main.routes import bp as main_bp
    from polling.members.routes import bp as members_bp
    from polling.polls.api import bp as polls_api_bp
    from polling.polls.routes import bp as polls_bp
    from polling.press.api import bp as press_api_bp
    from polling.press.routes import bp as press_bp
    from polling.studies import (
        api as studies_api,
    )
    from polling.studies import (
        dashboard_api,
        dashboard_routes,
        fielding_api,
        fielding_routes,
        pricing_api,
        pricing_routes,
    )
    from polling.studies import routes as studies_routes
    from polling.surveys.api import bp as surveys_api_bp
    from polling.surveys.routes import bp as surveys_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(security_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(polls_bp)
    app.register_blueprint(press_bp)
    app.register_blueprint(surveys_bp)
    app.register_blueprint(ledger_bp)
    app.register_blueprint(clients_bp)
    for views in (studies_routes, pricing_routes, fielding_routes, dashboard_routes):
        app.register_blueprint(views.bp)
    studies_api_bps = (studies_api.bp, pricing_api.bp, fielding_api.bp, dashboard_api.bp)
    for bp in (
        tokens_bp,
        me_bp,
        polls_api_bp,
        press_api_bp,
        clients_api_bp,
        surveys_api_bp,
        *studies_api_bps,
    ):
        csrf.exempt(bp)  # the API authenticates with bearer tokens, never cookies
        api.register_blueprint(bp, url_prefix="/api/v1")
