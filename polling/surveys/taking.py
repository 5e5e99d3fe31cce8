"""Taking a paid survey: consent, one page at a time, autosave, resume, and completion.

The response is found by the member's respondent key, so any device resumes where they left off.
While a response is in progress its answers and per-page timings are kept only sealed on the response
row (:meth:`~polling.respondents.keys.RespondentKeys.seal`: only the app, holding the respondent-key
secret, reads them); they become long-form answer rows when it completes, and nothing when it ends
otherwise. A response in progress from before migration 0013 (``sealed`` NULL) still holds long-form
rows and clear timings: they are read as they are and sealed at its next saved page.
Every page sent names its page and step; a replayed or double-submitted page, or one from a second
tab, names an older step and changes nothing. Completion, quota filling and the honorarium credit
commit together in one transaction; a unique key per member and survey in the ledger pays once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from polling.accounts.models import User
from polling.db import insert_unless_present, utcnow
from polling.errors import Conflict, Forbidden
from polling.ledger import service as ledger
from polling.members.models import MemberProfile
from polling.polls.models import random_vote_id
from polling.respondents import anonymity, storage, targeting
from polling.respondents.demographics import snapshot
from polling.respondents.keys import RespondentKeys
from polling.surveys import engine, quality, quotas, signals
from polling.surveys.logic import parse
from polling.surveys.models import QualityFlag, QuotaCell, Survey, SurveyAnswer, SurveyResponse
from polling.surveys.service import get_survey, state

ENDINGS: dict[str, object] = {
    "screened_out": _l(
        "Thank you for your time. This survey is looking for physicians with a different profile, so it "
        "ends here. Your answers are not kept for analysis and no honorarium is due."
    ),
    "over_quota": _l(
        "Thank you for your time. We already have all the answers we need from physicians like you, so "
        "this survey ends here. No honorarium is due."
    ),
    "complete": _l("Thank you: your answers are saved. Your honorarium is in your balance."),
    "removed": _l("This response was removed after a quality review; no honorarium is paid for it."),
}


@dataclass
class TakingView:
    """One dict-like view feeding both the page and the API."""

    survey: Survey
    status: str
    message: object | None = None
    response: SurveyResponse | None = None
    page: Mapping[str, Any] | None = None
    questions: list[engine.ShownQuestion] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, object] = field(default_factory=dict)
    progress: int = 0
    can_go_back: bool = False


def fieldwork_day(survey: Survey) -> date:
    """The one day a response stores as its start and end: the survey's first day in field.

    The ledger credits a complete on the day it completes, and log-ins keep their day: a response
    keeping its own days would be narrowed to the members credited (or active) that day, often
    fewer than k. So responses keep no day of their own; snapshots are taken on the real day.
    """
    return survey.opens_at.date()


def _member(user: User | None) -> MemberProfile:
    member = user.member if user is not None else None
    if member is None or member.status != "verified":
        raise Forbidden(_l("Only verified physicians take paid surveys."))
    return member


def _locked_response(
    session: Session, keys: RespondentKeys, survey: Survey, member: MemberProfile, lock: bool
) -> SurveyResponse | None:
    query = select(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id,
        SurveyResponse.respondent_key == keys.key("survey", survey.id, member.id),
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


LongForm = dict[str, list[tuple[str, str]]]  # question → its (item, value) rows


def _stored_rows(response: SurveyResponse) -> LongForm:
    grouped: LongForm = {}
    for row in response.answers:
        grouped.setdefault(row.question, []).append((row.item, row.value))
    return grouped


@dataclass
class Sealed:
    """What a response in progress keeps sealed: its answers, its timings, when its page was shown."""

    answers: LongForm
    timings: dict[str, float]
    shown_at: datetime | None


def _in_progress(keys: RespondentKeys, response: SurveyResponse) -> Sealed:
    """The long-form answers, the timings and the moment the current page was shown, all sealed
    while in progress (before migration 0013 a response in progress kept them in clear: they are
    read as they are until its next save)."""
    if response.sealed is None:
        return Sealed(_stored_rows(response), dict(response.timings or {}), response.page_shown_at)
    data = keys.unseal(response.respondent_key, response.sealed)
    answers = {str(q): [(str(i), str(v)) for i, v in rows] for q, rows in data.get("answers", {}).items()}
    shown = data.get("shown_at")
    return Sealed(
        answers,
        {str(p): float(t) for p, t in data.get("timings", {}).items()},
        datetime.fromisoformat(shown) if isinstance(shown, str) else None,
    )


def _answers_of(document: Mapping[str, Any], grouped: LongForm) -> dict[str, Any]:
    questions = engine.questions_by_id(document)
    return {q: engine.from_long_form(questions[q], rows) for q, rows in grouped.items() if q in questions}


def saved_answers(
    keys: RespondentKeys, response: SurveyResponse, document: Mapping[str, Any]
) -> dict[str, Any]:
    """The response's answers: unsealed while it is in progress, its long-form rows once complete."""
    grouped = (
        _in_progress(keys, response).answers if response.status == "in_progress" else _stored_rows(response)
    )
    return _answers_of(document, grouped)


