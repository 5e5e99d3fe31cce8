"""The invitation sample of a fielded study: drawn per cell, in waves, mailed once, reminded.

Per target cell, a wave invites ``ceil(remaining / rate)`` members, at most as many as are eligible:
``remaining`` is the cell's target less its completes and the completes expected from invitees
still out (``rate`` × those invited, opened or started), and ``rate`` is the past response rate of
the cell's country and specialty (completes per invitation in earlier studies, shrunk to
feasibility's stated prior, Beta(2, 8): mean 20 % worth 10 invitations), so cells that answer less
get more invitations. Members are eligible when verified, in the cell (country,
specialty, and sex and age band if the cell names them), not invited to this study yet (the unique
constraint decides), and under their frequency cap (``InvitationCap`` or ``INVITATION_CAP``
invitations in the last 30 days). The draw is random, seeded by study and wave.

Mailing them is :mod:`polling.studies.fielding`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from polling.db import insert_unless_present, utcnow
from polling.members.models import MemberProfile
from polling.respondents.demographics import snapshot
from polling.respondents.targeting import eligible_members
from polling.studies import feasibility
from polling.studies.field_controls import is_fielding
from polling.studies.models import Invitation, InvitationCap, Study, StudyCell
from sampling.feasibility import PRIOR, Prior

OUTSTANDING = ("invited", "opened", "started")


@dataclass(frozen=True)
class Settings:
    """The fielding settings (configuration), passed in so that services never read ``current_app``."""

    cap: int = 4
    reminder_days: int = 3
    reminders: int = 2
    wave_days: int = 3

    @classmethod
    def of(cls, app: Flask) -> Settings:
        config = app.config
        return cls(
            cap=int(config.get("INVITATION_CAP", 4)),
            reminder_days=int(config.get("INVITATION_REMINDER_DAYS", 3)),
            reminders=int(config.get("INVITATION_REMINDERS", 2)),
            wave_days=int(config.get("INVITATION_WAVE_DAYS", 3)),
        )


@dataclass(frozen=True)
class CellDraw:
    """What one wave did for one cell."""

    cell_id: int
    target: int
    completes: int
    outstanding: int
    rate: float
    wanted: int
    eligible: int
    invited: int


def response_rates(session: Session, study: Study, prior: Prior = PRIOR) -> dict[tuple[str, str], float]:
    """(country, specialty) → expected response rate: the Beta posterior mean of completes per
    invitation in earlier studies (feasibility's history) under feasibility's stated prior."""
    history = feasibility.history(session, study)
    rates = {}
    for cell in study.cells:
        invited, completes = history.get((cell.country, cell.specialty), (0, 0))
        rates[(cell.country, cell.specialty)] = prior.posterior_mean(invited, completes)
    return rates


def _cell_progress(session: Session, study_id: int) -> dict[int, tuple[int, int]]:
    """cell id → (completes, outstanding invitees), counted in SQL."""
    rows = session.execute(
        select(Invitation.cell_id, Invitation.disposition, func.count())
        .where(Invitation.study_id == study_id, Invitation.cell_id.is_not(None))
        .group_by(Invitation.cell_id, Invitation.disposition)
    ).all()
    progress: dict[int, tuple[int, int]] = {}
    for cell_id, disposition, n in rows:
        if cell_id is None:
            continue
        done, out = progress.get(cell_id, (0, 0))
        progress[cell_id] = (
            done + (n if disposition == "complete" else 0),
            out + (n if disposition in OUTSTANDING else 0),
        )
    return progress


def _candidates(
    session: Session, study: Study, cell: StudyCell, today: date, cap: int
) -> list[MemberProfile]:
    """Verified members of the cell not invited to ``study`` and under their frequency cap."""
    since = today - timedelta(days=30)
    recent = (
        select(func.count())
        .select_from(Invitation)
        .where(Invitation.member_id == MemberProfile.id, Invitation.invited_on > since)
        .scalar_subquery()
    )
    own_cap = select(InvitationCap.per_30_days).where(InvitationCap.member_id == MemberProfile.id)
    already = select(Invitation.id).where(
        Invitation.study_id == study.id, Invitation.member_id == MemberProfile.id
    )
    query = (
        eligible_members([cell.country], [cell.specialty])
        .where(~already.exists())
        .where(recent < func.coalesce(own_cap.scalar_subquery(), cap))
        .order_by(MemberProfile.id)
    )
    if cell.sex:
        query = query.where(MemberProfile.sex == cell.sex)
    members = list(session.scalars(query))
    if cell.age_band:
        members = [m for m in members if snapshot(m, today).age_band == cell.age_band]
    return members


def _lock_draws(session: Session) -> None:
    """Serialise draws on PostgreSQL: two studies drawing at once must not both spend one member's cap."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('pulse.invitation_draw'))"))


def draw_wave(
    session: Session, study_id: int, settings: Settings, today: date | None = None
) -> list[CellDraw]:
    """Draw and record the next wave of ``study_id`` (no mail is sent here); does not commit."""
    today = today or utcnow().date()
    _lock_draws(session)
    study = session.get(Study, study_id)
    if study is None or not is_fielding(study, today):  # paused, closed or past its last day
        return []
    wave = (session.scalar(select(func.max(Invitation.wave)).where(Invitation.study_id == study_id)) or 0) + 1
    progress = _cell_progress(session, study_id)
    rates = response_rates(session, study)
    rng = random.Random(f"{study_id}:{wave}")
    draws = []
    for cell in study.cells:
        completes, outstanding = progress.get(cell.id, (0, 0))
        rate = rates[(cell.country, cell.specialty)]
        remaining = cell.target - completes - rate * outstanding
        wanted = math.ceil(remaining / rate - 1e-9) if remaining > 0 else 0
        candidates = _candidates(session, study, cell, today, settings.cap) if wanted else []
        chosen = rng.sample(candidates, min(wanted, len(candidates)))
        invited = sum(
            insert_unless_present(
                session,
                Invitation,
                ("study_id", "member_id"),
                study_id=study_id,
                member_id=member.id,
                cell_id=cell.id,
                wave=wave,
                disposition="invited",
                invited_on=today,
                reminders=0,
            )
            for member in chosen
        )
        draws.append(
            CellDraw(cell.id, cell.target, completes, outstanding, rate, wanted, len(candidates), invited)
        )
    return draws


def needs_wave(session: Session, study_id: int, settings: Settings, today: date | None = None) -> bool:
    """Whether completes fall behind: a cell's expected completes short of target, and the last wave
    at least ``wave_days`` old."""
    today = today or utcnow().date()
    last = session.scalar(select(func.max(Invitation.invited_on)).where(Invitation.study_id == study_id))
    if last is not None and (today - last).days < settings.wave_days:
        return False
    study = session.get(Study, study_id)
    if study is None or not is_fielding(study, today):
        return False
    progress = _cell_progress(session, study_id)
    rates = response_rates(session, study)
    for cell in study.cells:
        completes, outstanding = progress.get(cell.id, (0, 0))
        rate = rates[(cell.country, cell.specialty)]
        if completes + rate * outstanding < cell.target:
            return True
    return False
