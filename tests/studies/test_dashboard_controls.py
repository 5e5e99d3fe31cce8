"""Staff's pause, resume, extend and close: what members and the invitations engine then meet."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from polling.accounts.duties import StaffDuty
from polling.db import utcnow
from polling.errors import Conflict, Forbidden, InvalidInput, NotFound
from polling.studies import field_controls
from polling.studies.models import Invitation, Study, StudyEvent
from polling.surveys import taking
from polling.surveys.service import state
from tests.factories import make_member, make_user
from tests.studies.dashboard_helpers import clients, study_in_field
from tests.surveys.helpers import make_survey, page


@pytest.fixture
def fielded(session, hasher):  # type: ignore[no-untyped-def]
    """A study in field whose survey (US and UK) a US cardiologist can take; its client and staff."""
    ours, theirs = clients(session, hasher)
    staff = make_user(session, hasher, "staff")
    survey = make_survey(session, staff)
    study = study_in_field(session, ours, survey)
    return study, survey, staff, ours, theirs


def _events(session, study):  # type: ignore[no-untyped-def]
    return list(session.scalars(select(StudyEvent.kind).where(StudyEvent.study_id == study.id)))


def test_pause_stops_answers_and_invitations_until_resumed(session, hasher, keys, fielded):
    study, survey, staff, _ours, _theirs = fielded
    taking_part, newcomer = make_member(session, hasher), make_member(session, hasher)
    view = taking.consent(session, keys, taking_part.user, survey.id, True)
    assert field_controls.is_fielding(study)

    field_controls.pause(session, staff, study.id, "client asked to check a question")
    session.refresh(survey)
    assert study.status == "paused" and state(survey) == "closed"
    assert not field_controls.is_fielding(study)
    stopped = taking.submit(session, keys, taking_part.user, survey.id, page(view, {"patients": "yes"}))
    assert stopped.status == "closed" and "no longer accepted" in str(stopped.message)
    with pytest.raises(Conflict, match="closed"):
        taking.consent(session, keys, newcomer.user, survey.id, True)

    field_controls.resume(session, staff, study.id)
    session.refresh(survey)
    assert study.status == "field" and state(survey) == "open"
    view = taking.view(session, keys, taking_part.user, survey.id)
    moved = taking.submit(session, keys, taking_part.user, survey.id, page(view, {"patients": "yes"}))
    assert moved.page is not None and moved.page["id"] == "tools"  # the saved place was kept
    assert _events(session, study) == ["paused", "resumed"]


def test_pause_and_resume_refuse_the_wrong_status(session, fielded):
    study, _survey, staff, _ours, _theirs = fielded
    with pytest.raises(Conflict, match="Only a paused study can be resumed; this one is field"):
        field_controls.resume(session, staff, study.id)
    field_controls.pause(session, staff, study.id)
    with pytest.raises(Conflict, match="Only a study in field can be paused; this one is paused"):
        field_controls.pause(session, staff, study.id)


def test_extend_moves_the_last_field_day_and_the_survey_closing_time(session, fielded):
    study, survey, staff, _ours, _theirs = fielded
    later = study.field_end + timedelta(days=7)
    field_controls.extend(session, staff, study.id, later)
    session.refresh(survey)
    assert study.field_end == later
    assert survey.closes_at == datetime.combine(later + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    assert state(survey) == "open"
    event = session.scalar(select(StudyEvent).where(StudyEvent.study_id == study.id))
    assert event is not None and event.kind == "extended" and later.isoformat() in event.comment


@pytest.mark.parametrize("days", [0, -1])
def test_extend_refuses_a_day_not_later_naming_the_field(session, fielded, days):
    study, _survey, staff, _ours, _theirs = fielded
    with pytest.raises(InvalidInput, match="Choose a day after the current last field day") as refused:
        field_controls.extend(session, staff, study.id, study.field_end + timedelta(days=days))
    assert list(refused.value.fields) == ["field_end"]


def test_extend_refuses_a_day_in_the_past(session, fielded):
    _study, _survey, staff, ours, _theirs = fielded
    open_ended = study_in_field(session, ours, None, field_end=None, title="No end day yet")
    with pytest.raises(InvalidInput, match="not in the past"):
        field_controls.extend(session, staff, open_ended.id, utcnow().date() - timedelta(days=1))
    with pytest.raises(InvalidInput, match="before the year 2101"):  # not an overflow (a 500)
        field_controls.extend(session, staff, open_ended.id, date(9999, 12, 31))


def test_close_stops_everything_for_good_and_settles_partials(session, hasher, keys, fielded):
    study, survey, staff, _ours, _theirs = fielded
    member = make_member(session, hasher)
    session.add(
        Invitation(study_id=study.id, member_id=member.id, disposition="invited", invited_on=utcnow().date())
    )
    session.commit()
    view = taking.consent(session, keys, member.user, survey.id, True)
    view = taking.submit(session, keys, member.user, survey.id, page(view, {"patients": "yes"}))
    taking.submit(session, keys, member.user, survey.id, page(view, {"uses": ["ehr"], "hours": "5"}))
    session.execute(update(Invitation).where(Invitation.member_id == member.id).values(disposition="started"))
    session.commit()

    field_controls.close(session, staff, keys, study.id, "target reached")
    session.refresh(survey)
    assert study.status == "closed" and survey.status == "closed" and state(survey) == "closed"
    assert not field_controls.is_fielding(study)
    # two of the three pages on their path answered: a partial (dispositions.settle_at_close)
    assert (
        session.scalar(select(Invitation.disposition).where(Invitation.member_id == member.id)) == "partial"
    )
    for again in (field_controls.resume, field_controls.pause):
        with pytest.raises(Conflict):
            again(session, staff, study.id)
    with pytest.raises(Conflict, match="Only a study in field or paused can be closed; this one is closed"):
        field_controls.close(session, staff, keys, study.id)
    with pytest.raises(Conflict, match="can be extended"):
        field_controls.extend(session, staff, study.id, study.field_end + timedelta(days=3))
    assert _events(session, study) == ["closed"]


def test_only_fielding_staff_may_pause_extend_or_close(session, hasher, keys, fielded):
    study, _survey, _staff, ours, theirs = fielded
    finance = make_user(session, hasher, "staff")
    session.execute(delete(StaffDuty).where(StaffDuty.user_id == finance.id, StaffDuty.duty == "fielding"))
    session.commit()
    session.expire_all()
    with pytest.raises(NotFound):  # staff without the fielding duty do not see clients' studies
        field_controls.pause(session, finance, study.id)
    with pytest.raises(Forbidden, match="Only fielding staff may manage studies"):
        field_controls.pause(session, ours, study.id)
    with pytest.raises(NotFound, match="No study with this number"):
        field_controls.close(session, theirs, keys, study.id)
    assert session.get(Study, study.id).status == "field"


def test_is_fielding_and_its_sql_clause_agree(session, fielded):
    study, _survey, staff, ours, _theirs = fielded
    today = utcnow().date()
    ended = study_in_field(session, ours, None, field_end=today - timedelta(days=1), title="Ended")
    paused = study_in_field(session, ours, None, title="Paused")
    field_controls.pause(session, staff, paused.id)
    endless = study_in_field(session, ours, None, field_end=None, title="No end day")
    studies = [study, ended, paused, endless]
    assert [field_controls.is_fielding(s, today) for s in studies] == [True, False, False, True]
    found = set(session.scalars(select(Study.id).where(field_controls.fielding_clause(today))))
    assert found == {study.id, endless.id}