def _closed_message(current: str) -> object:
    if current == "full":
        return _l("This survey has all the answers it needs and is no longer taking part. Thank you.")
    if current == "scheduled":
        return _l("This survey is not open yet.")
    return _l("This survey is closed: answers are no longer accepted.")


def _uninvited(session: Session, survey: Survey, member: MemberProfile) -> object | None:
    """Why ``member`` may not take an invitation-only survey (not invited); None if they may."""
    if survey.invitation_only and survey.id not in signals.invited_surveys(session, member.id):
        return _l("This survey is by invitation only, and your account is not invited to it.")
    return None


def view(session: Session, keys: RespondentKeys, user: User, survey_id: int) -> TakingView:
    """Where the member stands: not started, on a page (with saved answers), or finished.

    An invitee who opens an invitation-only survey they have not started is announced
    (``signals.survey_opened``); what a receiver writes for it commits here.
    """
    member = _member(user)
    survey = get_survey(session, survey_id)
    if survey.status == "draft":
        raise Forbidden(_l("This survey is not in field."))
    reason = targeting.ineligibility(survey, member) or _uninvited(session, survey, member)
    response = _locked_response(session, keys, survey, member, lock=False)
    current = state(survey)
    if response is None:
        if reason is not None:
            raise Forbidden(reason)
        if survey.invitation_only and signals.wrote(
            signals.survey_opened.send(session, survey_id=survey.id, member_id=member.id)
        ):
            session.commit()
        return TakingView(survey, "not_started", None if current == "open" else _closed_message(current))
    if response.status != "in_progress":
        return TakingView(survey, response.status, ENDINGS[response.status], response)
    if current not in {"open", "full"}:
        return TakingView(survey, "closed", _closed_message(current), response)
    return _page_view(survey, response, saved_answers(keys, response, survey.questionnaire))


def _page_view(survey: Survey, response: SurveyResponse, answers: dict[str, Any]) -> TakingView:
    document = survey.questionnaire
    page = engine.page_of(document, response.page)
    order = engine.visible_pages(document, answers)
    done = order.index(response.page) if response.page in order else 0
    return TakingView(
        survey,
        "in_progress",
        response=response,
        page=page,
        questions=engine.shown_questions(page, answers, response.respondent_key),
        answers=answers,
        progress=round(100 * done / max(1, len(order))),
        can_go_back=engine.step(document, answers, response.page, -1) is not None,
    )


def consent(session: Session, keys: RespondentKeys, user: User, survey_id: int, agreed: bool) -> TakingView:
    """Agree to take part: opens the response on the first page (a second consent changes nothing)."""
    member = _member(user)
    survey = get_survey(session, survey_id)
    reason = targeting.ineligibility(survey, member) or _uninvited(session, survey, member)
    if reason is not None:
        raise Forbidden(reason)
    current = state(survey)
    if current != "open":
        raise Conflict(_closed_message(current))
    if not agreed:
        raise Conflict(_l("Tick the consent box to take part; without it no answers are recorded."))
    first = engine.visible_pages(survey.questionnaire, {})[0]
    key = keys.key("survey", survey.id, member.id)
    started = insert_unless_present(
        session,
        SurveyResponse,
        ("survey_id", "respondent_key"),
        id=random_vote_id(),
        survey_id=survey.id,
        respondent_key=key,
        questionnaire_version=survey.questionnaire_version,
        status="in_progress",
        page=first,
        step=0,
        started_on=fieldwork_day(survey),
        timings={},
        sealed=keys.seal(key, {"answers": {}, "timings": {}, "shown_at": utcnow().isoformat()}),
        page_shown_at=None,  # sealed: an exact time in clear would line up with the member's log-in
    )
    if started:  # the one consent that opened the response, in its transaction
        signals.response_started.send(session, survey_id=survey.id, member_id=member.id)
    session.commit()
    return view(session, keys, user, survey_id)


