"""Home page, language switch, health check."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user

from polling.accounts.service import set_locale
from polling.db import get_session, readiness
from polling.i18n import LANGUAGES
from polling.redirects import safe_next
from polling.studies.service import studies_of

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """The member's feed, or the public landing page."""
    from polling.polls import service as polls
    from polling.respondents.keys import current_keys
    from polling.surveys import service as surveys

    member = current_user.member if current_user.is_authenticated else None
    session = get_session()
    verified = member is not None and member.status == "verified"
    open_polls = polls.feed(session, member) if verified else []
    paid = surveys.for_member(session, current_keys(), member) if member is not None and verified else []
    client = current_user.is_authenticated and current_user.role == "client"
    studies = studies_of(session, current_user) if client else []
    return render_template(
        "main/home.html",
        member=member,
        polls=open_polls,
        closed=polls.recently_closed(session),
        surveys=paid,
        client=client,
        studies=studies,
    )


@bp.post("/language")
def set_language():
    """Switch the interface language (remembered on the account when logged in)."""
    locale = request.form.get("locale", "")
    if locale in LANGUAGES:
        session["locale"] = locale
        if current_user.is_authenticated:
            set_locale(get_session(), current_user, locale)
    return redirect(safe_next(request.form.get("next")))


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers (touches neither the database nor Redis)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness: 200 when the database (and Redis, if configured) answer; 503 naming what is down."""
    checks = readiness(current_app.extensions["pulse.engine"], current_app.config.get("REDIS_URL"))
    ready = all(state == "ok" for state in checks.values())
    headers = {} if ready else {"Retry-After": str(current_app.config.get("RETRY_AFTER", 5))}
    return {"status": "ok" if ready else "unavailable", **checks}, 200 if ready else 503, headers
