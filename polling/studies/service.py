"""Drafting studies: a client organisation's briefs, saved as versions, validated, submitted.

Every lookup goes through :func:`get_study`, which applies the object-level policy, so a client of
another organisation never learns whether a study exists (404, like a missing one). Drafts change
only in ``draft`` or ``returned`` and only by clients of the study's organisation (the
``study.edit`` policy); every save is a new :class:`StudyVersion` holding the whole brief.

Each function here commits its own work (views never commit).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from polling import policies
from polling.accounts.models import User
from polling.db import utcnow
from polling.errors import Conflict, InvalidInput, NotFound
from polling.studies import builder
from polling.studies.models import Study, StudyCell, StudyEvent, StudyVersion
from polling.studies.schemas import load_brief, unstorable
from polling.surveys.service import questionnaire_or_refusal

EDITABLE = ("draft", "returned")
BRIEF_FIELDS = (
    "title",
    "objectives",
    "sponsor_name",
    "sponsor_type",
    "sponsor_named",
    "sample_size",
    "field_start",
    "field_end",
    "languages",
    "length_minutes",
)
CELL_FIELDS = ("country", "specialty", "sex", "age_band", "target", "hard")
# The pricing part's quote(session, study); views pass polling.studies.pricing.quote.
Pricer = Callable[[Session, Study], object]


def get_study(session: Session, user: User, study_id: int, action: str = "study.view") -> Study:
    """The study ``study_id`` if ``user`` may do ``action`` to it.

    Raises:
        NotFound: no such study, or one of another organisation (clients cannot tell the two apart).
        Forbidden: ``user`` may see the study but not do ``action`` to it.
    """
    study = session.get(Study, study_id)
    if study is None or not policies.can(user, "study.view", study):
        raise NotFound(_l("No study with this number."))
    policies.require(user, action, study)
    return study


def studies_of(session: Session, user: User) -> list[Study]:
    """The studies ``user`` may see: their organisation's, or every study for fielding staff."""
    query = select(Study).order_by(Study.updated_at.desc(), Study.id.desc())
    if user.role == "client":
        query = query.where(Study.organisation_id == user.organisation_id)
    elif not policies.can(user, "study.manage"):
        return []
    return list(session.scalars(query))


def brief_of(study: Study) -> dict[str, Any]:
    """The whole brief as JSON-ready data: what a version keeps and what the API and pages show."""
    brief: dict[str, Any] = {name: getattr(study, name) for name in BRIEF_FIELDS}
    brief["languages"] = list(study.languages or [])
    for name in ("field_start", "field_end"):
        brief[name] = brief[name].isoformat() if brief[name] is not None else None
    brief["cells"] = [{name: getattr(cell, name) for name in CELL_FIELDS} for cell in study.cells]
    brief["questionnaire"] = study.questionnaire
    return brief


def study_body(study: Study) -> dict[str, Any]:
    """The study for its client (API and pages): the brief, status, version, quote, staff comment."""
    body = brief_of(study)
    del body["questionnaire"]
    body["cells"] = [{"id": cell.id} | cell_ for cell, cell_ in zip(study.cells, body["cells"], strict=True)]
    body.update(
        id=study.id,
        organisation_id=study.organisation_id,
        status=study.status,
        version=study.version,
        has_questionnaire=study.questionnaire is not None,
        accepted_quote=study.accepted_quote,
        review_comment=study.review_comment,
        created_at=study.created_at,
        updated_at=study.updated_at,
        submitted_at=study.submitted_at,
        field_start=study.field_start,
        field_end=study.field_end,
    )
    return body


def _apply(study: Study, data: Mapping[str, Any]) -> None:
    for name in BRIEF_FIELDS:
        setattr(study, name, data[name])
    wanted = {(c["country"], c["specialty"], c["sex"], c["age_band"]): c for c in data["cells"]}
    kept = []
    for cell in study.cells:  # keep a cell's row (and id) when it is still wanted
        key = (cell.country, cell.specialty, cell.sex, cell.age_band)
        if key in wanted:
            given = wanted.pop(key)
            cell.target, cell.hard = given["target"], given["hard"]
            kept.append(cell)
    study.cells = kept + [StudyCell(**{name: c[name] for name in CELL_FIELDS}) for c in wanted.values()]


def _new_version(session: Session, study: Study, user: User) -> None:
    """Record the study as it now stands as its next version, committed (Conflict on a race)."""
    study.updated_at = utcnow()
    try:
        with session.begin_nested():
            session.flush()
            session.add(
                StudyVersion(
                    study_id=study.id,
                    version=study.version,
                    saved_by_id=user.id,
                    saved_at=study.updated_at,
                    document=brief_of(study),
                )
            )
    except IntegrityError:
        session.rollback()
        raise Conflict(
            _l("Someone else saved this study at the same time: reload it and try again.")
        ) from None
    session.commit()


def _client_of_an_organisation(user: User) -> int:
    if user.role != "client" or user.organisation_id is None:
        raise InvalidInput.for_field(
            "organisation", _l("Only research clients of an organisation draft studies.")
        )
    return user.organisation_id


def create_draft(session: Session, user: User, raw: object) -> Study:
    """A new draft for ``user``'s organisation from a brief (version 1), committed.

    Raises:
        InvalidInput: a field of the brief is not valid (each named by its path).
    """
    organisation_id = _client_of_an_organisation(user)
    data = load_brief(raw)
    study = Study(organisation_id=organisation_id, created_by_id=user.id, status="draft", version=1)
    study.cells = []
    _apply(study, data)
    session.add(study)
    session.flush()
    _new_version(session, study, user)
    return study


