"""Staff duties: which parts of the staff's work each staff account may do.

A staff account holds one or more duties; object-level policies (:mod:`polling.policies`) ask for
the duty an action needs. Kept as rows, so that an account's duties can change without a migration.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, event, insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from polling.accounts.models import User
from polling.db import Base

#: verification: licences and identities; fielding: polls, paid surveys and press reports;
#: finance: honoraria and payouts.
STAFF_DUTIES = ("verification", "fielding", "finance")


class StaffDuty(Base):
    __tablename__ = "staff_duties"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    duty: Mapped[str] = mapped_column(String(20), primary_key=True)


@event.listens_for(User, "after_insert")
def _new_staff_hold_every_duty(_mapper: Any, connection: Connection, user: User) -> None:
    """A staff account, however it is created (sign-up by an operator, CLI, demo), starts with every
    duty; an operator narrows it afterwards."""
    if user.role == "staff":
        connection.execute(insert(StaffDuty), [{"user_id": user.id, "duty": duty} for duty in STAFF_DUTIES])
