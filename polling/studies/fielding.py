"""Fielding a study: its waves and mail as background jobs, and the wiring to the surveys package.

Jobs (``polling.jobs``; on the worker queue when REDIS_URL is set, inline otherwise):

- ``study_wave`` (run once per key): draws a wave (:func:`polling.studies.invitations.draw_wave`).
- ``study_mail``: mails the invitations not mailed yet and the reminders that are due. Each message
  is claimed (``mailed_on``, or the reminder count) and the claim committed *before* the message
  leaves; a claim is given back only when the server did not take its message, and then the job
  fails and is retried. A job that dies therefore never sends a message twice (at worst, a process
  killed between a claim and its send leaves one invitee with the in-app invitation only).
- ``fielding_tick``: for every study in field, a new wave where completes fall behind, then mail.
  Run it from cron (``pulse fielding-tick``) or a scheduler; it also retries what a failed job left.

Invitees see the survey in the app too: :func:`init_app` subscribes the dispositions to the
surveys package's signals and tells it who is invited.
"""

from __future__ import annotations

import smtplib
from datetime import date, timedelta

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from polling import jobs, mail
from polling.db import utcnow
from polling.members.models import MemberProfile
from polling.studies import dispositions
from polling.studies.field_controls import fielding_clause, is_fielding
from polling.studies.invitations import Settings, draw_wave, needs_wave
from polling.studies.models import Invitation, Study
from polling.surveys.engine import localised
from polling.surveys.models import Survey

NON_RESPONDERS = ("invited", "opened")


def init_app(app: Flask) -> None:
    """Connect the dispositions to the surveys' signals (process-wide; connecting twice is once)."""
    dispositions.connect()


def settings_of(app: Flask) -> Settings:
    return Settings.of(app)


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined]


# --- the messages ----------------------------------------------------------------------------------


def invitation_mail(
    app: Flask,
    invitation: Invitation,
    member: MemberProfile,
    study: Study,
    survey: Survey,
    *,
    reminder: bool,
) -> mail.Mail | None:
    """The invitation (or reminder) e-mail, in the member's language; None if they have no address.

    It names the topic, length, honorarium and closing day, and the sponsor only when the client
    allowed it (``Study.sponsor_named``); its two links carry an unguessable token
    (:func:`polling.studies.dispositions.link_token`).
    """
    user = member.user
    if user is None or not user.email:
        return None
    locale = user.locale if user.locale in ("en", "es") else "en"
    token = dispositions.link_token(str(app.config["SECRET_KEY"]), invitation)
    link = str(app.config.get("PUBLIC_URL", "")).rstrip("/") + "/study-invitations/" + token
    honorarium = survey.honorarium_for(member.country)
    units, cents = divmod(honorarium.amount_minor, 100) if honorarium is not None else (0, 0)
    with force_locale(locale):
        topic = localised(survey.topic, locale)
        paid = (
            _(
                "Honorarium: %(amount)s %(currency)s for a complete answer.",
                amount=str(units) + "." + str(cents).zfill(2),
                currency=honorarium.currency,
            )
            if honorarium is not None
            else ""
        )
        if study.sponsor_named and study.sponsor_name:
            paid = _("Commissioned by %(sponsor)s.", sponsor=study.sponsor_name) + " " + paid
        subject = (
            _("Reminder: a paid survey for you: %(topic)s", topic=topic)
            if reminder
            else _("A paid survey for you: %(topic)s", topic=topic)
        )
        body = _(
            "You are invited to a paid Pulse survey: %(topic)s.\n\nIt takes about %(minutes)d minutes "
            "and closes on %(closes)s (UTC). %(paid)s\n\nTake part: %(open)s\n\nNot interested? Tell us "
            "and we will not remind you: %(opt_out)s\n\nThe survey is also under 'Surveys for you' when "
            "you log in to Pulse.",
            topic=topic,
            minutes=survey.length_minutes,
            closes=survey.closes_at.strftime("%Y-%m-%d"),
            paid=paid,
            open=link,
            opt_out=link + "/opt-out",
        )
    return mail.Mail(user.email, subject, body)


# --- mailing, at most once per message ---------------------------------------------------------------


def _claim(session: Session, invitation: Invitation, today: date, settings: Settings) -> bool:
    """Mark the invitation's next message as sent, committed, if no one else has: True if this run
    sends it."""
    if invitation.mailed_on is None:
        claimed = update(Invitation).where(Invitation.id == invitation.id, Invitation.mailed_on.is_(None))
        values: dict[str, object] = {"mailed_on": today}
    else:
        claimed = update(Invitation).where(
            Invitation.id == invitation.id,
            Invitation.reminders == invitation.reminders,
            Invitation.disposition.in_(NON_RESPONDERS),
        )
        values = {"reminders": invitation.reminders + 1, "reminded_on": today}
    done = session.execute(
        claimed.values(**values).returning(Invitation.id).execution_options(synchronize_session=False)
    ).first()
    session.commit()
    return done is not None


