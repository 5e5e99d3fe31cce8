"""Names shown for quality flags and ledger entries, in the request's language."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

FLAGS = {
    "speeder": _l("Speeder"),
    "page_speeder": _l("Speeder on a page"),
    "straight_lining": _l("Straight-lining"),
    "attention": _l("Failed attention check"),
    "gibberish": _l("Gibberish open answer"),
    "duplicate": _l("Duplicate answers"),
}
ENTRIES = {
    "honorarium": _l("Honorarium"),
    "reversal": _l("Reversal after quality review"),
    "payout": _l("Payout requested"),
    "payout_paid": _l("Payout paid"),
    "payout_refused": _l("Payout refused: returned to your balance"),
}


def register(bp: Blueprint) -> None:
    @bp.app_context_processor
    def _names() -> dict[str, object]:
        return {
            "flag_name": lambda code: FLAGS.get(code, code),
            "entry_name": lambda code: ENTRIES.get(code, code),
        }
