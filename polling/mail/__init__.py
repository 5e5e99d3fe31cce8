"""Outgoing e-mail, one small service for every feature (account mail now, survey invitations next).

``deliver(app, messages)`` sends through the SMTP server the configuration names (SMTP_HOST,
SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_STARTTLS), or writes each message as an ``.eml``
file into MAIL_FOLDER (what ``make run`` does: instance/mail), or, in tests, appends it to the
app's in-memory outbox. A message that cannot be sent is logged, never turned into an error page.
"""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import Flask

from polling.db import utcnow

OUTBOX = "pulse.outbox"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def transport(app: Flask) -> str:
    """folder, memory (tests without an SMTP server) or smtp."""
    if app.config.get("MAIL_FOLDER"):
        return "folder"
    if app.config.get("MAIL_TRANSPORT"):
        return str(app.config["MAIL_TRANSPORT"])
    return "memory" if app.config.get("TESTING") else "smtp"


def init_app(app: Flask) -> None:
    app.extensions[OUTBOX] = []


def _message(app: Flask, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = str(app.config["MAIL_FROM"])
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="pulse.invalid")
    message.set_content(mail.body)
    return message


def deliver(app: Flask, messages: Iterable[Mail]) -> int:
    """Send ``messages``; returns how many went out."""
    outgoing = [_message(app, mail) for mail in messages]
    if not outgoing:
        return 0
    how = transport(app)
    try:
        if how == "memory":
            app.extensions[OUTBOX].extend(outgoing)
        elif how == "folder":
            _write(Path(str(app.config["MAIL_FOLDER"])), outgoing)
        else:
            _send(app, outgoing)
    except (OSError, smtplib.SMTPException) as exc:
        app.logger.error("mail not sent (%s): %s", how, exc)
        return 0
    return len(outgoing)


def _write(folder: Path, messages: list[EmailMessage]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for message in messages:
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.touch(mode=0o600)
        path.write_bytes(bytes(message))


@contextmanager
def _connection(app: Flask) -> Iterator[smtplib.SMTP]:
    """A connection to the configured SMTP server, with STARTTLS and log-in when configured."""
    config = app.config
    with smtplib.SMTP(str(config["SMTP_HOST"]), int(config["SMTP_PORT"]), timeout=10) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USERNAME"):
            smtp.login(str(config["SMTP_USERNAME"]), str(config.get("SMTP_PASSWORD") or ""))
        yield smtp


def _send(app: Flask, messages: list[EmailMessage]) -> None:
    with _connection(app) as smtp:
        for message in messages:
            smtp.send_message(message)


#: Sends one message; False when the mail server refuses its recipient for good (a bounce).
SendOne = Callable[[Mail], bool]


@contextmanager
def sending(app: Flask) -> Iterator[SendOne]:
    """One message at a time over one connection, for senders that must record each message.

    Unlike :func:`deliver`, failures are not swallowed: a permanent refusal of the recipient (5xx)
    returns False; anything else (the server is down, a temporary 4xx, a dropped connection)
    raises ``OSError`` or ``smtplib.SMTPException``, so the caller can give back its claim and retry.
    """
    how = transport(app)
    if how != "smtp":

        def keep(mail: Mail) -> bool:
            message = _message(app, mail)
            if how == "memory":
                app.extensions[OUTBOX].append(message)
            else:
                _write(Path(str(app.config["MAIL_FOLDER"])), [message])
            return True

        yield keep
        return
    with _connection(app) as smtp:

        def send(mail: Mail) -> bool:
            try:
                smtp.send_message(_message(app, mail))
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _text in exc.recipients.values()]
                if codes and all(code >= 500 for code in codes):
                    smtp.rset()
                    return False
                raise
            return True

        yield send
