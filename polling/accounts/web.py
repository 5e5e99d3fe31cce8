"""How accounts meet HTTP: the session cookie's server-side row, bearer tokens, the second-factor
gate, ``Cache-Control: no-store`` on pages that show who is logged in, and the log-in limits."""

from __future__ import annotations

from flask import Flask, current_app, g, redirect, request, url_for
from flask import session as cookie
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from polling import db
from polling.accounts import sessions
from polling.accounts.guard import Limits
from polling.accounts.models import User
from polling.accounts.throttle import Throttle
from polling.audit.service import record
from polling.errors import Forbidden
from polling.extensions import login_manager

COOKIE_KEY = "sid"
# What a staff account that still owes its second factor may reach.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {"static", "main.healthz", "main.readyz", "main.set_language", "accounts.logout", "security.two_factor"}
)


def init_app(app: Flask) -> None:
    app.extensions["pulse.limits"] = Limits(
        Throttle(
            app.config.get("REDIS_URL") or None,
            backoff=float(app.config.get("LOGIN_BACKOFF_SECONDS", 2)),
            timeout=float(app.config.get("REDIS_TIMEOUT", 2)),
        ),
        int(app.config.get("LOGIN_FREE_FAILURES", 5)),
    )
    login_manager.user_loader(_load_user)
    app.before_request(_load_api_user)
    app.before_request(_require_second_factor)
    app.after_request(_no_store)
    app.after_request(_log_staff_decision)


def limits() -> Limits:
    return current_app.extensions["pulse.limits"]


def client_address() -> str:
    """The client's address: ProxyFix has already stepped back TRUSTED_PROXIES hops."""
    return request.remote_addr or "unknown"


def _load_user(user_id: str) -> User | None:
    key = cookie.get(COOKIE_KEY)
    if not key or not user_id.isdigit() or len(user_id) > 10:
        return None
    found = sessions.resume(db.get_session(), int(user_id), str(key))
    if found is None:
        return None
    g.login_session = found[1]
    return found[0]


def _load_api_user() -> None:
    # Nothing about who is calling may outlive a request, even where requests share an app context
    # (tests run them inside one): Flask-Login's cache, the session row, the bearer token's user.
    for name in ("_login_user", "login_session", "api_user", "api_token"):
        g.pop(name, None)
    if request.path.startswith("/api/"):
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token = header.removeprefix("Bearer ").strip()
            if token.isascii() and 0 < len(token) <= 100:
                g.api_token = token
                g.api_user = sessions.user_for_token(db.get_session(), token)


def second_factor_required(user: User) -> bool:
    return user.role in current_app.config.get("SECOND_FACTOR_ROLES", ()) or user.totp_secret is not None


def _require_second_factor():
    if request.path.startswith("/api/") or request.endpoint in OPEN_BEFORE_SECOND_FACTOR:
        return None
    if not current_user.is_authenticated or not second_factor_required(current_user):
        return None
    login = g.get("login_session")
    if login is not None and login.second_factor_at is not None:
        return None
    if request.method == "GET":
        return redirect(url_for("security.two_factor"))
    raise Forbidden(_l("Set up and give your second factor (an authenticator code) first."))


# Staff decisions made in other features' views, logged here so that every one is logged the same way.
STAFF_DECISIONS = {"polls.review": "poll_reviewed", "press.set_status": "report_status"}


def _log_staff_decision(response):
    kind = STAFF_DECISIONS.get(request.endpoint or "")
    if kind is None or request.method != "POST" or response.status_code >= 400:
        return response
    if not current_user.is_authenticated:
        return response
    session = db.get_session()
    target = ", ".join(f"{name} {value}" for name, value in (request.view_args or {}).items())
    record(
        session,
        kind,
        user=current_user,
        address=client_address(),
        subject=target,
        detail=(request.form.get("action", "") + " " + request.form.get("reason", "")).strip(),
    )
    session.commit()
    return response


def _no_store(response):
    """Pages and API answers for a logged-in person show who they are: never cache them."""
    if g.get("api_user") is not None or (cookie.get(COOKIE_KEY) and current_user.is_authenticated):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def start_session(user: User, *, second_factor: bool) -> None:
    """Log ``user`` in on this browser: a new server-side session, a fresh cookie."""
    key = sessions.log_in(
        db.get_session(),
        user,
        hours=float(current_app.config.get("SESSION_HOURS", 12)),
        user_agent=request.user_agent.string,
        second_factor=second_factor,
    )
    locale = cookie.get("locale")
    cookie.clear()  # no value from before the log-in survives it (session fixation)
    if locale:
        cookie["locale"] = locale
    cookie[COOKIE_KEY] = key
    login_user(user)


def end_session() -> None:
    """Forget the log-in on this browser (the server-side row is ended by ``accounts.security``)."""
    logout_user()
    cookie.clear()
