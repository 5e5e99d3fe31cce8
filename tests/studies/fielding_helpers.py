"""Fielding tests' pieces: a submitted study, stub honoraria, physicians by country, a real SMTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from itertools import count
from typing import Any

from aiosmtpd.controller import Controller

from polling.db import utcnow
from polling.studies.models import Study, StudyCell
from tests.factories import make_member
from tests.servers import free_port
from tests.surveys.helpers import questionnaire

_licences = count(1000)


def doctor(session, hasher, country: str = "UK", specialty: str = "cardiology", **overrides: Any):  # type: ignore[no-untyped-def]
    """A verified physician of ``country`` with a licence number of that country's format."""
    n = next(_licences)
    number = {"UK": f"{n:07d}", "ES": f"28{n:07d}"}[country]
    return make_member(
        session, hasher, country=country, specialty=specialty, licence_number=number, **overrides
    )


def honoraria(_session, study) -> dict[str, tuple[str, int]]:  # type: ignore[no-untyped-def]
    """Stands in for polling.studies.pricing.honorarium_by_country in these tests."""
    return {c: ("GBP" if c == "UK" else "EUR", 4000 if c == "UK" else 4500) for c in study.country_codes}


def submitted_study(
    session, client_user, cells=(("UK", "cardiology", 3), ("ES", "cardiology", 2)), **overrides
):  # type: ignore[no-untyped-def]
    today = utcnow().date()
    values: dict[str, Any] = {
        "organisation_id": client_user.organisation_id,
        "created_by_id": client_user.id,
        "title": "Heart failure treatment choices",
        "objectives": "How cardiologists choose treatments",
        "sponsor_name": "Acme Pharma",
        "sponsor_type": "pharmaceutical",
        "questionnaire": questionnaire(),
        "sample_size": sum(c[2] for c in cells),
        "field_start": today,
        "field_end": today + timedelta(days=14),
        "languages": ["en", "es"],
        "length_minutes": 12,
        "status": "submitted",
        "submitted_at": utcnow(),
        "cells": [StudyCell(country=c, specialty=s, target=t, hard=True) for c, s, t in cells],
    }
    values.update(overrides)
    study = Study(**values)
    session.add(study)
    session.commit()
    return study


@dataclass
class MailServer:
    """A real SMTP server on the loopback (aiosmtpd) that keeps what it receives.

    ``refuse``: recipients answered 550 (a bounce). ``fail_data_at``: the n-th message (1-based)
    is answered 451 once (a server failing half-way through a job).
    """

    host: str
    port: int
    messages: list[Message] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    fail_data_at: int | None = None
    _seen: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self._lock:
            self._seen += 1
            if self.fail_data_at is not None and self._seen == self.fail_data_at:
                self.fail_data_at = None
                return "451 4.3.0 Try again later"
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def smtp_server() -> Iterator[MailServer]:
    server = MailServer("127.0.0.1", free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def use_smtp(app, server: MailServer) -> None:  # type: ignore[no-untyped-def]
    app.config.update(MAIL_TRANSPORT="smtp", MAIL_FOLDER=None, SMTP_HOST=server.host, SMTP_PORT=server.port)


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")