def submit(
    session: Session, keys: RespondentKeys, user: User, survey_id: int, data: Mapping[str, Any]
) -> TakingView:
    """Save a page (``data``: page, step, action, answers, confirm_blank) and move on or back.

    A page that is not the response's current step (a replay, a second tab) changes nothing and
    answers with where the response stands.
    """
    member = _member(user)
    survey = get_survey(session, survey_id)
    response = _locked_response(session, keys, survey, member, lock=True)
    if response is None:
        raise Conflict(_l("Give your consent on the survey's first page before answering."))
    if response.status != "in_progress" or data["page"] != response.page or data["step"] != response.step:
        session.commit()  # release the row lock; nothing changed
        return view(session, keys, user, survey_id)
    current = state(survey)
    if current not in {"open", "full"}:
        session.commit()
        return TakingView(survey, "closed", _closed_message(current), response)
    document = survey.questionnaire
    sealed = _in_progress(keys, response)
    saved, timings = sealed.answers, sealed.timings
    answers = _answers_of(document, saved)
    page = engine.page_of(document, response.page)
    shown = engine.shown_questions(page, answers, response.respondent_key)
    check = engine.check_page(shown, data.get("answers") or {}, confirm_blank=bool(data.get("confirm_blank")))
    answers.update(check.answers)
    for question in shown:
        if question.id not in check.answers:
            answers.pop(question.id, None)
    action = data.get("action", "next")
    now = utcnow()
    if sealed.shown_at is not None:
        timings[response.page] = round(
            timings.get(response.page, 0) + (now - sealed.shown_at).total_seconds(), 1
        )
    response.page_shown_at = None
    _store(session, keys, response, saved, {q.id: q.type for q in shown}, check.answers, timings, now)
    if action == "save" or (action == "next" and check.errors):
        session.commit()
        result = _page_view(survey, response, answers)
        result.errors, result.raw = (
            ({} if action == "save" else check.errors),
            dict(data.get("answers") or {}),
        )
        return result
    target = engine.step(document, answers, response.page, -1 if action == "back" else 1)
    if action == "back":
        if target is not None:
            response.page, response.step = target, response.step + 1
        session.commit()
        return _page_view(survey, response, answers)
    ending, cell = _ending_after_page(survey, member, shown, answers)
    if ending is not None:
        return _finish(session, survey, response, member, ending, cell)
    if target is None:
        return _complete(session, survey, response, member, answers, timings)
    response.page, response.step = target, response.step + 1
    session.commit()
    return _page_view(survey, response, answers)


def _store(
    session: Session,
    keys: RespondentKeys,
    response: SurveyResponse,
    saved: LongForm,
    kinds: Mapping[str, str],
    answers: Mapping[str, Any],
    timings: Mapping[str, float],
    shown_at: datetime,
) -> None:
    """Autosave: the answers replace what was ``saved`` for the questions in ``kinds`` (id → type),
    and the whole is sealed on the response row with the timings so far and the moment the next
    page is shown (none of it in clear)."""
    for qid in kinds:
        saved.pop(qid, None)
    for qid, answer in answers.items():
        rows = engine.long_form(answer, kinds.get(qid, ""))
        if rows:
            saved[qid] = rows
    response.sealed = keys.seal(
        response.respondent_key,
        {"answers": saved, "timings": dict(timings), "shown_at": shown_at.isoformat()},
    )
    if response.answers or response.timings:  # kept in clear before migration 0013: sealed now
        session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
        session.expire(response, ["answers"])
        response.timings = {}


def _store_long_form(
    session: Session, response: SurveyResponse, kinds: Mapping[str, str], answers: Mapping[str, Any]
) -> None:
    """A complete's answers as long-form rows (id → type in ``kinds``); its seal is broken."""
    session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
    session.add_all(
        SurveyAnswer(response_id=response.id, question=qid, item=item, value=value)
        for qid, answer in answers.items()
        for item, value in engine.long_form(answer, kinds.get(qid, ""))
    )
    response.sealed = None
    session.flush()
    session.expire(response, ["answers"])


def _ending_after_page(
    survey: Survey, member: MemberProfile, shown: list[engine.ShownQuestion], answers: Mapping[str, Any]
) -> tuple[str | None, QuotaCell | None]:
    for question in shown:
        condition = question.spec.get("screen_out_if")
        if condition and parse(condition).evaluate(answers):
            return "screened_out", None
    cell = quotas.full_cell(survey, snapshot(member, utcnow().date()), answers)
    return ("over_quota" if cell is not None else None), cell


def _ended(session: Session, survey: Survey, member: MemberProfile, status: str) -> None:
    """Announce how the response ended, in its transaction (the response row is locked: once)."""
    signals.response_ended.send(session, survey_id=survey.id, member_id=member.id, status=status)


