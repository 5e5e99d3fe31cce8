"""Each invitee's AAPOR disposition: how far they got, moving forward only.

invited → bounced (the mail server refused the address) | opened (the e-mail link, or the survey
page) → started (consent) → screened_out | over_quota | complete (how the response ended) →
removed (staff removed the complete for quality); refused at any point before an ending, through
the e-mail's opt-out link. At close, a started invitee who answered at least
``PARTIAL_SHARE`` of the questionnaire's pages becomes partial (AAPOR's usual 50 % break-off rule,
counted in pages because answers are stored per question and pages are what a member sees).

Every move is one ``UPDATE … WHERE disposition IN (lower ranks)``: the database decides, so two
events racing for one invitee cannot move it back. No day is stored with a move (see
:class:`~polling.studies.models.Invitation`).

The surveys package announces what happens to a response (:mod:`polling.surveys.signals`); the
receivers here run inside that transaction, so the disposition commits with the response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from polling.respondents.keys import RespondentKeys
from polling.studies.models import DISPOSITION_RANK, DISPOSITIONS, Invitation, Study, StudyCell
from polling.surveys import signals
from polling.surveys.engine import visible_pages
from polling.surveys.models import Survey, SurveyResponse
from polling.surveys.taking import saved_answers

#: A started invitee whose answered pages reach this share of the questionnaire's pages is partial.
PARTIAL_SHARE = 0.5
_TOKEN_SALT = "pulse.invitation"


def _below(to: str) -> list[str]:
    """The dispositions an invitee may move to ``to`` from."""
    if to == "removed":
        return ["complete"]
    if to == "partial":
        return ["started"]
    return [d for d in DISPOSITIONS if DISPOSITION_RANK[d] < DISPOSITION_RANK[to]]


def advance(session: Session, study_id: int, member_id: int, to: str) -> bool:
    """Move the invitee forward to ``to``; False if they were not invited or are already further.

    Does not commit: it writes in the caller's unit of work.
    """
    if to not in DISPOSITION_RANK:
        raise ValueError(f"unknown disposition {to!r}: one of {', '.join(DISPOSITIONS)}")
    moved = session.execute(
        update(Invitation)
        .where(
            Invitation.study_id == study_id,
            Invitation.member_id == member_id,
            Invitation.disposition.in_(_below(to)),
        )
        .values(disposition=to)
        .returning(Invitation.id)
        .execution_options(synchronize_session=False)
    ).first()
    return moved is not None


def _study_of(session: Session, survey_id: int) -> int | None:
    return session.scalar(select(Study.id).where(Study.survey_id == survey_id))


def _on_survey(session: Session, survey_id: int, member_id: int, to: str) -> bool:
    study_id = _study_of(session, survey_id)
    return study_id is not None and advance(session, study_id, member_id, to)


# --- receivers of polling.surveys.signals ----------------------------------------------------------


def on_opened(session: Session, *, survey_id: int, member_id: int, **_: Any) -> bool:
    return _on_survey(session, survey_id, member_id, "opened")


def on_started(session: Session, *, survey_id: int, member_id: int, **_: Any) -> bool:
    return _on_survey(session, survey_id, member_id, "started")


def on_ended(session: Session, *, survey_id: int, member_id: int, status: str, **_: Any) -> bool:
    return _on_survey(session, survey_id, member_id, status)


def on_removed(session: Session, *, survey_id: int, member_id: int, **_: Any) -> bool:
    return _on_survey(session, survey_id, member_id, "removed")


def invited_surveys(session: Session, member_id: int) -> list[int]:
    """The fielded surveys ``member_id`` is invited to and has not opted out of (a bounced invitee
    still finds the survey in the app: only the e-mail failed)."""
    return list(
        session.scalars(
            select(Study.survey_id)
            .join(Invitation, Invitation.study_id == Study.id)
            .where(
                Invitation.member_id == member_id,
                Invitation.disposition != "refused",
                Study.survey_id.is_not(None),
            )
        )
    )


def connect() -> None:
    """Subscribe to the surveys package's signals (idempotent: blinker keeps one per receiver)."""
    signals.survey_opened.connect(on_opened, weak=False)
    signals.response_started.connect(on_started, weak=False)
    signals.response_ended.connect(on_ended, weak=False)
    signals.response_removed.connect(on_removed, weak=False)
    signals.register_invitations(invited_surveys)


# --- the links in the invitation e-mail -----------------------------------------------------------


def link_token(secret: str, invitation: Invitation) -> str:
    """The unguessable token of an invitation's e-mail links (signed; names no member)."""
    return str(URLSafeSerializer(secret, salt=_TOKEN_SALT).dumps([invitation.study_id, invitation.id]))


