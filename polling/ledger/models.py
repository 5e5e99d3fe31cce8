"""The honoraria ledger: append-only, double-entry, in integer minor units per currency.

Every posting is a :class:`LedgerTransaction` (unique ``key``: posting the same key twice posts
nothing) and its :class:`LedgerEntry` rows, whose amounts sum to zero per currency. Nothing is ever
edited or deleted (triggers refuse UPDATE and DELETE); a correction is a new, opposite posting.
The ledger names the member and the survey — the link between a member and an honorarium — and
nothing of the answers.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from polling.db import Base

CURRENCIES = ("USD", "GBP", "CAD", "AUD", "EUR", "NZD", "ZAR", "MXN")
#: The currency a member of each country is paid in.
COUNTRY_CURRENCY = {
    "US": "USD",
    "UK": "GBP",
    "CA": "CAD",
    "AU": "AUD",
    "IE": "EUR",
    "ES": "EUR",
    "NZ": "NZD",
    "ZA": "ZAR",
    "MX": "MXN",
}
Amount = BigInteger().with_variant(Integer(), "sqlite")


class LedgerTransaction(Base):
    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # honorarium, reversal, payout, payout_paid, payout_refused
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"), index=True)
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id"), index=True)
    posted_on: Mapped[date] = mapped_column(Date)

    entries: Mapped[list[LedgerEntry]] = relationship(order_by="LedgerEntry.id", lazy="selectin")


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (CheckConstraint("amount_minor <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    # member (owed to the member), honoraria (the surveys' cost), payouts_pending, payouts_paid
    account: Mapped[str] = mapped_column(String(20))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(Amount)


class Payout(Base):
    """A member's request to be paid their balance in one currency; finance staff decide."""

    __tablename__ = "payouts"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("status IN ('requested', 'approved', 'refused')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(Amount)
    status: Mapped[str] = mapped_column(String(10), default="requested", index=True)
    requested_on: Mapped[date] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    batch: Mapped[str | None] = mapped_column(String(40), index=True)
