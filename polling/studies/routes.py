"""Web pages of research clients' studies: the list, a new draft, the overview, the brief's form,
the questionnaire builder (or an uploaded document), a preview as a respondent, and submitting."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from polling import policies
from polling.db import get_session
from polling.errors import Conflict, InvalidInput, PulseError, json_body_problem
from polling.ledger.service import format_amount
from polling.studies import STUDY_ID, builder, labels, service
from polling.studies.api import pricer
from polling.studies.models import LANGUAGES, SPONSOR_TYPES, Study
from polling.surveys.engine import localised
from sampling.codes import AGE_BANDS, COUNTRIES, SEXES
from sampling.taxonomy import SPECIALTIES

bp = Blueprint("studies", __name__)
labels.register(bp)
BLANK_ROWS = 3
CELL_KEYS = ("country", "specialty", "sex", "age_band", "target")


def _choices() -> dict[str, Any]:
    return {
        "countries": COUNTRIES,
        "specialties": sorted(SPECIALTIES.values(), key=lambda s: s.name_en),
        "sexes": SEXES,
        "age_bands": AGE_BANDS,
        "sponsor_types": SPONSOR_TYPES,
        "languages": LANGUAGES,
        "question_types": builder.BUILDER_TYPES,
    }


def _number(value: str | None) -> object:
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else text


def _cell_rows(form: MultiDict[str, str]) -> list[dict[str, str]]:
    """The form's cell rows that are filled in and not marked for removal, in order."""
    rows = []
    for index in range(int(form.get("cell_rows", "0") or 0) if form.get("cell_rows", "").isdigit() else 0):
        row = {key: form.get(f"cells-{index}-{key}", "").strip() for key in CELL_KEYS}
        row["hard"] = "yes" if form.get(f"cells-{index}-hard") else ""
        if form.get(f"cells-{index}-remove") or not any(row[key] for key in CELL_KEYS):
            continue
        rows.append(row)
    return rows[:200]


def brief_from_form(form: MultiDict[str, str]) -> dict[str, object]:
    """The brief of the web form, for the same schema the API loads (so each input is checked once)."""
    brief: dict[str, object] = {
        "title": form.get("title", "").strip(),
        "objectives": form.get("objectives", "").strip(),
        "sponsor_name": form.get("sponsor_name", "").strip(),
        "sponsor_type": form.get("sponsor_type", ""),
        "sponsor_named": form.get("sponsor_named") == "yes",
        "languages": form.getlist("languages"),
        "field_start": form.get("field_start") or None,
        "field_end": form.get("field_end") or None,
        "cells": [
            {
                "country": row["country"],
                "specialty": row["specialty"],
                "sex": row["sex"] or None,
                "age_band": row["age_band"] or None,
                "target": _number(row["target"]),
                "hard": row["hard"] == "yes",
            }
            for row in _cell_rows(form)
        ],
    }
    for name in ("sample_size", "length_minutes"):
        if form.get(name, "").strip():
            brief[name] = _number(form.get(name))
    return brief


def _form_of(study: Study | None) -> dict[str, Any]:
    """What the brief's form shows: a study's brief, or a new draft's defaults."""
    if study is None:
        return {
            "languages": ["en", "es"],
            "length_minutes": 15,
            "sponsor_type": "pharmaceutical",
            "cells": [],
        }
    form = service.brief_of(study)
    form["cells"] = [
        {**cell, "target": str(cell["target"]), "hard": "yes" if cell["hard"] else ""}
        for cell in form["cells"]
    ]
    return form


def _submitted_form(form: MultiDict[str, str]) -> dict[str, Any]:
    shown: dict[str, Any] = {key: form.get(key, "") for key in form}
    shown["languages"] = form.getlist("languages")
    shown["sponsor_named"] = form.get("sponsor_named") == "yes"
    shown["cells"] = _cell_rows(form)
    return shown


def _brief_page(
    study: Study | None, form: dict[str, Any], errors: dict[str, list[object]], status: int = 200
):
    extra = BLANK_ROWS + (BLANK_ROWS if request.form.get("action") == "more_rows" else 0)
    return (
        render_template(
            "studies/brief.html", study=study, form=form, errors=errors, extra_rows=extra, **_choices()
        ),
        status,
    )


@bp.get("/studies")
def index() -> ResponseReturnValue:
    """The studies of the client's organisation (every study, for fielding staff)."""
    return render_template("studies/index.html", studies=service.studies_of(get_session(), current_user))


