"""Honoraria pages: the member's balance, history and payout request; finance staff's payout batches."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from polling.db import get_session
from polling.errors import InvalidInput
from polling.ledger import service as ledger

bp = Blueprint("ledger", __name__)


@bp.get("/honoraria")
def balance() -> ResponseReturnValue:
    """The member's balance per currency, history, and the payout button."""
    member = ledger.member_of(current_user)
    return render_template(
        "ledger/balance.html",
        body=ledger.statement(get_session(), member.id),
        format_amount=ledger.format_amount,
    )


@bp.post("/honoraria/payout")
def request_payout() -> ResponseReturnValue:
    """Request a payout of the balance (finance staff approve it)."""
    member = ledger.member_of(current_user)
    payout = ledger.request_payout(get_session(), member, request.form.get("currency") or None)
    flash(
        _(
            "Payout of %(amount)s requested.",
            amount=ledger.format_amount(payout.amount_minor, payout.currency),
        )
    )
    return redirect(url_for("ledger.balance"))


@bp.route("/payouts", methods=["GET", "POST"])
def payouts() -> ResponseReturnValue:
    """Finance staff: requested payouts, approved or refused in one batch; past batches to export."""
    session = get_session()
    if request.method == "POST":
        try:
            ids = [int(i) for i in request.form.getlist("payout")]
        except ValueError:
            raise InvalidInput.for_field("payout", _("Choose payouts from the list.")) from None
        approve = request.form.get("decision") == "approve"
        batch = ledger.decide_payouts(session, current_user, ids, approve=approve)
        flash(_("Batch %(batch)s approved.", batch=batch) if approve else _("The payouts were refused."))
        return redirect(url_for("ledger.payouts"))
    return render_template(
        "ledger/payouts.html",
        pending=ledger.pending_payouts(session, current_user),
        batches=ledger.batches(session, current_user),
        format_amount=ledger.format_amount,
    )


@bp.get("/payouts/<string(maxlength=40):batch>.csv")
def export(batch: str) -> ResponseReturnValue:
    """Finance staff: a batch's approved payouts as CSV for the payment provider."""
    content = ledger.export_batch(get_session(), current_user, batch)
    return Response(
        content,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="payouts-{batch}.csv"'},
    )
