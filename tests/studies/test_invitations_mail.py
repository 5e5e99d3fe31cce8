"""Invitation and reminder e-mails through a real SMTP server (aiosmtpd on the loopback): each sent
once, even when the job dies half-way and is retried; bounces recorded; reminders to non-responders."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from polling import jobs, mail
from polling.db import utcnow
from polling.studies import dispositions, fielding, review
from polling.studies.models import Invitation
from polling.surveys.models import Survey
from tests.factories import make_user
from tests.studies.fielding_helpers import body, doctor, honoraria, smtp_server, submitted_study, use_smtp


@pytest.fixture
def smtp(app):  # type: ignore[no-untyped-def]
    for server in smtp_server():
        use_smtp(app, server)
        yield server


def _fielded(session, hasher, n: int = 5):  # type: ignore[no-untyped-def]
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    members = [doctor(session, hasher, "UK") for _ in range(n)]
    study = submitted_study(session, client_user, cells=(("UK", "cardiology", 3),))
    return review.approve(session, staff, study.id, honoraria), members


def _invitations(session, study_id: int) -> list[Invitation]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(
        session.scalars(select(Invitation).where(Invitation.study_id == study_id).order_by(Invitation.id))
    )


def test_approval_mails_each_invitee_once_with_working_links(app, client, session, hasher, smtp):
    study, members = _fielded(session, hasher)
    fielding.launch(app, study)
    fielding.launch(app, study)  # a doubled launch: the wave job runs once, mail goes once
    emails = {m.user.email for m in members}
    assert sorted(m["To"] for m in smtp.messages) == sorted(emails)
    message = smtp.to(members[0].user.email)[0]
    assert message["Subject"] == "A paid survey for you: Heart failure treatment choices"
    text = body(message)
    assert "about 12 minutes" in text and "40.00 GBP" in text
    assert "Acme Pharma" not in text  # the sponsor is not named unless the client allowed it
    assert all(i.mailed_on == utcnow().date() for i in _invitations(session, study.id))
    link = next(
        line for line in text.split() if "/study-invitations/" in line and not line.endswith("opt-out")
    )
    path = link.split("127.0.0.1:5000", 1)[1]
    answer = client.get(path)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/surveys/{study.survey_id}")
    by_member = {i.member_id: i.disposition for i in _invitations(session, study.id)}
    assert by_member[members[0].id] == "opened" and by_member[members[1].id] == "invited"
    assert client.get(path[:-3] + "abc").status_code == 404  # a tampered token names no invitation


def test_a_job_failing_half_way_is_retried_without_sending_anything_twice(app, session, hasher, smtp):
    study, members = _fielded(session, hasher)
    jobs.run(app, "study_wave", study.id, key=f"study_wave:{study.id}:1")
    smtp.fail_data_at = 3  # the server takes two messages, then answers 451 to the third
    with pytest.raises(Exception, match="451"):
        jobs.run(app, "study_mail", study.id)
    assert len(smtp.messages) == 2
    assert sum(i.mailed_on is not None for i in _invitations(session, study.id)) == 2  # the third given back
    assert jobs.run(app, "study_mail", study.id) == 3  # the retry sends the rest
    assert jobs.run(app, "study_mail", study.id) == 0  # and a third run nothing
    assert sorted(m["To"] for m in smtp.messages) == sorted(m.user.email for m in members)


class Killed(BaseException):
    """The worker process dying (not an error any code catches)."""


def test_a_job_killed_after_a_send_never_sends_that_message_again(app, session, hasher, smtp, monkeypatch):
    study, members = _fielded(session, hasher, n=4)
    jobs.run(app, "study_wave", study.id, key=f"study_wave:{study.id}:1")
    real = mail.sending
    taken = []

    def dying(app_):  # type: ignore[no-untyped-def]
        with real(app_) as send:

            def send_then_die(message):  # type: ignore[no-untyped-def]
                delivered = send(message)
                taken.append(message.to)
                if len(taken) == 2:
                    raise Killed
                return delivered

            yield send_then_die

    monkeypatch.setattr(mail, "sending", contextmanager(dying))
    with pytest.raises(Killed):
        jobs.run(app, "study_mail", study.id)
    monkeypatch.setattr(mail, "sending", real)
    assert jobs.run(app, "study_mail", study.id) == 2
    received = [m["To"] for m in smtp.messages]
    assert sorted(received) == sorted(m.user.email for m in members)  # four addresses, each once


def test_a_recipient_the_server_refuses_is_bounced(app, session, hasher, smtp):
    study, members = _fielded(session, hasher, n=3)
    smtp.refuse = {members[1].user.email}
    fielding.launch(app, study)
    by_member = {i.member_id: i.disposition for i in _invitations(session, study.id)}
    assert by_member == {members[0].id: "invited", members[1].id: "bounced", members[2].id: "invited"}
    assert sorted(m["To"] for m in smtp.messages) == sorted([members[0].user.email, members[2].user.email])
    assert dispositions.counts(session, study.id)["bounced"] == 1


def test_reminders_go_to_non_responders_after_the_set_days_and_at_most_the_set_number(
    app, session, hasher, smtp
):
    app.config.update(INVITATION_REMINDER_DAYS=3, INVITATION_REMINDERS=2)
    study, members = _fielded(session, hasher, n=3)
    fielding.launch(app, study)
    assert len(smtp.messages) == 3
    opened, started, silent = members
    dispositions.advance(session, study.id, opened.id, "opened")
    dispositions.advance(session, study.id, started.id, "started")
    session.commit()
    today = utcnow().date()
    with app.app_context():
        assert fielding.send_mail(session, app, study.id, today + timedelta(days=2)) == 0  # too early
        assert fielding.send_mail(session, app, study.id, today + timedelta(days=3)) == 2
        assert fielding.send_mail(session, app, study.id, today + timedelta(days=3)) == 0  # once a day
        assert fielding.send_mail(session, app, study.id, today + timedelta(days=6)) == 2
        assert fielding.send_mail(session, app, study.id, today + timedelta(days=30)) == 0  # two at most
    reminders = [m for m in smtp.messages if m["Subject"].startswith("Reminder:")]
    assert sorted(m["To"] for m in reminders) == sorted([opened.user.email] * 2 + [silent.user.email] * 2)
    assert not smtp.to(started.user.email)[1:]  # the started invitee got the invitation only


def test_make_run_writes_invitations_to_the_mail_folder(app, session, hasher, tmp_path):
    app.config.update(MAIL_FOLDER=str(tmp_path / "mail"))
    study, _members = _fielded(session, hasher, n=2)
    fielding.launch(app, study)
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    assert all(b"A paid survey for you" in f.read_bytes() for f in files)


def test_the_tick_starts_an_approved_study_on_its_first_day_and_mails_it(app, session, hasher, smtp):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    member = doctor(session, hasher, "UK")
    later = utcnow().date() + timedelta(days=2)
    study = submitted_study(
        session,
        client_user,
        cells=(("UK", "cardiology", 1),),
        field_start=later,
        field_end=later + timedelta(days=9),
    )
    study = review.approve(session, staff, study.id, honoraria)
    fielding.launch(app, study)
    assert study.status == "approved" and smtp.messages == []
    assert jobs.run(app, "fielding_tick") == {}  # not its first day yet
    survey = session.get(Survey, study.survey_id)
    survey.opens_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert jobs.run(app, "fielding_tick") == {str(study.id): 1}
    assert [m["To"] for m in smtp.messages] == [member.user.email]


def test_the_sponsor_is_named_only_when_the_client_allowed_it(app, session, hasher, smtp):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    member = doctor(session, hasher, "UK")
    study = submitted_study(session, client_user, cells=(("UK", "cardiology", 1),), sponsor_named=True)
    fielding.launch(app, review.approve(session, staff, study.id, honoraria))
    assert "Commissioned by Acme Pharma." in body(smtp.to(member.user.email)[0])


def test_a_paused_or_closed_study_sends_nothing(app, session, hasher, smtp):
    study, _members = _fielded(session, hasher, n=2)
    jobs.run(app, "study_wave", study.id, key=f"study_wave:{study.id}:1")
    for status in ("paused", "closed"):
        study.status = status
        session.commit()
        assert jobs.run(app, "study_mail", study.id) == 0
    assert smtp.messages == []


def test_the_fielding_tick_command_mails_what_is_due(app, session, hasher, runner, smtp):
    _study, members = _fielded(session, hasher, n=2)  # approved, but launch never ran
    result = runner.invoke(args=["fielding-tick"])
    assert result.exit_code == 0, result.output
    assert "1 studies in field; 2 e-mails sent." in result.output
    assert sorted(m["To"] for m in smtp.messages) == sorted(m.user.email for m in members)