@bp.route("/studies/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    """Start a draft: the brief (title, sponsor, target cells, field window, languages, length)."""
    if request.method == "GET" or request.form.get("action") == "more_rows":
        form = _form_of(None) if request.method == "GET" else _submitted_form(request.form)
        return _brief_page(None, form, {})
    try:
        study = service.create_draft(get_session(), current_user, brief_from_form(request.form))
    except InvalidInput as exc:
        return _brief_page(None, _submitted_form(request.form), exc.fields, 422)
    flash(_("Your draft is saved (version 1)."))
    return redirect(url_for("studies.show", study_id=study.id))


@bp.get(f"/studies/{STUDY_ID}")
def show(study_id: int) -> ResponseReturnValue:
    """The study's overview: status, staff comments, versions, links to the quote and dashboard."""
    session = get_session()
    study = service.get_study(session, current_user, study_id)
    editable = policies.can(current_user, "study.edit", study)
    problems = service.readiness(study) if editable else {}
    quote = _quote_shown(study) if editable and not problems else None
    return render_template(
        "studies/show.html",
        study=study,
        editable=editable,
        problems=problems,
        quote=quote,
        events=service.events(session, current_user, study_id),
        versions=service.versions(session, current_user, study_id)[:10],
        question_count=len(builder.question_ids(study.questionnaire or {})),
        countries=COUNTRIES,
        specialties=SPECIALTIES,
    )


def _quote_shown(study: Study) -> dict[str, Any] | None:
    """The current quote as plain data, with its total formatted as the quote itself writes it
    (``total_shown``); None when it cannot be priced."""
    try:
        quote: dict[str, Any] = service.plain(pricer()(get_session(), study))
    except PulseError:
        return None
    if not quote.get("total_shown") and isinstance(quote.get("total_minor"), int) and quote.get("currency"):
        quote["total_shown"] = format_amount(quote["total_minor"], str(quote["currency"]))
    return quote


@bp.route(f"/studies/{STUDY_ID}/edit", methods=["GET", "POST"])
def edit(study_id: int) -> ResponseReturnValue:
    """Change the brief and the target cells of a draft or returned study (each save is a version)."""
    session = get_session()
    study = service.get_study(session, current_user, study_id, "study.edit")
    if request.method == "GET":
        return _brief_page(study, _form_of(study), {})
    if request.form.get("action") == "more_rows":
        return _brief_page(study, _submitted_form(request.form), {})
    base = request.form.get("version", "")
    try:
        service.save_draft(
            session,
            current_user,
            study_id,
            brief_from_form(request.form),
            int(base) if base.isdigit() else None,
        )
    except (InvalidInput, Conflict) as exc:
        errors = exc.fields or {"version": [exc.message]}
        return _brief_page(study, _submitted_form(request.form), errors, exc.status)
    flash(_("Saved as version %(n)d.", n=study.version))
    return redirect(url_for("studies.show", study_id=study_id))


def _questionnaire_step(form: MultiDict[str, str], languages: list[str]) -> Any:
    """The builder step a POST asks for, as a function of the document."""
    action = form.get("action", "")
    target = form.get("question", "")
    if action in ("add", "update"):
        question = builder.question_from_form(form, languages)
        if action == "add":
            return lambda doc: builder.add_question(doc, form.get("page") or None, question)
        return lambda doc: builder.replace_question(doc, target, question)
    if action in ("up", "down"):
        return lambda doc: builder.move_question(doc, target, -1 if action == "up" else 1)
    if action == "remove":
        return lambda doc: builder.remove_question(doc, target)
    return None


def _uploaded_document(form: MultiDict[str, str]) -> object:
    upload = request.files.get("file")
    text = (
        upload.read().decode("utf-8", "replace") if upload and upload.filename else form.get("document", "")
    )
    problem = json_body_problem(text.encode("utf-8", "replace"))
    if problem is not None:
        raise InvalidInput.for_field("questionnaire", problem)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidInput.for_field(
            "questionnaire", _("The file is not JSON: %(error)s", error=str(exc))
        ) from None


@bp.route(f"/studies/{STUDY_ID}/questionnaire", methods=["GET", "POST"])
def questionnaire(study_id: int) -> ResponseReturnValue:
    """The questionnaire builder: add, change, reorder and remove questions, set logic, or upload JSON."""
    session = get_session()
    study = service.get_study(session, current_user, study_id, "study.edit")
    languages = list(study.languages or ["en"])
    errors: dict[str, list[object]] = {}
    if request.method == "POST":
        base = request.form.get("version", "")
        base_version = int(base) if base.isdigit() else None
        try:
            if request.form.get("action") == "upload":
                service.set_questionnaire(
                    session, current_user, study_id, _uploaded_document(request.form), base_version
                )
            else:
                step = _questionnaire_step(request.form, languages)
                if step is None:
                    abort(400)
                service.edit_questionnaire(session, current_user, study_id, step, base_version)
        except KeyError:
            errors = {"question": [_("That question is no longer in the questionnaire: reload the page.")]}
        except (InvalidInput, Conflict) as exc:
            errors = exc.fields or {"questionnaire": [exc.message]}
        else:
            flash(_("The questionnaire is saved (version %(n)d).", n=study.version))
            return redirect(url_for("studies.questionnaire", study_id=study_id))
    document = study.questionnaire or builder.empty_document(languages)
    editing = request.args.get("edit", "") if request.method == "GET" else request.form.get("question", "")
    question = next((q for page in document["pages"] for q in page["questions"] if q["id"] == editing), None)
    form: dict[str, Any] = (
        dict(request.form) if errors and request.form.get("action") in ("add", "update") else {}
    )
    if not form and question is not None:
        form = {
            "id": question["id"],
            "type": question["type"],
            "show_if": question.get("show_if", ""),
            "required": "yes" if question.get("required", True) else "",
            "options": builder.format_options(question.get("options") or [], languages),
            "minimum": question.get("minimum", ""),
            "maximum": question.get("maximum", ""),
            "long": "yes" if question.get("long") else "",
            **{f"text_{lang}": question["text"].get(lang, "") for lang in languages},
        }
    if not form:
        form = {"id": builder.next_question_id(document), "type": "single", "required": "yes"}
    return (
        render_template(
            "studies/questionnaire.html",
            study=study,
            document=document,
            languages=languages,
            editing=question["id"] if question is not None else None,
            form=form,
            errors=errors,
            document_json=json.dumps(study.questionnaire, ensure_ascii=False, indent=2)
            if study.questionnaire
            else "",
            localised=localised,
            question_types=builder.BUILDER_TYPES,
        ),
        422 if errors else 200,
    )


def preview_questions(page: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """A page's questions as the survey page template shows them (surveys/_question.html)."""

    def coded(items: Any) -> list[dict[str, str]]:
        return [{"code": o["code"], "text": localised(o["text"], lang)} for o in items or []]

    return [
        {
            "id": q["id"],
            "type": q["type"],
            "text": localised(q["text"], lang),
            "required": bool(q.get("required", True)) and not q.get("soft_required"),
            "options": coded(q.get("options")),
            "rows": coded(q.get("rows")),
            "scale": coded(q.get("scale")),
            "settings": {k: q[k] for k in ("minimum", "maximum", "total", "long") if k in q}
            | ({"unit": localised(q["unit"], lang)} if "unit" in q else {}),
            "answer": None,
            "error": None,
            "show_if": q.get("show_if"),
        }
        for q in page["questions"]
    ]


@bp.get(f"/studies/{STUDY_ID}/preview")
def preview(study_id: int) -> ResponseReturnValue:
    """The questionnaire as a respondent sees it, in English or Spanish (?lang=es); nothing is saved."""
    study = service.get_study(get_session(), current_user, study_id)
    lang = request.args.get("lang", "en")
    lang = lang if lang in LANGUAGES else "en"
    document = study.questionnaire or {"pages": []}
    pages = [
        {
            "id": page["id"],
            "title": localised(page.get("title"), lang),
            "show_if": page.get("show_if"),
            "questions": preview_questions(page, lang),
        }
        for page in document["pages"]
    ]
    return render_template("studies/preview.html", study=study, pages=pages, lang=lang, languages=LANGUAGES)


@bp.post(f"/studies/{STUDY_ID}/submit")
def submit(study_id: int) -> ResponseReturnValue:
    """Accept the quote shown and submit the study for staff review."""
    session = get_session()
    try:
        service.submit(session, current_user, study_id, pricer(), request.form.get("comment", ""))
    except (InvalidInput, Conflict) as exc:
        for messages in (exc.fields or {"study": [exc.message]}).values():
            for message in messages:
                flash(str(message))
        return redirect(url_for("studies.show", study_id=study_id))
    flash(_("Submitted: Pulse staff will review your study and write to you."))
    return redirect(url_for("studies.show", study_id=study_id))
