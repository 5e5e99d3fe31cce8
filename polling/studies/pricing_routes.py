"""Web pages of research clients' studies: feasibility, the quote (page and PDF), fair-market values."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from polling.db import get_session
from polling.studies import STUDY_ID, pricing, service
from sampling.codes import COUNTRIES
from sampling.taxonomy import GROUPS

bp = Blueprint("pricing", __name__)
STUDY = f"/studies/{STUDY_ID}"


@bp.get(f"{STUDY}/feasibility")
def feasibility(study_id: int) -> ResponseReturnValue:
    """Feasibility per target cell, with intervals, and the quote."""
    session = get_session()
    study = service.get_study(session, current_user, study_id)
    estimate, quote = pricing.priced(session, study)
    return render_template(
        "studies/feasibility.html",
        study=study,
        feasibility=estimate.as_dict(),
        quote=quote.as_dict(),
        money=pricing.money,
    )


@bp.get(f"{STUDY}/quote.pdf")
def quote_pdf(study_id: int) -> ResponseReturnValue:
    """The quote as a PDF the client can forward."""
    session = get_session()
    study = service.get_study(session, current_user, study_id)
    estimate, quote = pricing.priced(session, study)
    html = render_template(
        "studies/quote_pdf.html", feasibility=estimate.as_dict(), quote=quote.as_dict(), money=pricing.money
    )
    body = pricing.pdf(html, base_url=current_app.root_path)
    name = f"pulse-quote-study-{study.id}.pdf"
    return Response(
        body, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@bp.route("/staff/fair-market-values", methods=["GET", "POST"])
def fair_market_values() -> ResponseReturnValue:
    """Fielding or finance staff: the honoraria table per country and specialty group, editable."""
    session = get_session()
    if request.method == "POST":
        row = pricing.save_fair_market_value(session, current_user, request.form)
        flash(
            _("Saved the value for %(country)s, %(group)s.", country=row.country, group=row.specialty_group)
        )
        return redirect(url_for("pricing.fair_market_values"))
    return render_template(
        "studies/fair_market_values.html",
        values=pricing.fair_market_values(session, current_user),
        rates=pricing.exchange_rates(session),
        countries=COUNTRIES,
        groups=GROUPS,
        money=pricing.money,
    )
