"""Log-in, log-out, sign-up choice, journalist sign-up, account settings."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from polling.accounts import service
from polling.db import get_session
from polling.errors import InvalidInput, NotAuthenticated
from polling.extensions import limiter
from polling.main.routes import _safe_next

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(_login_limit, scope="login", methods=["POST"])
def login():  # type: ignore[no-untyped-def]
    """Log in with e-mail and password."""
    error = None
    if request.method == "POST":
        session = get_session()
        try:
            user = service.authenticate(
                session,
                current_app.extensions["pulse.hasher"],
                request.form.get("email", ""),
                request.form.get("password", ""),
            )
        except NotAuthenticated as exc:
            error = exc.message
        else:
            session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", error=error, email=request.form.get("email", "")), (
        401 if error else 200
    )


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    """Log out."""
    logout_user()
    flash(_("You are logged out."))
    return redirect(url_for("main.home"))


@bp.get("/signup")
def signup():  # type: ignore[no-untyped-def]
    """Choose how to join: physician or journalist."""
    return render_template("accounts/signup.html")


@bp.route("/signup/journalist", methods=["GET", "POST"])
def signup_journalist():  # type: ignore[no-untyped-def]
    """Journalist sign-up: free access to the press room's reports."""
    errors: dict[str, list[object]] = {}
    if request.method == "POST":
        session = get_session()
        try:
            user = service.create_user(
                session,
                current_app.extensions["pulse.hasher"],
                role="journalist",
                email=request.form.get("email", ""),
                password=request.form.get("password", ""),
                outlet=request.form.get("outlet", ""),
            )
        except InvalidInput as exc:
            errors = exc.fields
        else:
            session.commit()
            login_user(user)
            flash(_("Welcome to Pulse."))
            return redirect(url_for("main.home"))
    return render_template("accounts/signup_journalist.html", errors=errors, form=request.form), (
        422 if errors else 200
    )


@bp.route("/account", methods=["GET", "POST"])
def settings():  # type: ignore[no-untyped-def]
    """Account settings: language, and for members whether peers see their name."""
    from polling.members.service import set_identity_visibility

    if request.method == "POST":
        session = get_session()
        service.set_locale(session, current_user, request.form.get("locale", ""))
        if current_user.member is not None:
            set_identity_visibility(session, current_user.member, request.form.get("show_identity") == "on")
        session.commit()
        flash(_("Your settings are saved."))
        return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html")
