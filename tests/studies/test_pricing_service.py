"""The quote from the shipped fair-market values and exchange rates, worked out by hand."""

from __future__ import annotations

import csv
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from polling.accounts.duties import StaffDuty
from polling.accounts.models import ClientOrganisation
from polling.errors import Conflict, Forbidden, InvalidInput
from polling.studies import pricing
from polling.studies.models import ExchangeRate, FairMarketValue
from sampling.codes import COUNTRIES
from sampling.taxonomy import GROUPS
from tests.factories import make_user
from tests.studies.pricing_helpers import TODAY, add_members, make_study

DATA = Path(pricing.__file__).with_name("data")
GBP_PER_EURO = Decimal("0.82918")
USD_PER_EURO = Decimal("1.0389")


def _organisation(session, hasher, currency: str = "EUR") -> int:  # type: ignore[no-untyped-def]
    client = make_user(session, hasher, "client", organisation=f"Acme {currency}")
    session.get(ClientOrganisation, client.organisation_id).currency = currency
    session.commit()
    return int(client.organisation_id)


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_the_shipped_table_covers_every_country_and_group_with_its_source_and_year():
    with (DATA / "fair_market_values.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["country"], r["specialty_group"]) for r in rows} == {(c, g) for c in COUNTRIES for g in GROUPS}
    assert all(r["source"].startswith("Pulse reference schedule") and r["year"] == "2026" for r in rows)
    with (DATA / "exchange_rates.csv").open() as handle:
        rates = list(csv.DictReader(handle))
    assert {r["currency"] for r in rates} == {"USD", "GBP", "CAD", "AUD", "NZD", "ZAR", "MXN"}
    assert all("ECB" in r["source"] and r["on"] == "2024-12-31" for r in rates)


def test_reference_data_loads_once_and_keeps_staff_edits(session, hasher):
    assert pricing.load_reference_data(session) == (len(COUNTRIES) * len(GROUPS), 7)
    session.get(FairMarketValue, ("UK", "medical")).minor_per_hour = 12_345
    session.commit()
    assert pricing.load_reference_data(session) == (0, 0)
    assert session.get(FairMarketValue, ("UK", "medical")).minor_per_hour == 12_345


def test_honorarium_is_the_hourly_value_times_the_length_rounded_up_to_a_unit():
    assert pricing.honorarium_minor(13_000, 20) == 4_400  # £130/h × 20 min = £43.33 → £44
    assert pricing.honorarium_minor(12_000, 20) == 4_000  # exactly €40
    assert pricing.honorarium_minor(15_000, 15) == 3_800  # £37.50 → £38


def test_quote_in_euros_worked_by_hand(session, hasher):
    org = _organisation(session, hasher, "EUR")
    add_members(session, 100, "UK", "cardiology")
    add_members(session, 60, "ES", "cardiology")
    study = make_study(
        session,
        org,
        [
            {"country": "UK", "specialty": "cardiology", "target": 20},
            {"country": "ES", "specialty": "cardiology", "target": 10},
        ],
        length_minutes=20,
    )
    quote = pricing.quote(session, study, today=TODAY)
    uk, es = quote.lines
    # Cardiology is a medical specialty: UK £130/h, Spain €120/h (the shipped table).
    assert (uk.honorarium_currency, uk.honorarium_minor) == ("GBP", 4_400)
    assert (es.honorarium_currency, es.honorarium_minor) == ("EUR", 4_000)
    uk_in_euros = _half_up(Decimal(4_400) / GBP_PER_EURO)  # 5306.4… → 5306 cents
    assert uk.honorarium_client_minor == uk_in_euros == 5_306
    assert quote.honoraria_minor == 5_306 * 20 + 4_000 * 10 == 146_120
    # No history: the 20 % prior, so 20 / 0.2 = 100 and 10 / 0.2 = 50 invitations.
    assert (uk.invitations, es.invitations) == (100, 50)
    assert quote.fee_completes_minor == 2_000 * 30
    assert quote.fee_invitations_minor == 25 * 150
    assert quote.project_fee_minor == 150_000
    assert quote.fees_minor == 60_000 + 3_750 + 150_000
    assert quote.total_minor == 146_120 + 213_750 == 359_870
    assert quote.total_shown == "EUR 3,598.70"
    assert quote.currency == "EUR" and quote.rates_on == date(2024, 12, 31)
    assert "ECB" in quote.rate_source
    assert quote.as_dict()["rates_on"] == "2024-12-31"


def test_quote_in_dollars_converts_through_the_euro(session, hasher):
    org = _organisation(session, hasher, "USD")
    add_members(session, 100, "UK", "cardiology")
    study = make_study(session, org, [{"country": "UK", "specialty": "cardiology", "target": 20}])
    quote = pricing.quote(session, study, today=TODAY)
    (line,) = quote.lines
    assert line.honorarium_client_minor == _half_up(Decimal(4_400) / GBP_PER_EURO * USD_PER_EURO)
    assert quote.fee_per_complete_minor == _half_up(Decimal(2_000) * USD_PER_EURO) == 2_078
    assert quote.project_fee_minor == _half_up(Decimal(150_000) * USD_PER_EURO)
    assert quote.total_minor == quote.honoraria_minor + quote.fees_minor
    assert pricing.money(quote.total_minor, "USD").startswith("USD ")


def test_honorarium_by_country_takes_the_highest_group_there(session, hasher):
    org = _organisation(session, hasher)
    study = make_study(
        session,
        org,
        [
            {"country": "UK", "specialty": "cardiology", "target": 5},  # medical £130/h → £32.50 → £33
            {"country": "UK", "specialty": "general_surgery", "target": 5},  # surgical £150/h → £37.50 → £38
            {"country": "ES", "specialty": "family_medicine", "target": 5},  # GP €90/h → €22.50 → €23
        ],
        length_minutes=15,
    )
    assert pricing.honorarium_by_country(session, study) == {"UK": ("GBP", 3_800), "ES": ("EUR", 2_300)}


def test_a_missing_value_or_rate_is_a_conflict_that_says_what_to_add(session, hasher):
    org = _organisation(session, hasher, "EUR")
    study = make_study(session, org, [{"country": "ZA", "specialty": "psychiatry", "target": 5}])
    pricing.load_reference_data(session)
    session.execute(delete(ExchangeRate).where(ExchangeRate.currency == "ZAR"))
    session.commit()
    with pytest.raises(Conflict, match="No exchange rates of one day for ZAR"):
        pricing.quote(session, study)
    session.execute(delete(FairMarketValue).where(FairMarketValue.country == "ZA"))
    session.commit()
    with pytest.raises(Conflict, match="No fair-market value for ZA and mental_health"):
        pricing.quote(session, study)


FORM = {
    "country": "UK",
    "specialty_group": "surgical",
    "currency": "GBP",
    "per_hour": "160.00",
    "source": "Pulse reference schedule, 2027 review",
    "year": "2027",
}


def test_staff_with_fielding_or_finance_edit_a_value(session, hasher):
    staff = make_user(session, hasher, "staff")
    row = pricing.save_fair_market_value(session, staff, FORM)
    assert (row.minor_per_hour, row.year, row.updated_by_id) == (16_000, 2027, staff.id)
    assert session.scalar(select(func.count()).select_from(FairMarketValue)) == len(COUNTRIES) * len(GROUPS)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"per_hour": "lots"}, "per_hour"),
        ({"per_hour": "-5"}, "per_hour"),
        ({"per_hour": "10.001"}, "per_hour"),
        ({"country": "FR"}, "country"),
        ({"specialty_group": "cardiology"}, "specialty_group"),
        ({"year": "1899"}, "year"),
        ({"source": ""}, "source"),
    ],
)
def test_a_bad_edit_names_the_field(session, hasher, change, field):
    staff = make_user(session, hasher, "staff")
    with pytest.raises(InvalidInput) as refused:
        pricing.save_fair_market_value(session, staff, {**FORM, **change})
    assert field in refused.value.fields


