"""Names shown for a study's status and an invitee's disposition, in the request's language.

The one list of each: templates call ``study_status_name(code)`` and ``disposition_name(code)``.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from polling.studies.models import DISPOSITIONS, STUDY_STATUSES

STATUSES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted for review"),
    "returned": _l("Returned with comments"),
    "approved": _l("Approved"),
    "field": _l("In field"),
    "paused": _l("Paused"),
    "closed": _l("Closed"),
}
DISPOSITION_NAMES = {
    "invited": _l("Invited, never opened"),
    "bounced": _l("E-mail bounced"),
    "opened": _l("Opened, never started"),
    "started": _l("Started, broke off"),
    "partial": _l("Partial"),
    "refused": _l("Refused or opted out"),
    "screened_out": _l("Screened out (not eligible)"),
    "over_quota": _l("Over quota"),
    "complete": _l("Complete"),
    "removed": _l("Removed for quality"),
}
if set(STATUSES) != set(STUDY_STATUSES) or set(DISPOSITION_NAMES) != set(DISPOSITIONS):
    raise RuntimeError("polling.studies.labels must name every status and disposition")


def register(bp: Blueprint) -> None:
    @bp.app_context_processor
    def _names() -> dict[str, object]:
        return {
            "study_status_name": lambda code: STATUSES.get(code, code),
            "disposition_name": lambda code: DISPOSITION_NAMES.get(code, code),
        }
