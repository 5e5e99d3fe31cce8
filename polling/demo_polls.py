"""Demo polls on the themes physicians are asked about, some open and some closed, with thousands of
votes from the demo membership.

Answers depend on sex, age and specialty, and the demo membership over-represents men, younger
doctors and some specialties, so raw and weighted shares differ visibly. The demo accounts that
people log in with never vote, so they can try voting themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from polling.accounts.models import User
from polling.db import utcnow
from polling.demo import DOMAIN
from polling.members.models import MemberProfile
from polling.polls import privacy
from polling.polls.models import Poll, PollOption, Vote, options_mask, random_vote_id
from polling.respondents import anonymity
from polling.respondents.demographics import snapshot
from polling.respondents.keys import RespondentKeys


@dataclass(frozen=True)
class DemoPoll:
    topic: str
    question_en: str
    question_es: str
    options: tuple[tuple[str, str], ...]
    days_open: tuple[int, int]  # opened this many days ago, closes this many days from now (negative: closed)
    turnout: float
    featured: bool = False
    multiple: bool = False
    countries: tuple[str, ...] = ()
    statements: tuple[tuple[str, str], ...] = ()


POLLS = (
    DemoPoll(
        "network",
        "Would collaborating through a global network of physicians help you treat difficult cases more effectively?",
        "¿Le ayudaría colaborar a través de una red mundial de médicos a tratar con más eficacia los casos difíciles?",
        (("Yes", "Sí"), ("No", "No"), ("Not sure", "No estoy seguro")),
        (30, -16),
        0.55,
        statements=(
            (
                "say collaborating through a global network of physicians would help them treat difficult "
                "cases more effectively",
                "considera que colaborar a través de una red mundial de médicos le ayudaría a tratar con más "
                "eficacia los casos difíciles",
            ),
        ),
    ),
    DemoPoll(
        "diagnosis",
        "What share of your cases fall into a diagnostic grey zone, where the diagnosis stays uncertain?",
        "¿Qué proporción de sus casos cae en una zona gris diagnóstica, en la que el diagnóstico sigue siendo incierto?",
        (
            ("Under 10%", "Menos del 10 %"),
            ("10–25%", "10–25 %"),
            ("26–50%", "26–50 %"),
            ("Over 50%", "Más del 50 %"),
        ),
        (20, -6),
        0.45,
    ),
    DemoPoll(
        "burnout",
        "Have you experienced symptoms of burnout in the past 12 months?",
        "¿Ha tenido síntomas de agotamiento profesional (burnout) en los últimos 12 meses?",
        (("Yes", "Sí"), ("No", "No"), ("Prefer not to say", "Prefiero no decirlo")),
        (5, 9),
        0.4,
        featured=True,
    ),
    DemoPoll(
        "telemedicine",
        "Which telemedicine services do you offer your patients today?",
        "¿Qué servicios de telemedicina ofrece hoy a sus pacientes?",
        (
            ("Video consultations", "Consultas por vídeo"),
            ("Phone consultations", "Consultas telefónicas"),
            ("Remote monitoring", "Monitorización remota"),
            ("Secure messaging", "Mensajería segura"),
            ("None", "Ninguno"),
        ),
        (3, 11),
        0.3,
        multiple=True,
    ),
    DemoPoll(
        "workforce",
        "Do you regularly work more than 48 hours a week?",
        "¿Trabaja habitualmente más de 48 horas a la semana?",
        (("Yes", "Sí"), ("No", "No")),
        (2, 12),
        0.35,
        countries=("ES", "MX"),
    ),
)


def _answer(rng: np.random.Generator, poll: DemoPoll, member: MemberProfile, year: int) -> list[int]:
    """Option positions a member picks: a simple model in which sex, age and specialty matter."""
    young = year - member.birth_year < 45
    senior = year - member.birth_year >= 55
    male = member.sex == "male"
    gp = member.specialty in {
        "family_medicine",
        "internal_medicine_pediatrics",
        "emergency_medicine",
        "psychiatry",
    }
    if poll.topic == "network":
        yes = 0.86 - 0.4 * senior - 0.1 * (not male)
        return [0 if rng.random() < yes else (1 if rng.random() < 0.6 else 2)]
    if poll.topic == "diagnosis":
        p = np.array([0.35, 0.35, 0.2, 0.1]) if not gp else np.array([0.15, 0.35, 0.3, 0.2])
        return [int(rng.choice(4, p=p))]
    if poll.topic == "burnout":
        yes = 0.3 + 0.25 * gp + 0.2 * (not male) + 0.1 * young
        return [0 if rng.random() < min(yes, 0.95) else (1 if rng.random() < 0.85 else 2)]
    if poll.topic == "telemedicine":
        offered = [
            i
            for i, p in enumerate((0.45 + 0.2 * young, 0.6, 0.15 + 0.15 * (not gp), 0.35))
            if rng.random() < p
        ]
        return offered or [4]
    return [0 if rng.random() < 0.45 + 0.25 * (not gp) + 0.1 * male else 1]


def seed_polls(session: Session, keys: RespondentKeys, *, seed: int) -> int:
    """Create the demo polls that do not exist yet, with their votes; returns the votes added."""
    rng = np.random.default_rng(seed + 1)
    order = np.random.default_rng(seed + 2)
    now = utcnow()
    members = list(
        session.scalars(
            select(MemberProfile)
            .join(User, MemberProfile.user_id == User.id)
            .where(MemberProfile.status == "verified", User.email.like(f"%@members.{DOMAIN}"))
            .order_by(MemberProfile.id)
        )
    )
    added = 0
    for spec in POLLS:
        if session.scalar(select(Poll.id).where(Poll.question_en == spec.question_en)) is not None:
            continue
        opened, closes = spec.days_open
        poll = Poll(
            question_en=spec.question_en,
            question_es=spec.question_es,
            multiple=spec.multiple,
            topic=spec.topic,
            featured=spec.featured,
            status="published",
            opens_at=now - timedelta(days=opened),
            closes_at=now + timedelta(days=closes),
            options=[
                PollOption(
                    position=i,
                    label_en=en,
                    label_es=es,
                    statement_en=spec.statements[i][0] if i < len(spec.statements) else None,
                    statement_es=spec.statements[i][1] if i < len(spec.statements) else None,
                )
                for i, (en, es) in enumerate(spec.options)
            ],
        )
        poll.set_targets(tuple(spec.countries), ())
        session.add(poll)
        session.flush()
        eligible = [m for m in members if not spec.countries or m.country in spec.countries]
        # Each vote stores what the live path stores: its member's snapshot generalised against the
        # poll's crowd (respondents.anonymity) and the day; inserted in a random order.
        partitions: dict[int, anonymity.Generalisation] = {}
        rows = []
        for member in eligible:
            if rng.random() >= spec.turnout:
                continue
            cast = poll.opens_at + timedelta(
                seconds=float(
                    rng.uniform(0, max(1.0, (min(now, poll.closes_at) - poll.opens_at).total_seconds()))
                )
            )
            # Demo members never log in: their votes predate today, whose votes come from today's log-ins.
            day = min(cast.date(), (now - timedelta(days=1)).date())
            if day.year not in partitions:
                partitions[day.year] = anonymity.generalise(anonymity.crowd_of(eligible, day))
            rows.append(
                {
                    "id": random_vote_id(),
                    "poll_id": poll.id,
                    "respondent_key": keys.key("poll", poll.id, member.id),
                    **partitions[day.year](snapshot(member, day)).as_columns(),
                    "cast_on": day,
                    "options_mask": options_mask(_answer(rng, spec, member, now.year)),
                }
            )
        order.shuffle(rows)
        if rows:
            session.execute(insert(Vote), rows)
        privacy.release_steps(session, poll.id, every=1)  # the demo's history is all released
        added += len(rows)
        session.flush()
    return added


def seed_reports(session: Session) -> int:
    """Build and publish the report of every closed demo poll that has none; returns how many."""
    from polling.polls.service import state
    from polling.press.models import Report
    from polling.press.service import build_report

    built = 0
    for spec in POLLS:
        poll = session.scalar(select(Poll).where(Poll.question_en == spec.question_en))
        if poll is None or state(poll) != "closed":
            continue
        if session.scalar(select(Report.id).where(Report.poll_id == poll.id)) is not None:
            continue
        report = build_report(session, poll.id)
        report.status, report.published_at = "published", poll.closes_at + timedelta(days=1)
        built += 1
    return built