def test_only_fielding_or_finance_staff_may_edit(session, hasher):
    verifier = make_user(session, hasher, "staff")
    session.execute(
        delete(StaffDuty).where(StaffDuty.user_id == verifier.id, StaffDuty.duty != "verification")
    )
    session.commit()
    client = make_user(session, hasher, "client")
    for user in (verifier, client):
        session.expire(user)
        with pytest.raises(Forbidden, match="fielding or finance"):
            pricing.save_fair_market_value(session, user, FORM)


def test_pulse_load_pricing_fills_empty_tables_once(runner, session):
    first = runner.invoke(args=["load-pricing"])
    assert (
        first.exit_code == 0 and f"Fair-market values: {len(COUNTRIES) * len(GROUPS)} loaded" in first.output
    )
    again = runner.invoke(args=["load-pricing"])
    assert "Fair-market values: 0 loaded; exchange rates: 0 loaded" in again.output


def test_an_accepted_quote_fixes_the_honoraria_paid(session, hasher):
    org = _organisation(session, hasher)
    study = make_study(
        session, org, [{"country": "UK", "specialty": "cardiology", "target": 5}], length_minutes=15
    )
    study.accepted_quote = pricing.quote(session, study).as_dict()
    session.commit()
    staff = make_user(session, hasher, "staff")
    pricing.save_fair_market_value(
        session, staff, {**FORM, "specialty_group": "medical", "per_hour": "400.00"}
    )
    assert pricing.honorarium_by_country(session, study) == {"UK": ("GBP", 3_300)}  # £130/h as quoted
    study.accepted_quote = None
    session.commit()
    assert pricing.honorarium_by_country(session, study) == {"UK": ("GBP", 10_000)}  # the table now