def _give_back(session: Session, invitation: Invitation, reminder: bool) -> None:
    """The server did not take the message: release its claim so that a retry sends it."""
    if reminder:
        statement = (
            update(Invitation)
            .where(Invitation.id == invitation.id)
            .values(reminders=invitation.reminders, reminded_on=invitation.reminded_on)
        )
    else:
        statement = update(Invitation).where(Invitation.id == invitation.id).values(mailed_on=None)
    session.execute(statement.execution_options(synchronize_session=False))
    session.commit()


def _due(session: Session, study_id: int, today: date, settings: Settings) -> list[tuple[int, bool]]:
    """(invitation id, is a reminder) of the messages to send now, invitations first."""
    unmailed = session.scalars(
        select(Invitation.id)
        .where(Invitation.study_id == study_id, Invitation.mailed_on.is_(None))
        .where(Invitation.disposition == "invited")
        .order_by(Invitation.id)
    ).all()
    due_before = today - timedelta(days=settings.reminder_days)
    reminders = session.scalars(
        select(Invitation.id)
        .where(
            Invitation.study_id == study_id,
            Invitation.mailed_on.is_not(None),
            Invitation.disposition.in_(NON_RESPONDERS),
            Invitation.reminders < settings.reminders,
        )
        .where(
            (Invitation.reminded_on <= due_before)
            | (Invitation.reminded_on.is_(None) & (Invitation.mailed_on <= due_before))
        )
        .order_by(Invitation.id)
    ).all()
    return [(i, False) for i in unmailed] + [(i, True) for i in reminders]


def send_mail(session: Session, app: Flask, study_id: int, today: date | None = None) -> int:
    """Send the study's due invitations and reminders (none unless it is in field: a paused or
    closed study sends nothing); returns how many the server took.

    Raises:
        OSError, smtplib.SMTPException: the server failed (the message's claim was given back).
    """
    today = today or utcnow().date()
    settings = settings_of(app)
    study = session.get(Study, study_id)
    survey = session.get(Survey, study.survey_id) if study is not None and study.survey_id else None
    if study is None or survey is None or not is_fielding(study, today):  # paused, closed, past its end
        session.commit()
        return 0
    due = _due(session, study_id, today, settings)
    session.commit()  # end the read transaction before the first claim
    if not due:
        return 0
    sent = 0
    with mail.sending(app) as send:
        for invitation_id, reminder in due:
            invitation = session.get(Invitation, invitation_id, populate_existing=True)
            if invitation is None or not _claim(session, invitation, today, settings):
                continue
            member = session.get(MemberProfile, invitation.member_id)
            message = (
                invitation_mail(app, invitation, member, study, survey, reminder=reminder) if member else None
            )
            if message is None:
                continue
            try:
                delivered = send(message)
            except (OSError, smtplib.SMTPException):
                _give_back(session, invitation, reminder)
                raise
            if delivered:
                sent += 1
            else:
                dispositions.advance(session, study_id, invitation.member_id, "bounced")
                session.commit()
    return sent


# --- jobs --------------------------------------------------------------------------------------------


@jobs.register("study_wave", once=True)
def wave_job(session: Session, study_id: int) -> int:
    """Draw the study's next wave; returns how many were invited."""
    return sum(draw.invited for draw in draw_wave(session, study_id, settings_of(_app())))


@jobs.register("study_mail")
def mail_job(session: Session, study_id: int) -> int:
    """Mail the study's due invitations and reminders (each at most once)."""
    return send_mail(session, _app(), study_id)


@jobs.register("fielding_tick")
def tick_job(session: Session) -> dict[str, int]:
    """Approved studies whose first day has come go in field; every study in field gets a wave where
    completes fall behind (or has none yet), then its due mail. Returns the mails sent per study."""
    app = _app()
    sent: dict[str, int] = {}
    session.execute(
        update(Study)
        .where(
            Study.status == "approved",
            Study.survey_id.in_(select(Survey.id).where(Survey.opens_at <= utcnow())),
        )
        .values(status="field", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    for study_id in session.scalars(select(Study.id).where(fielding_clause())).all():
        if needs_wave(session, study_id, settings_of(app)):
            draw_wave(session, study_id, settings_of(app))
            session.commit()
        sent[str(study_id)] = send_mail(session, app, study_id)
    return sent


def launch(app: Flask, study: Study) -> None:
    """The first wave of a study just approved and its mail, as jobs (nothing before its first day:
    ``fielding_tick`` starts it then). A mail server that is down now leaves the mail to the next
    ``fielding_tick`` (logged, never an error page)."""
    if study.status != "field":
        return
    study_id = study.id
    wave = jobs.submit(app, "study_wave", study_id, key=f"study_wave:{study_id}:1")
    try:
        jobs.submit(app, "study_mail", study_id, after=wave)  # on the queue: only once the wave is drawn
    except (OSError, smtplib.SMTPException) as exc:
        app.logger.error("study %s: invitations not mailed yet (%s); fielding_tick retries", study_id, exc)
