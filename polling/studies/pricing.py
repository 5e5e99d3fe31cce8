"""The quote: honoraria from the fair-market-value table, Pulse's fee, in the client's currency.

* **Honorarium per complete** = the hourly fair-market value of the cell's country and specialty
  group (:func:`sampling.taxonomy.group_of`) × the study's length in minutes / 60, rounded *up* to
  a whole unit of the country's currency (e.g. £150/h × 20 min = £50).
* **Expected completes** = each cell's target; **expected invitations** = the invitations the
  feasibility estimate needs at the posterior mean response rate, at most the eligible members.
* **Pulse's fee** (:data:`FEES`, in euros, converted like the honoraria): a fee per complete
  (programming, hosting, quality checks, paying the honorarium), a fee per invitation (mailing and
  reminders) and one project fee (set-up, translation review, project management).
* **Currency**: every amount is converted through the euro with the exchange rates of one day —
  the latest day on which every needed currency has a rate — and that day is stated. Amounts are
  integer minor units throughout; each conversion rounds half up to a whole minor unit, per
  complete before multiplying, so the lines add up to the totals exactly.

The shipped tables (``data/fair_market_values.csv``: Pulse's reference schedule, with its year;
``data/exchange_rates.csv``: ECB reference rates of a stated day) are loaded into the database when
empty (:func:`load_reference_data`, ``pulse load-pricing``); staff with the fielding or finance
duty edit the values on ``/staff/fair-market-values``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from polling import policies
from polling.accounts.models import ClientOrganisation, User
from polling.errors import Conflict, InvalidInput
from polling.ledger.models import CURRENCIES
from polling.studies.feasibility import StudyFeasibility, cell_label, feasibility
from polling.studies.models import ExchangeRate, FairMarketValue, Study
from sampling.codes import COUNTRIES
from sampling.taxonomy import GROUPS, SPECIALTIES, group_of

DATA_DIR = Path(__file__).with_name("data")
BASE_CURRENCY = "EUR"


@dataclass(frozen=True)
class PulseFees:
    """Pulse's fee, in euro cents: per complete, per invitation and per project."""

    per_complete_minor: int = 2_000
    per_invitation_minor: int = 25
    project_minor: int = 150_000


#: Pulse's fee schedule: €20 per complete, €0.25 per invitation, €1,500 per study.
FEES = PulseFees()


@dataclass(frozen=True)
class QuoteLine:
    """One cell of the quote. ``honorarium_minor`` is in the country's currency, the rest in the client's."""

    cell_id: int
    label: str
    country: str
    specialty: str
    specialty_group: str
    completes: int
    invitations: int
    honorarium_currency: str
    honorarium_minor: int
    honorarium_client_minor: int
    honoraria_minor: int


@dataclass(frozen=True)
class Quote:
    """A study's price in ``currency`` (minor units), with the exchange day and the sources stated."""

    study_id: int
    title: str
    organisation: str
    currency: str
    length_minutes: int
    issued_on: date
    lines: tuple[QuoteLine, ...]
    completes: int
    invitations: int
    honoraria_minor: int
    fee_per_complete_minor: int
    fee_per_invitation_minor: int
    fee_completes_minor: int
    fee_invitations_minor: int
    project_fee_minor: int
    fees_minor: int
    total_minor: int
    total_shown: str
    rates_on: date | None
    rates: dict[str, float]
    rate_source: str
    value_sources: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """One dict for the page, the API, the PDF and ``Study.accepted_quote``."""
        data = asdict(self)
        data["issued_on"] = self.issued_on.isoformat()
        data["rates_on"] = self.rates_on.isoformat() if self.rates_on else None
        data["value_sources"] = list(self.value_sources)
        return data


def money(amount_minor: int, currency: str) -> str:
    """``"GBP 1,234.50"``: every Pulse currency has two minor units."""
    sign = "-" if amount_minor < 0 else ""
    units, cents = divmod(abs(amount_minor), 100)
    return f"{currency} {sign}{units:,}.{cents:02d}"


# --- reference data -------------------------------------------------------------------------------


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_reference_data(session: Session) -> tuple[int, int]:
    """Load the shipped fair-market values and exchange rates into empty tables, and commit.

    Returns:
        (values added, rates added): (0, 0) when both tables already had rows (staff edits stay).
    """
    values = rates = 0
    if not session.scalar(select(func.count()).select_from(FairMarketValue)):
        for row in _read("fair_market_values.csv"):
            session.add(
                FairMarketValue(
                    country=row["country"],
                    specialty_group=row["specialty_group"],
                    currency=row["currency"],
                    minor_per_hour=int(row["minor_per_hour"]),
                    source=row["source"],
                    year=int(row["year"]),
                )
            )
            values += 1
    if not session.scalar(select(func.count()).select_from(ExchangeRate)):
        for row in _read("exchange_rates.csv"):
            session.add(
                ExchangeRate(
                    currency=row["currency"],
                    on=date.fromisoformat(row["on"]),
                    per_euro=float(row["per_euro"]),
                    source=row["source"],
                )
            )
            rates += 1
    if values or rates:
        session.commit()
    return values, rates


