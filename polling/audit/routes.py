"""The security log, read by auditors (and staff): filter by kind, e-mail, address and dates."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from polling.audit.models import KINDS
from polling.audit.service import EventFilter, events
from polling.db import get_session
from polling.errors import InvalidInput

bp = Blueprint("audit", __name__)


def _day(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d")
    except ValueError:
        raise InvalidInput.for_field(name, _l("Give a date like 2026-03-01.")) from None
    if not 2000 <= day.year <= 2100:
        raise InvalidInput.for_field(name, _l("Give a date between 2000 and 2100."))
    return day.replace(tzinfo=UTC)


@bp.get("/audit")
def security_log():
    """The newest security events, filtered."""
    kind = request.args.get("kind", "").strip()
    if kind and kind not in KINDS:
        raise InvalidInput.for_field("kind", _l("Choose an event kind from the list."))
    where = EventFilter(
        kind=kind or None,
        email=request.args.get("email", "")[:254] or None,
        address=request.args.get("address", "")[:64] or None,
        since=_day("since"),
        until=_day("until"),
    )
    return render_template(
        "audit/log.html", events=events(get_session(), where), kinds=KINDS, filters=request.args
    )
