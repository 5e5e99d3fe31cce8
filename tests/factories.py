"""Small factories: ``make_member(session, hasher, **overrides)`` and friends."""

from __future__ import annotations

import secrets
from datetime import timedelta
from itertools import count

from polling.accounts.service import create_user
from polling.db import utcnow
from polling.members.licences import make_npi
from polling.members.service import register_physician, review
from polling.polls.models import Vote
from polling.polls.privacy import release_steps

PASSWORD = "correct horse battery"
_serial = count(1)


def physician_form(**overrides: object) -> dict[str, object]:
    n = next(_serial)
    form: dict[str, object] = {
        "email": f"doctor{n}@example.org",
        "password": PASSWORD,
        "full_name": f"Dana Example {n}",
        "country": "US",
        "specialty": "cardiology",
        "licence_number": make_npi(f"1{n:08d}"),
        "sex": "female",
        "birth_year": "1975",
        "licence_year": "2001",
        "practice_setting": "hospital",
    }
    form.update(overrides)
    return form


def make_user(session, hasher, role: str = "staff", **overrides: object):  # type: ignore[no-untyped-def]
    n = next(_serial)
    fields: dict[str, object] = {"email": f"{role}{n}@example.org", "password": PASSWORD, "role": role}
    if role == "client":
        fields["organisation"] = "Acme Research"
    fields.update(overrides)
    user = create_user(session, hasher, **fields)  # type: ignore[arg-type]
    session.commit()
    return user


def make_member(session, hasher, *, status: str = "verified", **overrides: object):  # type: ignore[no-untyped-def]
    member = register_physician(session, hasher, physician_form(**overrides))
    if status != "pending":
        staff = make_user(session, hasher, "staff")
        review(
            session,
            staff,
            member.id,
            decision="verify" if status == "verified" else "reject",
            reason="Licence not found in the register.",
        )
    session.commit()
    return member


def poll_form(**overrides: object) -> dict[str, object]:
    from datetime import timedelta

    from polling.db import utcnow

    now = utcnow()
    form: dict[str, object] = {
        "question_en": "Would an international medical network help you treat difficult cases?",
        "question_es": "¿Le ayudaría una red médica internacional a tratar casos difíciles?",
        "option_en": ["Yes", "No", "Not sure"],
        "option_es": ["Sí", "No", "No estoy seguro"],
        "topic": "network",
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=7)).isoformat(),
    }
    form.update(overrides)
    return form


def make_poll(session, hasher=None, *, staff=None, publish: bool = True, **overrides: object):  # type: ignore[no-untyped-def]
    from polling.polls.service import create_poll

    staff = staff or make_user(session, hasher, "staff")
    poll = create_poll(session, staff, poll_form(**overrides), publish=publish)
    session.commit()
    return poll


def make_published_report(session, poll, files: dict[str, bytes]):  # type: ignore[no-untyped-def]
    """A published report row with the given files, without building documents (for access tests)."""
    from polling.db import utcnow
    from polling.press.models import Report, ReportFile

    now = utcnow()
    report = Report(
        poll_id=poll.id,
        status="published",
        input_hash="0" * 64,
        version="test",
        topic="other",
        countries="US",
        n=0,
        title_en="t",
        title_es="t",
        sentences={},
        fieldwork_start=now,
        fieldwork_end=now,
        published_at=now,
        files=[
            ReportFile(name=name, media_type="text/html", content=content) for name, content in files.items()
        ],
    )
    session.add(report)
    session.commit()
    return report


def add_votes(session, poll, cells) -> None:  # type: ignore[no-untyped-def]
    """cells: [(country, specialty, sex, age_band, option_index, count)], inserted without members."""
    for country, specialty, sex, band, option, votes in cells:
        for _ in range(votes):
            session.add(
                Vote(
                    poll_id=poll.id,
                    respondent_key=secrets.token_hex(32),
                    country=country,
                    specialty=specialty,
                    sex=sex,
                    age_band=band,
                    practice_band="10-19",
                    options_mask=1 << option,
                )
            )
    session.flush()
    release_steps(session, poll.id, every=1)  # counted in live results at once
    session.commit()


# A closed poll's votes: three countries, Ireland a small cell (4).
VOTES = [
    ("US", "family_medicine", "male", "35-44", 0, 50),
    ("US", "cardiology", "female", "55-64", 1, 30),
    ("UK", "family_medicine", "female", "35-44", 0, 25),
    ("IE", "family_medicine", "female", "45-54", 1, 4),
]


def closed_poll(session, hasher, **overrides):  # type: ignore[no-untyped-def]
    now = utcnow()
    poll = make_poll(
        session,
        hasher,
        countries=["US", "UK", "IE"],
        opens_at=(now - timedelta(days=5)).isoformat(),
        closes_at=(now + timedelta(days=1)).isoformat(),
        **overrides,
    )
    add_votes(session, poll, VOTES)
    poll.closes_at = now - timedelta(hours=1)  # votes were cast while it was open
    session.commit()
    return poll
