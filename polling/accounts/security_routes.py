"""Account security: change password, log out everywhere, revoke API tokens, the second factor."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user

from polling import mail
from polling.accounts import security, sessions, totp, web
from polling.db import get_session, utcnow
from polling.errors import InvalidInput

bp = Blueprint("security", __name__)
TOKEN_ID = "<int(max=2147483647):token_id>"


@bp.post("/account/password")
def change_password():
    """Change the password: every other session and every API token ends."""
    session = get_session()
    try:
        outgoing = security.change_password(
            session,
            current_app.extensions["pulse.hasher"],
            current_user,
            current=request.form.get("current_password", ""),
            new=request.form.get("new_password", ""),
            keep_session=cookie.get(web.COOKIE_KEY),
            address=web.client_address(),
            forgot_url=str(current_app.config["PUBLIC_URL"]).rstrip("/")
            + url_for("accounts.forgot_password"),
        )
    except InvalidInput as exc:
        return render_template(
            "accounts/settings.html",
            errors=exc.fields,
            login_sessions=sessions.live_sessions(session, current_user),
            tokens=sessions.live_tokens(session, current_user),
        ), 422
    mail.deliver(current_app, outgoing)
    flash(_("Your password is changed; your other sessions and API tokens have ended."))
    return redirect(url_for("accounts.settings"))


@bp.post("/account/sessions/end")
def log_out_everywhere():
    """End every session of this account, this one included, and revoke every API token."""
    security.end_everywhere(get_session(), current_user, web.client_address())
    web.end_session()
    flash(_("You are logged out on every device, and your API tokens are revoked."))
    return redirect(url_for("accounts.login"))


@bp.post(f"/account/tokens/{TOKEN_ID}/revoke")
def revoke_token(token_id: int):
    """Revoke one of the account's API tokens."""
    security.revoke_token(get_session(), current_user, token_id, web.client_address())
    flash(_("The token is revoked."))
    return redirect(url_for("accounts.settings"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
def two_factor():
    """Set up an authenticator app (required for staff), or turn it off where it is optional."""
    session = get_session()
    user = current_user
    error = None
    if request.method == "POST" and request.form.get("action") == "disable":
        if user.role in current_app.config.get("SECOND_FACTOR_ROLES", ()):
            error = _("Your role must use a second factor: it cannot be turned off.")
        elif not totp.verify(user.totp_secret, request.form.get("code", "")):
            error = _("That code is not right: type the 6 digits your authenticator app shows now.")
        else:
            security.disable_second_factor(session, user)
            flash(_("The second factor is off."))
            return redirect(url_for("accounts.settings"))
    elif request.method == "POST":
        secret = str(cookie.get("totp_setup") or "")
        if not secret or not totp.verify(secret, request.form.get("code", "")):
            error = _("That code is not right: type the 6 digits your authenticator app shows now.")
        else:
            security.enable_second_factor(
                session, user, secret, g.get("login_session"), web.client_address(), utcnow()
            )
            cookie.pop("totp_setup", None)
            flash(_("Your authenticator app is set up: log-ins will ask for its code."))
            return redirect(url_for("accounts.settings"))
    if user.totp_secret is None and not cookie.get("totp_setup"):
        cookie["totp_setup"] = totp.new_secret()
    setup = cookie.get("totp_setup")
    return render_template(
        "accounts/two_factor.html",
        enabled=user.totp_secret is not None,
        secret=setup,
        uri=totp.provisioning_uri(str(setup), user.email) if setup else None,
        error=error,
    ), (422 if error else 200)