def _editable(session: Session, user: User, study_id: int, base_version: int | None) -> Study:
    study = get_study(session, user, study_id, "study.view")
    if study.status not in EDITABLE:
        raise Conflict(
            _l(
                "This study is %(status)s: only a draft or a returned study can be changed.",
                status=study.status,
            )
        )
    policies.require(user, "study.edit", study)
    if base_version is not None and base_version != study.version:
        raise Conflict(
            _l(
                "This study was saved again (version %(now)d) since you opened version %(base)d: "
                "reload it and make your changes again.",
                now=study.version,
                base=base_version,
            )
        )
    return study


def save_draft(
    session: Session, user: User, study_id: int, raw: object, base_version: int | None = None
) -> Study:
    """Replace the brief (title … cells) of a draft or returned study: a new version, committed.

    ``base_version`` is the version the client edited; a newer one is a Conflict, not overwritten.
    """
    study = _editable(session, user, study_id, base_version)
    data = load_brief(raw)
    _apply(study, data)
    study.version += 1
    _new_version(session, study, user)
    return study


def set_questionnaire(
    session: Session, user: User, study_id: int, raw: object, base_version: int | None = None
) -> Study:
    """Upload or replace the questionnaire document (checked by the surveys' validator): a new version."""
    study = _editable(session, user, study_id, base_version)
    bad = unstorable(raw)
    if bad is not None:
        raise InvalidInput.for_field(
            "questionnaire",
            _l("%(path)s: remove the control characters", path=bad.replace("brief", "questionnaire")),
        )
    study.questionnaire = questionnaire_or_refusal(raw)
    study.version += 1
    _new_version(session, study, user)
    return study


def edit_questionnaire(
    session: Session,
    user: User,
    study_id: int,
    edit: Callable[[dict[str, Any]], dict[str, Any]],
    base_version: int | None = None,
) -> Study:
    """Apply one builder step (``polling.studies.builder``) to the questionnaire and save it checked."""
    study = _editable(session, user, study_id, base_version)
    current = study.questionnaire or builder.empty_document(study.languages or ["en"])
    return set_questionnaire(session, user, study_id, edit(builder.copy(current)), base_version)


def versions(session: Session, user: User, study_id: int) -> list[tuple[StudyVersion, str | None]]:
    """Every saved version of the study, newest first, with the e-mail of who saved it."""
    get_study(session, user, study_id)
    rows = session.execute(
        select(StudyVersion, User.email)
        .outerjoin(User, User.id == StudyVersion.saved_by_id)
        .where(StudyVersion.study_id == study_id)
        .order_by(StudyVersion.version.desc())
    )
    return [(version, email) for version, email in rows]


def events(session: Session, user: User, study_id: int) -> list[StudyEvent]:
    """The study's history (submitted, returned with staff comments, …), oldest first."""
    get_study(session, user, study_id)
    return list(
        session.scalars(select(StudyEvent).where(StudyEvent.study_id == study_id).order_by(StudyEvent.id))
    )


def readiness(study: Study) -> dict[str, list[object]]:
    """What stops the study from being submitted, by field (empty: it can be submitted)."""
    problems: dict[str, list[object]] = {}
    if study.questionnaire is None:
        problems["questionnaire"] = [_l("Write or upload the questionnaire first.")]
    else:
        missing = [
            code for code in study.languages or [] if code not in study.questionnaire.get("languages", [])
        ]
        if missing:
            problems["questionnaire"] = [
                _l("Add the %(languages)s text to the questionnaire.", languages=", ".join(missing))
            ]
    if not study.cells:
        problems["cells"] = [_l("Add at least one target cell (country × specialty).")]
    if study.sample_size < 1:
        problems["sample_size"] = [_l("Set the sample size (the completes wanted in all).")]
    if study.field_start is None or study.field_end is None:
        problems["field_start"] = [_l("Set the field window (start and end dates).")]
    elif study.field_start < utcnow().date():
        problems["field_start"] = [_l("The field window starts in the past: move it to today or later.")]
    return problems


def plain(value: object) -> Any:
    """A quote (a dataclass of amounts, dates, tuples) as JSON-ready data, frozen as shown."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def submit(session: Session, user: User, study_id: int, price: Pricer, comment: str = "") -> Study:
    """Accept the quote and submit the study for staff review, committed.

    The quote is computed now by ``price`` (``polling.studies.pricing.quote``) and frozen into
    ``accepted_quote``; the study becomes ``submitted`` and a ``submitted`` event is written.

    Raises:
        NotFound: not a study of ``user``'s organisation.
        Conflict: the study is not a draft or returned (e.g. submitted twice).
        InvalidInput: no questionnaire, no target cell or no field window (each field named).
    """
    study = _editable(session, user, study_id, None)
    problems = readiness(study)
    if problems:
        raise InvalidInput(_l("The study cannot be submitted yet."), fields=problems)
    quote = plain(price(session, study))
    now = utcnow()
    moved = session.execute(
        update(Study)
        .where(Study.id == study.id, Study.status.in_(EDITABLE), Study.version == study.version)
        .values(status="submitted", accepted_quote=quote, submitted_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(_l("This study was changed or submitted meanwhile: reload it."))
    session.add(
        StudyEvent(study_id=study.id, actor_id=user.id, kind="submitted", comment=comment[:2000], at=now)
    )
    session.commit()
    session.refresh(study)
    return study


def require_exists(study: Study | None) -> Study:
    if study is None:
        raise NotFound(_l("No study with this number."))
    return study
