"""Log-in (with its second-factor step), log-out, sign-up choice, journalist sign-up, e-mail
verification, forgotten passwords, the support page and account settings."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user

from polling import mail
from polling.accounts import guard, links, recovery, security, service, sessions, totp, web
from polling.accounts.models import User
from polling.db import get_session, utcnow
from polling.errors import InvalidInput, NotAuthenticated
from polling.extensions import limiter
from polling.redirects import safe_next

bp = Blueprint("accounts", __name__)
PENDING = "pending_second_factor"


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _signup_limit() -> str:
    return str(current_app.config["SIGNUP_RATE_LIMIT"])


def _hasher():
    return current_app.extensions["pulse.hasher"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(_login_limit, scope="login", methods=["POST"])
def login():
    """Log in with e-mail and password (then an authenticator code, if the account has one)."""
    error = None
    if request.method == "POST":
        session = get_session()
        email = request.form.get("email", "")
        try:
            attempt = recovery.log_in(
                session,
                _hasher(),
                web.limits(),
                email,
                request.form.get("password", ""),
                web.client_address(),
                public_urls(),
            )
        except NotAuthenticated as exc:
            error = exc.message
        else:
            user = attempt.user
            if not attempt.verified:
                mail.deliver(current_app, attempt.outgoing)
                error = _("Confirm your e-mail address first: we have sent you a new link.")
                return render_template("accounts/login.html", error=error, email=email), 403
            if user.totp_secret is not None:
                cookie[PENDING] = {"user": user.id, "at": utcnow().timestamp()}
                return redirect(url_for("accounts.second_factor", next=request.args.get("next")))
            web.start_session(user, second_factor=False)
            return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/login.html", error=error, email=request.form.get("email", "")), (
        401 if error else 200
    )


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.shared_limit(_login_limit, scope="login", methods=["POST"])
def second_factor():
    """The second step of a log-in: the code from the authenticator app."""
    pending = cookie.get(PENDING)
    session = get_session()
    user = None
    if isinstance(pending, dict) and utcnow().timestamp() - float(pending.get("at", 0)) <= 300:
        user = session.get(User, int(pending["user"]))
    if user is None:  # no password step within five minutes: start again
        cookie.pop(PENDING, None)
        error = _("Your log-in expired: enter your e-mail address and password again.")
        return render_template("accounts/login.html", error=error, email=""), 200
    error = None
    if request.method == "POST":
        guard.check_allowed(session, web.limits(), user.email, web.client_address())
        if totp.verify(user.totp_secret, request.form.get("code", "")):
            web.start_session(user, second_factor=True)
            return redirect(safe_next(request.args.get("next")))
        guard.failed(session, web.limits(), user.email, web.client_address(), kind="second_factor_failed")
        error = _("That code is not right: type the 6 digits your authenticator app shows now.")
    return render_template("accounts/code.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    """Log out: this browser's session ends on the server too."""
    security.log_out(get_session(), current_user, cookie.get(web.COOKIE_KEY), web.client_address())
    web.end_session()
    flash(_("You are logged out."))
    return redirect(url_for("main.home"))


@bp.get("/signup")
def signup():
    """Choose how to join: physician or journalist."""
    return render_template("accounts/signup.html")


@bp.route("/signup/journalist", methods=["GET", "POST"])
@limiter.shared_limit(_signup_limit, scope="signup", methods=["POST"])
def signup_journalist():
    """Journalist sign-up: free access to the press room's reports, once the address is confirmed."""
    errors: dict[str, list[object]] = {}
    if request.method == "POST":
        session = get_session()
        try:
            outgoing = recovery.sign_up_journalist(session, _hasher(), request.form, public_urls())
        except InvalidInput as exc:
            errors = exc.fields
        else:
            mail.deliver(current_app, outgoing)
            return redirect(url_for("accounts.check_inbox"))
    return render_template("accounts/signup_journalist.html", errors=errors, form=request.form), (
        422 if errors else 200
    )


@bp.get("/signup/check-inbox")
def check_inbox():
    """The one answer every sign-up gets: look for our e-mail."""
    return render_template("accounts/check_inbox.html")


@bp.get("/verify/<token>")
def verify_email(token: str):
    """Follow the link from the sign-up e-mail: the address is confirmed and the person logged in."""
    try:
        user = recovery.confirm_email(get_session(), token[:100], web.client_address())
    except InvalidInput:
        return render_template("accounts/link_expired.html"), 410
    web.start_session(user, second_factor=False)
    flash(_("Your e-mail address is confirmed."))
    return redirect(url_for("members.status") if user.role == "member" else url_for("main.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.shared_limit(_signup_limit, scope="signup", methods=["POST"])
def forgot_password():
    """Ask for a password-reset link; the answer is the same whether the address has an account."""
    if request.method == "POST":
        session = get_session()
        outgoing = recovery.request_reset(session, request.form.get("email", ""), public_urls())
        mail.deliver(current_app, outgoing)
        return render_template("accounts/check_inbox.html", reset=True)
    return render_template("accounts/forgot.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a reset link (one use, one hour); every session and token ends."""
    session = get_session()
    try:
        links.peek(session, token[:100], "reset")
    except InvalidInput:
        return render_template("accounts/link_expired.html"), 410
    errors: dict[str, list[object]] = {}
    if request.method == "POST":
        try:
            recovery.reset_password(
                session, _hasher(), token[:100], request.form.get("new_password", ""), web.client_address()
            )
        except InvalidInput as exc:
            errors = exc.fields
        else:
            flash(_("Your password is changed. Log in with the new one."))
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", errors=errors), (422 if errors else 200)


@bp.get("/support")
def support():
    """How to reach a person: licence disputes, lost access, anything else."""
    return render_template("accounts/support.html", address=current_app.config["SUPPORT_EMAIL"])


@bp.route("/account", methods=["GET", "POST"])
def settings():
    """Account settings: language, sessions, tokens, security (and, for members, their name's privacy)."""
    session = get_session()
    if request.method == "POST":
        service.set_locale(session, current_user, request.form.get("locale", ""))
        flash(_("Your settings are saved."))
        return redirect(url_for("accounts.settings"))
    return render_template(
        "accounts/settings.html",
        login_sessions=sessions.live_sessions(session, current_user),
        tokens=sessions.live_tokens(session, current_user),
    )


def public_urls() -> recovery.Urls:
    base = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    return recovery.Urls(
        base=base,
        login=base + url_for("accounts.login"),
        forgot=base + url_for("accounts.forgot_password"),
        support=base + url_for("accounts.support"),
        membership=base + url_for("members.status"),
    )
