"""The questionnaire builder's steps: pure edits of the questionnaire document (no database).

Each step takes a copy of the document and returns it changed; ``service.edit_questionnaire``
then checks the result with the surveys' validator, so a step never needs checks of its own
beyond finding what it edits. Options come from a text box, one per line, ``code | English |
Spanish`` (the code may be left out: ``Yes | Sí`` gets the code ``yes``).

Example:
    >>> doc = add_question(empty_document(["en"]), None, {"id": "q1", "type": "text", "text": {"en": "Why?"}})
    >>> [q["id"] for q in doc["pages"][0]["questions"]]
    ['q1']
"""

from __future__ import annotations

import copy as _copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

BUILDER_TYPES = ("single", "multiple", "ranking", "numeric", "text", "nps", "year", "date")
WITH_OPTIONS = frozenset({"single", "multiple", "ranking"})
NEW_PAGE = "new"


def empty_document(languages: Sequence[str]) -> dict[str, Any]:
    return {"version": 1, "languages": list(languages), "pages": []}


def copy(document: Mapping[str, Any]) -> dict[str, Any]:
    return _copy.deepcopy(dict(document))


def question_ids(document: Mapping[str, Any]) -> list[str]:
    return [q["id"] for page in document.get("pages", []) for q in page["questions"]]


def next_question_id(document: Mapping[str, Any] | None) -> str:
    taken = set(question_ids(document or {}))
    n = len(taken) + 1
    while f"q{n}" in taken:
        n += 1
    return f"q{n}"


def _next_page_id(document: Mapping[str, Any]) -> str:
    taken = {page["id"] for page in document["pages"]}
    n = len(taken) + 1
    while f"p{n}" in taken:
        n += 1
    return f"p{n}"


def _slug(text: str, index: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40]
    return slug or f"o{index + 1}"


def parse_options(text: str, languages: Sequence[str]) -> list[dict[str, Any]]:
    """Options from lines ``code | English | Spanish`` (or ``English | Spanish``, or ``Text``)."""
    options = []
    for index, line in enumerate(line for line in text.splitlines() if line.strip()):
        parts = [part.strip() for part in line.split("|")]
        code = None
        if len(parts) == len(languages) + 1:
            code, parts = parts[0], parts[1:]
        texts = {language: parts[i] for i, language in enumerate(languages) if i < len(parts) and parts[i]}
        options.append({"code": code or _slug(parts[0], index), "text": texts})
    return options


def format_options(options: Sequence[Mapping[str, Any]], languages: Sequence[str]) -> str:
    """The options as the builder's text box shows them (the inverse of :func:`parse_options`)."""
    return "\n".join(
        " | ".join([o["code"], *(o["text"].get(language, "") for language in languages)]) for o in options
    )


def question_from_form(form: Mapping[str, str], languages: Sequence[str]) -> dict[str, Any]:
    """A question from the builder form: id, type, text_<lang>, options, required, show_if, min/max."""
    kind = str(form.get("type", "")).strip()
    question: dict[str, Any] = {
        "id": str(form.get("id", "")).strip(),
        "type": kind,
        "text": {lang: str(form.get(f"text_{lang}", "")).strip() for lang in languages},
        "required": form.get("required") in ("yes", "on", "true", "1"),
    }
    question["text"] = {lang: text for lang, text in question["text"].items() if text}
    show_if = str(form.get("show_if", "")).strip()
    if show_if:
        question["show_if"] = show_if
    if kind in WITH_OPTIONS:
        question["options"] = parse_options(str(form.get("options", "")), languages)
    if kind == "numeric":
        for name in ("minimum", "maximum"):
            value = str(form.get(name, "")).strip().replace(",", ".")
            if value:
                try:
                    question[name] = float(value)
                except ValueError:
                    question[name] = value  # the validator names the field
    if kind == "text" and form.get("long") in ("yes", "on"):
        question["long"] = True
    return question


def _find(document: Mapping[str, Any], question_id: str) -> tuple[int, int]:
    for p, page in enumerate(document["pages"]):
        for q, question in enumerate(page["questions"]):
            if question["id"] == question_id:
                return p, q
    raise KeyError(question_id)


def add_question(document: dict[str, Any], page_id: str | None, question: dict[str, Any]) -> dict[str, Any]:
    """Add ``question`` at the end of page ``page_id`` (None, unknown or ``new``: a new last page)."""
    for page in document["pages"]:
        if page_id not in (None, NEW_PAGE) and page["id"] == page_id:
            page["questions"].append(question)
            return document
    document["pages"].append({"id": _next_page_id(document), "questions": [question]})
    return document


def replace_question(document: dict[str, Any], question_id: str, question: dict[str, Any]) -> dict[str, Any]:
    """Put ``question`` where ``question_id`` was (its id may change; the validator checks references)."""
    p, q = _find(document, question_id)
    document["pages"][p]["questions"][q] = question
    return document


def remove_question(document: dict[str, Any], question_id: str) -> dict[str, Any]:
    """Remove a question; a page left empty goes too."""
    p, q = _find(document, question_id)
    del document["pages"][p]["questions"][q]
    if not document["pages"][p]["questions"]:
        del document["pages"][p]
    return document


def move_question(document: dict[str, Any], question_id: str, offset: int) -> dict[str, Any]:
    """Move a question one place up (-1) or down (+1); past its page's edge it joins the next page."""
    p, q = _find(document, question_id)
    pages = document["pages"]
    questions = pages[p]["questions"]
    target = q + (1 if offset > 0 else -1)
    if 0 <= target < len(questions):
        questions[q], questions[target] = questions[target], questions[q]
        return document
    neighbour = p + (1 if offset > 0 else -1)
    if not 0 <= neighbour < len(pages):
        return document  # already first or last
    moved = questions.pop(q)
    if offset > 0:
        pages[neighbour]["questions"].insert(0, moved)
    else:
        pages[neighbour]["questions"].append(moved)
    if not questions:
        del pages[p]
    return document
