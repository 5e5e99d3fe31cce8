"""Posting to the honoraria ledger, balances and history, payouts and their CSV export.

:func:`post` is the one way in: a unique key per posting (``insert_unless_present``) makes a
retried or doubled posting post nothing, in the caller's transaction, so that a credit commits
with the completion it pays for or not at all. ``credit_honorarium`` and ``reverse_honorarium`` do
not commit (the survey service does); payout functions commit their own unit of work.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from polling import policies
from polling.accounts.models import User
from polling.db import insert_unless_present, utcnow
from polling.errors import Conflict, Forbidden, InvalidInput, NotFound
from polling.ledger.models import COUNTRY_CURRENCY, CURRENCIES, LedgerEntry, LedgerTransaction, Payout
from polling.members.models import MemberProfile

#: Smallest payout a member may request, in minor units (the same figure in every currency).
PAYOUT_MINIMUM = 2000


@dataclass(frozen=True)
class Posting:
    account: str
    currency: str
    amount_minor: int
    member_id: int | None = None


class UnbalancedPosting(ValueError):
    """A posting whose entries do not sum to zero in each currency (a programming error)."""


def post(
    session: Session,
    key: str,
    kind: str,
    postings: Sequence[Posting],
    *,
    member_id: int | None = None,
    survey_id: int | None = None,
    payout_id: int | None = None,
) -> bool:
    """Post ``postings`` under ``key`` unless already posted; True if posted now. Does not commit."""
    totals: dict[str, int] = {}
    for entry in postings:
        if entry.currency not in CURRENCIES:
            raise UnbalancedPosting(f"unknown currency {entry.currency!r}")
        totals[entry.currency] = totals.get(entry.currency, 0) + entry.amount_minor
    if any(totals.values()) or not postings:
        raise UnbalancedPosting(f"entries of {key!r} do not balance: {totals}")
    inserted = insert_unless_present(
        session,
        LedgerTransaction,
        ("key",),
        key=key,
        kind=kind,
        member_id=member_id,
        survey_id=survey_id,
        payout_id=payout_id,
        posted_on=utcnow().date(),
    )
    if not inserted:
        return False
    transaction_id = session.scalar(select(LedgerTransaction.id).where(LedgerTransaction.key == key))
    session.add_all(
        LedgerEntry(
            transaction_id=transaction_id,
            account=p.account,
            member_id=p.member_id,
            currency=p.currency,
            amount_minor=p.amount_minor,
        )
        for p in postings
    )
    session.flush()
    return True


def honorarium_key(survey_id: int, member_id: int) -> str:
    return f"honorarium:{survey_id}:{member_id}"


def credit_honorarium(
    session: Session, member_id: int, survey_id: int, currency: str, amount_minor: int
) -> bool:
    """Credit a qualifying complete, once per member and survey (True if credited now)."""
    return post(
        session,
        honorarium_key(survey_id, member_id),
        "honorarium",
        [
            Posting("member", currency, amount_minor, member_id),
            Posting("honoraria", currency, -amount_minor),
        ],
        member_id=member_id,
        survey_id=survey_id,
    )


def reverse_honorarium(session: Session, member_id: int, survey_id: int) -> bool:
    """Post the opposite of a member's honorarium for a survey, once (False: nothing to reverse)."""
    credit = session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.key == honorarium_key(survey_id, member_id))
    )
    if credit is None:
        return False
    return post(
        session,
        f"reversal:{survey_id}:{member_id}",
        "reversal",
        [Posting(e.account, e.currency, -e.amount_minor, e.member_id) for e in credit.entries],
        member_id=member_id,
        survey_id=survey_id,
    )


def credited_members(session: Session, survey_id: int) -> list[int]:
    """Members the ledger names as paid for a survey (its crowd, and where a reversal looks)."""
    return list(
        session.scalars(
            select(LedgerTransaction.member_id).where(
                LedgerTransaction.survey_id == survey_id, LedgerTransaction.kind == "honorarium"
            )
        )
    )


def balances(session: Session, member_id: int) -> dict[str, int]:
    """What is owed to the member, per currency, in minor units (currencies with entries only)."""
    rows = session.execute(
        select(LedgerEntry.currency, func.sum(LedgerEntry.amount_minor))
        .where(LedgerEntry.account == "member", LedgerEntry.member_id == member_id)
        .group_by(LedgerEntry.currency)
    )
    return {currency: int(total) for currency, total in rows}


@dataclass(frozen=True)
class HistoryLine:
    posted_on: date
    kind: str
    survey_id: int | None
    currency: str
    amount_minor: int


def history(session: Session, member_id: int, limit: int = 200) -> list[HistoryLine]:
    rows = session.execute(
        select(
            LedgerTransaction.posted_on,
            LedgerTransaction.kind,
            LedgerTransaction.survey_id,
            LedgerEntry.currency,
            LedgerEntry.amount_minor,
        )
        .join(LedgerTransaction, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerEntry.account == "member", LedgerEntry.member_id == member_id)
        .order_by(LedgerTransaction.id.desc())
        .limit(limit)
    )
    return [HistoryLine(*row) for row in rows]