def invitation_of(session: Session, secret: str, token: str) -> Invitation | None:
    """The invitation a link token names, or None for a token that was not signed by Pulse."""
    try:
        study_id, invitation_id = URLSafeSerializer(secret, salt=_TOKEN_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    invitation = session.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.study_id == study_id else None


def follow_link(session: Session, secret: str, token: str) -> int | None:
    """The invitee followed the e-mail link: opened. Returns the survey to send them to (None: bad link)."""
    invitation = invitation_of(session, secret, token)
    if invitation is None:
        return None
    study = session.get(Study, invitation.study_id)
    advance(session, invitation.study_id, invitation.member_id, "opened")
    session.commit()
    return study.survey_id if study is not None else None


def opt_out(session: Session, secret: str, token: str) -> bool | None:
    """Refuse the study through the e-mail's opt-out link: True if refused now, False if it was too
    late (the invitee had already finished) or already done, None for a bad link."""
    invitation = invitation_of(session, secret, token)
    if invitation is None:
        return None
    refused = advance(session, invitation.study_id, invitation.member_id, "refused")
    session.commit()
    return refused


# --- at close --------------------------------------------------------------------------------------


def settle_at_close(
    session: Session, keys: RespondentKeys, study: Study, share: float = PARTIAL_SHARE
) -> int:
    """Started invitees who answered ``share`` of their pages or more become partial; returns how many.

    The pages counted are those the invitee's path shows given their saved answers (skip logic
    hides some); a page is answered when it holds a saved answer. The response is found by the
    invitee's respondent key (it names no member). A partial's answers stay sealed on its response
    (they are counted here, unsealed, and never become readable rows). Does not commit: closing the
    study calls this in its own transaction.
    """
    survey = session.get(Survey, study.survey_id) if study.survey_id is not None else None
    if survey is None:
        return 0
    started = session.scalars(
        select(Invitation.member_id).where(
            Invitation.study_id == study.id, Invitation.disposition == "started"
        )
    ).all()
    moved = 0
    for member_id in started:
        response = session.scalar(
            select(SurveyResponse).where(
                SurveyResponse.survey_id == survey.id,
                SurveyResponse.respondent_key == keys.key("survey", survey.id, member_id),
            )
        )
        if response is not None and answered_share(keys, survey.questionnaire, response) >= share:
            moved += advance(session, study.id, member_id, "partial")
    return moved


def answered_share(keys: RespondentKeys, document: Mapping[str, Any], response: SurveyResponse) -> float:
    """The share of the pages on the respondent's path that hold at least one saved answer (a response
    in progress keeps its answers sealed: ``keys`` unseal them)."""
    answers = saved_answers(keys, response, document)
    pages = visible_pages(document, answers)
    answered = {
        str(page["id"])
        for page in document.get("pages", [])
        if any(str(question["id"]) in answers for question in page.get("questions", []))
    }
    return len(answered & set(pages)) / len(pages) if pages else 0.0


# --- counts (no member identities) -----------------------------------------------------------------


def counts(session: Session, study_id: int) -> dict[str, int]:
    """How many invitees have each disposition (every disposition named, zeros included)."""
    rows = session.execute(
        select(Invitation.disposition, func.count())
        .where(Invitation.study_id == study_id)
        .group_by(Invitation.disposition)
    ).all()
    found = {str(d): int(n) for d, n in rows}
    return {d: found.get(d, 0) for d in DISPOSITIONS}


def counts_by_country(session: Session, study_id: int) -> dict[str, dict[str, int]]:
    """Disposition counts per target country (the invitee's cell's country), aggregated in SQL."""
    rows = session.execute(
        select(StudyCell.country, Invitation.disposition, func.count())
        .join(StudyCell, StudyCell.id == Invitation.cell_id)
        .where(Invitation.study_id == study_id)
        .group_by(StudyCell.country, Invitation.disposition)
    ).all()
    result: dict[str, dict[str, int]] = {}
    for country, disposition, n in rows:
        result.setdefault(str(country), dict.fromkeys(DISPOSITIONS, 0))[str(disposition)] = int(n)
    return dict(sorted(result.items()))


def summary(session: Session, study_id: int) -> dict[str, Any]:
    """The invitation summary a client may see: counts only (API and pages share it)."""
    overall = counts(session, study_id)
    waves = session.scalar(select(func.max(Invitation.wave)).where(Invitation.study_id == study_id)) or 0
    return {
        "study_id": study_id,
        "invited": sum(overall.values()),
        "waves": int(waves),
        "dispositions": overall,
        "by_country": counts_by_country(session, study_id),
    }
