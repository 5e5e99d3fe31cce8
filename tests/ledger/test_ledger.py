"""The honoraria ledger: credits once, reversals, payouts with finance approval, CSV, and a sum of zero."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from polling.errors import Conflict, Forbidden
from polling.ledger import service as ledger
from polling.ledger.models import LedgerEntry
from tests.factories import make_member, make_user
from tests.surveys.helpers import make_survey


def test_randomised_completions_retries_reversals_and_payouts_sum_to_zero(app, session, hasher):
    rng = random.Random(20261130)
    staff = make_user(session, hasher)
    surveys = [make_survey(session, staff).id for _ in range(3)]
    members = [make_member(session, hasher) for _ in range(3)]
    expected: dict[int, int] = {m.id: 0 for m in members}
    credited: set[tuple[int, int]] = set()
    for _ in range(60):
        member, survey_id = rng.choice(members), rng.choice(surveys)
        move = rng.random()
        if move < 0.5:
            posted = ledger.credit_honorarium(session, member.id, survey_id, "USD", 5000)
            assert posted == ((member.id, survey_id) not in credited)  # a retry never pays twice
            if posted:
                credited.add((member.id, survey_id))
                expected[member.id] += 5000
        elif move < 0.7 and (member.id, survey_id) in credited:
            if ledger.reverse_honorarium(session, member.id, survey_id):
                expected[member.id] -= 5000
        elif move < 0.9:
            session.commit()
            try:
                payout = ledger.request_payout(session, member, "USD")
                expected[member.id] -= payout.amount_minor
            except Conflict:
                pass
        else:
            session.commit()
            pending = ledger.pending_payouts(session, staff)
            if pending:
                ledger.decide_payouts(session, staff, [p.id for p in pending], approve=rng.random() < 0.7)
                expected = {m.id: ledger.balances(session, m.id).get("USD", 0) for m in members}
        session.commit()
    assert session.scalar(select(func.sum(LedgerEntry.amount_minor))) == 0
    for member in members:
        assert ledger.balances(session, member.id).get("USD", 0) == expected[member.id]


def test_payouts_need_the_threshold_and_finance_and_export_as_csv(app, session, hasher):
    staff = make_user(session, hasher)
    member = make_member(session, hasher)
    ledger.credit_honorarium(session, member.id, make_survey(session, staff).id, "USD", 1500)
    session.commit()
    with pytest.raises(Conflict, match=r"Your balance is 15.00 USD; you can request a payout from 20.00 USD"):
        ledger.request_payout(session, member)
    ledger.credit_honorarium(session, member.id, make_survey(session, staff).id, "USD", 1500)
    session.commit()
    payout = ledger.request_payout(session, member)
    assert payout.amount_minor == 3000 and ledger.balances(session, member.id) == {"USD": 0}
    with pytest.raises(Forbidden, match="Only finance staff"):
        ledger.pending_payouts(session, member.user)
    batch = ledger.decide_payouts(session, staff, [payout.id], approve=True)
    lines = ledger.export_batch(session, staff, batch).splitlines()
    assert lines[0] == "payout_id,member_id,currency,amount,amount_minor,approved_on"
    assert lines[1].startswith(f"{payout.id},{member.id},USD,30.00,3000,")
    with pytest.raises(Conflict, match="already been decided"):
        ledger.decide_payouts(session, staff, [payout.id], approve=True)


def test_the_ledger_refuses_edits_at_the_database(app, session, hasher):
    staff = make_user(session, hasher)
    member = make_member(session, hasher)
    ledger.credit_honorarium(session, member.id, make_survey(session, staff).id, "USD", 1500)
    session.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        session.execute(text("UPDATE ledger_entries SET amount_minor = 1"))
    session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        session.execute(text("DELETE FROM ledger_transactions"))
    session.rollback()


def test_an_unbalanced_posting_is_a_programming_error(app, session):
    with pytest.raises(ledger.UnbalancedPosting, match="do not balance"):
        ledger.post(session, "x", "honorarium", [ledger.Posting("member", "USD", 5, 1)])