def format_amount(amount_minor: int, currency: str) -> str:
    sign = "-" if amount_minor < 0 else ""
    return f"{sign}{abs(amount_minor) // 100}.{abs(amount_minor) % 100:02d} {currency}"


# --- payouts --------------------------------------------------------------------------------------


def request_payout(session: Session, member: MemberProfile, currency: str | None = None) -> Payout:
    """Request the member's whole balance in one currency; the amount leaves the balance at once."""
    currency = currency or COUNTRY_CURRENCY.get(member.country, "USD")
    if currency not in CURRENCIES:
        raise InvalidInput.for_field("currency", _l("Choose one of: %(codes)s.", codes=", ".join(CURRENCIES)))
    session.execute(select(MemberProfile.id).where(MemberProfile.id == member.id).with_for_update())
    balance = balances(session, member.id).get(currency, 0)
    if balance < PAYOUT_MINIMUM:
        raise Conflict(
            _l(
                "Your balance is %(balance)s; you can request a payout from %(minimum)s.",
                balance=format_amount(balance, currency),
                minimum=format_amount(PAYOUT_MINIMUM, currency),
            )
        )
    payout = Payout(
        member_id=member.id, currency=currency, amount_minor=balance, requested_on=utcnow().date()
    )
    session.add(payout)
    session.flush()
    post(
        session,
        f"payout:{payout.id}",
        "payout",
        [
            Posting("member", currency, -balance, member.id),
            Posting("payouts_pending", currency, balance),
        ],
        member_id=member.id,
        payout_id=payout.id,
    )
    session.commit()
    return payout


def pending_payouts(session: Session, staff: User) -> list[Payout]:
    policies.require(staff, "payout.approve")
    return list(session.scalars(select(Payout).where(Payout.status == "requested").order_by(Payout.id)))


def decide_payouts(session: Session, staff: User, payout_ids: Sequence[int], *, approve: bool) -> str:
    """Approve (or refuse) requested payouts as one batch; returns the batch name. Each posts its entries."""
    policies.require(staff, "payout.approve")
    if not payout_ids:
        raise InvalidInput.for_field("payouts", _l("Choose at least one payout."))
    payouts = list(
        session.scalars(
            select(Payout).where(Payout.id.in_(list(payout_ids))).order_by(Payout.id).with_for_update()
        )
    )
    if len(payouts) != len(set(payout_ids)):
        raise NotFound(_l("One of the payouts chosen does not exist."))
    today = utcnow().date()
    batch = f"{today.isoformat()}-{min(payout_ids)}-{len(payouts)}"
    for payout in payouts:
        if payout.status != "requested":
            raise Conflict(_l("Payout %(id)d has already been decided.", id=payout.id))
        target = Posting("payouts_paid", payout.currency, payout.amount_minor)
        if not approve:
            target = Posting("member", payout.currency, payout.amount_minor, payout.member_id)
        post(
            session,
            f"payout-{'paid' if approve else 'refused'}:{payout.id}",
            "payout_paid" if approve else "payout_refused",
            [Posting("payouts_pending", payout.currency, -payout.amount_minor), target],
            member_id=payout.member_id,
            payout_id=payout.id,
        )
        payout.status = "approved" if approve else "refused"
        payout.decided_on, payout.decided_by_id = today, staff.id
        payout.batch = batch if approve else None
    session.commit()
    return batch


def export_batch(session: Session, staff: User, batch: str) -> str:
    """The approved payouts of a batch as CSV for the payment provider (member, currency, amount)."""
    policies.require(staff, "payout.approve")
    payouts = list(session.scalars(select(Payout).where(Payout.batch == batch).order_by(Payout.id)))
    if not payouts:
        raise NotFound(_l("No approved payouts in batch %(batch)s.", batch=batch))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["payout_id", "member_id", "currency", "amount", "amount_minor", "approved_on"])
    for p in payouts:
        amount = f"{p.amount_minor // 100}.{p.amount_minor % 100:02d}"
        writer.writerow([p.id, p.member_id, p.currency, amount, p.amount_minor, p.decided_on])
    return out.getvalue()


def batches(session: Session, staff: User) -> list[str]:
    policies.require(staff, "payout.approve")
    return list(
        session.scalars(
            select(Payout.batch).where(Payout.batch.is_not(None)).distinct().order_by(Payout.batch)
        )
    )


def member_of(user: User | None) -> MemberProfile:
    member = user.member if user is not None else None
    if member is None or member.status != "verified":
        raise Forbidden(_l("Only verified physicians earn honoraria."))
    return member


def statement(session: Session, member_id: int) -> dict[str, Any]:
    """A member's balances and history, as the balance page and the API show them."""
    held = balances(session, member_id)
    return {
        "balances": [
            {"currency": c, "amount_minor": a, "amount": format_amount(a, c)} for c, a in held.items()
        ],
        "minimum_minor": PAYOUT_MINIMUM,
        "history": [
            {
                "posted_on": line.posted_on,
                "kind": line.kind,
                "survey_id": line.survey_id,
                "currency": line.currency,
                "amount_minor": line.amount_minor,
            }
            for line in history(session, member_id)
        ],
    }