def _finish(
    session: Session,
    survey: Survey,
    response: SurveyResponse,
    member: MemberProfile,
    status: str,
    cell: QuotaCell | None,
) -> TakingView:
    response.status, response.ended_on, response.page_shown_at = status, fieldwork_day(survey), None
    _keep_nothing(session, response)
    if cell is not None:
        quotas.count_over_quota(session, cell)
    _ended(session, survey, member, status)
    session.commit()
    return TakingView(survey, status, ENDINGS[status], response)


def _keep_nothing(session: Session, response: SurveyResponse) -> None:
    """A response that ends without a complete (screened out, over quota) keeps no answers and no
    timings: they serve no analysis, and a study's invitations name the few members of each such
    ending, so a row keeping them would be linked to its member by the disposition alone."""
    session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
    response.timings, response.sealed = {}, None
    session.expire(response, ["answers"])


def _prune(document: Mapping[str, Any], answers: dict[str, Any], seed: str) -> dict[str, Any]:
    """Only answers to questions the member's path actually shows (going back can hide some)."""
    kept: dict[str, Any] = {}
    for page_id in engine.visible_pages(document, answers):
        for question in engine.shown_questions(engine.page_of(document, page_id), answers, seed):
            if question.id in answers:
                kept[question.id] = answers[question.id]
    return kept


def _complete(
    session: Session,
    survey: Survey,
    response: SurveyResponse,
    member: MemberProfile,
    answers: dict[str, Any],
    timings: Mapping[str, float],
) -> TakingView:
    """Fill quotas, count the complete, credit the honorarium and store the snapshot — one transaction.

    The sealed answers become long-form rows and the timings a clear column, in that transaction."""
    document = survey.questionnaire
    answers = _prune(document, answers, response.respondent_key)
    today = utcnow().date()
    exact = snapshot(member, today)
    cells = quotas.cells_of(survey, exact, answers)
    full = quotas.fill(session, cells)
    counted = (
        full is None
        and session.execute(
            update(Survey)
            .where(
                Survey.id == survey.id,
                or_(Survey.target_completes.is_(None), Survey.completes < Survey.target_completes),
            )
            .values(completes=Survey.completes + 1)
            .returning(Survey.id)
        ).first()
        is not None
    )
    if not counted:
        if full is None:  # the survey filled up: give the cells back their place
            quotas.release(session, [c.id for c in cells])
        response.status, response.ended_on, response.page_shown_at = "over_quota", fieldwork_day(survey), None
        _keep_nothing(session, response)
        _ended(session, survey, member, "over_quota")
        session.commit()
        return TakingView(survey, "over_quota", ENDINGS["over_quota"], response)
    stored_answers = {q: answers[q] for q in answers}
    kinds = {qid: str(spec["type"]) for qid, spec in engine.questions_by_id(document).items()}
    _store_long_form(session, response, kinds, stored_answers)
    response.timings = dict(timings)
    total = sum((response.timings or {}).values())
    share = (
        float(current_app.config.get("SURVEY_SPEEDER_SHARE", quality.SPEEDER_SHARE))
        if has_app_context()
        else quality.SPEEDER_SHARE
    )
    page_share = (
        float(current_app.config.get("SURVEY_PAGE_SPEEDER_SHARE", quality.PAGE_SPEEDER_SHARE))
        if has_app_context()
        else quality.PAGE_SPEEDER_SHARE
    )
    flags = quality.flags_for(
        session, document, survey.id, stored_answers, total, share, response.timings or {}, page_share
    )
    session.add_all(QualityFlag(response_id=response.id, reason=r, detail=d) for r, d in flags.items())
    crowd = anonymity.crowd_of(
        session.scalars(
            select(MemberProfile).where(
                MemberProfile.id.in_(ledger.credited_members(session, survey.id)),
                MemberProfile.id != member.id,
            )
        ),
        today,
    )
    crowd[exact] = crowd.get(exact, 0) + 1
    for name, value in anonymity.generalise(crowd)(exact).as_columns().items():
        setattr(response, name, value)
    response.status, response.ended_on, response.page_shown_at = "complete", fieldwork_day(survey), None
    response.answers_digest = quality.digest(stored_answers)
    honorarium = survey.honorarium_for(member.country)
    if honorarium is not None:
        ledger.credit_honorarium(session, member.id, survey.id, honorarium.currency, honorarium.amount_minor)
    _ended(session, survey, member, "complete")
    session.commit()
    if has_app_context():  # the complete's place in storage follows the ledger's order until rewritten
        storage.schedule(current_app._get_current_object(), "surveys")  # type: ignore[attr-defined]
    return TakingView(survey, "complete", ENDINGS["complete"], response)
