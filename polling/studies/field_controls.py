"""Staff controls of a study in field: pause, resume, extend, close; and whether it is fielding.

What each does to the fielded survey, which is what members meet (``polling.surveys.service.state``
decides whether a survey takes answers from its ``status`` and ``closes_at``):

- **pause** (field → paused): the survey stops taking answers (its status ``closed``, which the
  surveys' own state reads as closed), and :func:`is_fielding` turns false so no invitation or
  reminder goes out. Members part-way through keep their saved answers.
- **resume** (paused → field): the survey takes answers again, until its closing time.
- **extend**: a new last field day, later than the current one and not in the past; the survey
  then closes at the start of the following day (UTC).
- **close** (field or paused → closed), for good: no more invitations or answers; started invitees
  who answered half their pages become partial (:func:`polling.studies.dispositions.settle_at_close`).

Each action needs the fielding duty, writes a :class:`StudyEvent` and commits its own work.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from polling.accounts.models import User
from polling.db import LATEST, utcnow
from polling.errors import Conflict, InvalidInput
from polling.respondents.keys import RespondentKeys
from polling.studies import dispositions
from polling.studies.models import Study, StudyEvent, move_status
from polling.studies.service import get_study
from polling.surveys.models import Survey

#: Statuses in which a study has been put in field and not closed.
RUNNING = ("field", "paused")


def is_fielding(study: Study, today: date | None = None) -> bool:
    """Whether invitations and reminders may go out for ``study`` now: in field (not paused or
    closed) and not past its last field day."""
    today = today or utcnow().date()
    return study.status == "field" and (study.field_end is None or today <= study.field_end)


def fielding_clause(today: date | None = None) -> ColumnElement[bool]:
    """:func:`is_fielding` as a SQL condition on :class:`Study`, for queries over many studies."""
    today = today or utcnow().date()
    return (Study.status == "field") & ((Study.field_end.is_(None)) | (Study.field_end >= today))


def closes_at(last_day: date) -> datetime:
    """When a survey whose last field day is ``last_day`` stops taking answers: the next midnight UTC."""
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC)


def _event(session: Session, study: Study, staff: User, kind: str, comment: str = "") -> None:
    study.updated_at = utcnow()
    session.add(StudyEvent(study_id=study.id, actor_id=staff.id, kind=kind, comment=comment))


def _survey_of(session: Session, study: Study) -> Survey | None:
    return session.get(Survey, study.survey_id) if study.survey_id is not None else None


def _move(session: Session, study: Study, allowed: tuple[str, ...], to: str) -> None:
    """Set the status unless another request changed it first (the database decides)."""
    if not move_status(session, study, allowed, to):
        raise Conflict(_l("The study changed meanwhile; reload the page and try again."))


def pause(session: Session, staff: User, study_id: int, comment: str = "") -> Study:
    """Stop invitations and answers until the study is resumed."""
    study = get_study(session, staff, study_id, "study.manage")
    if study.status != "field":
        raise Conflict(
            _l("Only a study in field can be paused; this one is %(status)s.", status=study.status)
        )
    _move(session, study, ("field",), "paused")
    survey = _survey_of(session, study)
    if survey is not None and survey.status == "field":
        survey.status = "closed"
    _event(session, study, staff, "paused", comment)
    session.commit()
    return study


def resume(session: Session, staff: User, study_id: int, comment: str = "") -> Study:
    """Take answers and send invitations again after a pause."""
    study = get_study(session, staff, study_id, "study.manage")
    if study.status != "paused":
        raise Conflict(_l("Only a paused study can be resumed; this one is %(status)s.", status=study.status))
    _move(session, study, ("paused",), "field")
    survey = _survey_of(session, study)
    if survey is not None and survey.status == "closed":
        survey.status = "field"
    _event(session, study, staff, "resumed", comment)
    session.commit()
    return study


def extend(session: Session, staff: User, study_id: int, field_end: date, comment: str = "") -> Study:
    """Move the last field day to ``field_end`` (later than now, and than the current last day).

    Raises:
        InvalidInput: ``field_end`` not later than the current last day, or in the past (field named).
        Conflict: the study is not in field or paused.
    """
    study = get_study(session, staff, study_id, "study.manage")
    if study.status not in RUNNING:
        raise Conflict(
            _l(
                "Only a study in field or paused can be extended; this one is %(status)s.",
                status=study.status,
            )
        )
    if study.field_end is not None and field_end <= study.field_end:
        raise InvalidInput.for_field(
            "field_end",
            _l("Choose a day after the current last field day, %(day)s.", day=study.field_end.isoformat()),
        )
    if field_end < utcnow().date():
        raise InvalidInput.for_field("field_end", _l("Choose a day that is not in the past."))
    if field_end >= LATEST.date() - timedelta(days=1):  # a typing mistake, and past what dates can hold
        raise InvalidInput.for_field("field_end", _l("Choose a day before the year 2101."))
    before = study.field_end
    study.field_end = field_end
    survey = _survey_of(session, study)
    if survey is not None:
        survey.closes_at = closes_at(field_end)
    _event(
        session,
        study,
        staff,
        "extended",
        comment or f"{before.isoformat() if before else '-'} → {field_end.isoformat()}",
    )
    session.commit()
    return study


def close(session: Session, staff: User, keys: RespondentKeys, study_id: int, comment: str = "") -> Study:
    """Close the study for good: no more invitations, reminders or answers; partials settled."""
    study = get_study(session, staff, study_id, "study.manage")
    if study.status not in RUNNING:
        raise Conflict(
            _l("Only a study in field or paused can be closed; this one is %(status)s.", status=study.status)
        )
    _move(session, study, RUNNING, "closed")
    survey = _survey_of(session, study)
    if survey is not None and survey.status != "closed":
        survey.status = "closed"
    dispositions.settle_at_close(session, keys, study)
    _event(session, study, staff, "closed", comment)
    session.commit()
    return study