def fair_market_values(session: Session, user: User) -> list[FairMarketValue]:
    """The table, by country and specialty group (loading the shipped one into an empty database).

    Raises:
        Forbidden: ``user`` is not staff with the fielding or finance duty.
    """
    policies.require(user, "pricing.edit")
    load_reference_data(session)
    return list(
        session.scalars(
            select(FairMarketValue).order_by(FairMarketValue.country, FairMarketValue.specialty_group)
        )
    )


def exchange_rates(session: Session) -> list[ExchangeRate]:
    """Every stored rate, newest day first."""
    return list(session.scalars(select(ExchangeRate).order_by(ExchangeRate.on.desc(), ExchangeRate.currency)))


class FairMarketValueSchema(Schema):
    """A staff edit of one row; ``per_hour`` in major units ("195.00"), stored in minor units."""

    country = fields.String(required=True, validate=validate.OneOf(tuple(COUNTRIES)))
    specialty_group = fields.String(required=True, validate=validate.OneOf(tuple(GROUPS)))
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES))
    per_hour = fields.String(required=True)
    source = fields.String(required=True, validate=validate.Length(min=3, max=300))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


def _minor_units(text: str) -> int:
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput.for_field(
            "per_hour", _l("Give the hourly amount as a number, e.g. 195.00.")
        ) from None
    if (
        not amount.is_finite()
        or amount <= 0
        or amount >= 1_000_000
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise InvalidInput.for_field(
            "per_hour", _l("Give a positive hourly amount under 1,000,000 with at most two decimals.")
        )
    return int(amount * 100)


def save_fair_market_value(session: Session, user: User, form: Mapping[str, Any]) -> FairMarketValue:
    """Create or change the value of one country and specialty group, and commit.

    Raises:
        Forbidden: ``user`` is not staff with the fielding or finance duty.
        InvalidInput: a field is missing or wrong (each message names its field).
    """
    policies.require(user, "pricing.edit")
    load_reference_data(session)  # an edit must not leave the rest of the shipped table unloaded
    try:
        data = FairMarketValueSchema().load(
            {k: form.get(k) for k in FairMarketValueSchema().fields if k in form}
        )
    except ValidationError as exc:
        messages = exc.normalized_messages()
        raise InvalidInput(
            _l("Some fields are not valid."), fields={k: list(v) for k, v in messages.items()}
        ) from None
    minor = _minor_units(data["per_hour"])
    row = session.get(FairMarketValue, (data["country"], data["specialty_group"]))
    if row is None:
        row = FairMarketValue(country=data["country"], specialty_group=data["specialty_group"])
        session.add(row)
    row.currency = data["currency"]
    row.minor_per_hour = minor
    row.source = data["source"].strip()
    row.year = data["year"]
    row.updated_by_id = user.id
    session.commit()
    return row


# --- the quote --------------------------------------------------------------------------------------


def honorarium_minor(minor_per_hour: int, length_minutes: int) -> int:
    """The honorarium for an interview of ``length_minutes``, rounded up to a whole currency unit."""
    return math.ceil(minor_per_hour * length_minutes / 6_000) * 100


def _value(session: Session, country: str, specialty: str) -> FairMarketValue:
    group = group_of(specialty) if specialty in SPECIALTIES else None
    row = session.get(FairMarketValue, (country, group)) if group else None
    if row is None:
        raise Conflict(
            _l(
                "No fair-market value for %(country)s and %(group)s: staff with the fielding or finance "
                "duty can add one on the fair-market-value page.",
                country=country,
                group=group or specialty,
            )
        )
    return row


def honorarium_by_country(session: Session, study: Study) -> dict[str, tuple[str, int]]:
    """Country → (currency, honorarium in minor units) for fielding ``study``.

    A survey pays one honorarium per country, so each country gets the highest honorarium among the
    study's specialty groups there: no respondent is paid under the fair-market value of their group.
    A study whose quote was accepted is paid what that quote said (``Study.accepted_quote``), even if
    staff have changed the table since; otherwise the table as it is now.

    Raises:
        Conflict: a cell's country and specialty group has no fair-market value.
    """
    out: dict[str, tuple[str, int]] = {}
    accepted = (study.accepted_quote or {}).get("lines") or []
    if accepted and {line.get("country") for line in accepted} >= set(study.country_codes):
        for line in accepted:
            amount = int(line["honorarium_minor"])
            if line["country"] not in out or amount > out[line["country"]][1]:
                out[line["country"]] = (str(line["honorarium_currency"]), amount)
        return out
    load_reference_data(session)
    for cell in study.cells:
        row = _value(session, cell.country, cell.specialty)
        amount = honorarium_minor(row.minor_per_hour, study.length_minutes)
        if cell.country not in out or amount > out[cell.country][1]:
            out[cell.country] = (row.currency, amount)
    return out


def _rates(session: Session, currencies: set[str]) -> tuple[date | None, dict[str, Decimal], str]:
    """The latest day on which every currency in ``currencies`` has a rate to the euro."""
    needed = currencies - {BASE_CURRENCY}
    if not needed:
        return None, {BASE_CURRENCY: Decimal(1)}, ""
    rows = session.scalars(select(ExchangeRate).where(ExchangeRate.currency.in_(needed)))
    by_day: dict[date, dict[str, ExchangeRate]] = {}
    for row in rows:
        by_day.setdefault(row.on, {})[row.currency] = row
    complete = [day for day, found in by_day.items() if set(found) >= needed]
    if not complete:
        raise Conflict(
            _l(
                "No exchange rates of one day for %(currencies)s: staff must add them.",
                currencies=", ".join(sorted(needed)),
            )
        )
    day = max(complete)
    rates = {code: Decimal(str(row.per_euro)) for code, row in by_day[day].items() if code in needed}
    rates[BASE_CURRENCY] = Decimal(1)
    return day, rates, next(iter(by_day[day].values())).source


def convert(amount_minor: int, source: str, target: str, rates: Mapping[str, Decimal]) -> int:
    """``amount_minor`` of ``source`` in ``target`` through the euro, rounded half up to a minor unit."""
    if source == target:
        return amount_minor
    value = Decimal(amount_minor) / rates[source] * rates[target]
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def quote(
    session: Session,
    study: Study,
    *,
    fees: PulseFees = FEES,
    estimate: StudyFeasibility | None = None,
    today: date | None = None,
) -> Quote:
    """The quote for ``study`` (already checked by :func:`service.get_study`).

    Raises:
        Conflict: a cell has no fair-market value, or a currency no exchange rate.
    """
    load_reference_data(session)
    estimate = estimate or feasibility(session, study, today)
    organisation = session.get(ClientOrganisation, study.organisation_id)
    currency = organisation.currency if organisation else BASE_CURRENCY
    values = {cell.id: _value(session, cell.country, cell.specialty) for cell in study.cells}
    rates_on, rates, rate_source = _rates(session, {currency} | {v.currency for v in values.values()})
    invitations = {c.cell_id: min(c.estimate.invitations_needed, c.estimate.eligible) for c in estimate.cells}
    lines = []
    for cell in study.cells:
        value = values[cell.id]
        local = honorarium_minor(value.minor_per_hour, study.length_minutes)
        per_complete = convert(local, value.currency, currency, rates)
        lines.append(
            QuoteLine(
                cell_id=cell.id,
                label=cell_label(cell),
                country=cell.country,
                specialty=cell.specialty,
                specialty_group=value.specialty_group,
                completes=cell.target,
                invitations=invitations.get(cell.id, 0),
                honorarium_currency=value.currency,
                honorarium_minor=local,
                honorarium_client_minor=per_complete,
                honoraria_minor=per_complete * cell.target,
            )
        )
    completes = sum(line.completes for line in lines)
    invited = sum(line.invitations for line in lines)
    per_complete_fee = convert(fees.per_complete_minor, BASE_CURRENCY, currency, rates)
    per_invitation_fee = convert(fees.per_invitation_minor, BASE_CURRENCY, currency, rates)
    project_fee = convert(fees.project_minor, BASE_CURRENCY, currency, rates)
    honoraria = sum(line.honoraria_minor for line in lines)
    fees_total = per_complete_fee * completes + per_invitation_fee * invited + project_fee
    sources = sorted({f"{v.source} ({v.year})" for v in values.values()})
    return Quote(
        study_id=study.id,
        title=study.title,
        organisation=organisation.name if organisation else "",
        currency=currency,
        length_minutes=study.length_minutes,
        issued_on=today or date.today(),
        lines=tuple(lines),
        completes=completes,
        invitations=invited,
        honoraria_minor=honoraria,
        fee_per_complete_minor=per_complete_fee,
        fee_per_invitation_minor=per_invitation_fee,
        fee_completes_minor=per_complete_fee * completes,
        fee_invitations_minor=per_invitation_fee * invited,
        project_fee_minor=project_fee,
        fees_minor=fees_total,
        total_minor=honoraria + fees_total,
        total_shown=money(honoraria + fees_total, currency),
        rates_on=rates_on,
        rates={code: float(rate) for code, rate in sorted(rates.items())},
        rate_source=rate_source,
        value_sources=tuple(sources),
    )


def priced(session: Session, study: Study) -> tuple[StudyFeasibility, Quote]:
    """Feasibility and the quote of ``study``, estimated once for both."""
    estimate = feasibility(session, study)
    return estimate, quote(session, study, estimate=estimate)


def pdf(html: str, base_url: str) -> bytes:
    """The quote page as a tagged A4 PDF (WeasyPrint, PDF/UA-1, as the poll reports)."""
    from weasyprint import HTML  # imported on use: loading Pango costs every process that never prints

    return bytes(HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/ua-1"))


__all__ = [
    "FEES",
    "PulseFees",
    "Quote",
    "QuoteLine",
    "convert",
    "exchange_rates",
    "fair_market_values",
    "honorarium_by_country",
    "honorarium_minor",
    "load_reference_data",
    "money",
    "pdf",
    "priced",
    "quote",
    "save_fair_market_value",
]
