"""Questionnaires as data: the versioned JSON document, its schema, and validation with paths.

A questionnaire is pages of questions. Every text is a mapping locale → text (``{"en": …, "es": …}``)
holding every language the questionnaire lists, so a third language needs no schema change.
:func:`validate_questionnaire` refuses a malformed document with the path of each bad element,
e.g. ``pages[2].questions[0].show_if: refers to unknown question q7``; the checks beyond the shape
are that ids are unique, codes are unique within a question, logic parses and refers only to
questions asked before (which also rules out cycles, reported as such), piping refers to earlier
questions, ranges are ordered, and screener and attention-check settings fit the question.

Example:
    >>> validate_questionnaire({"version": 1, "languages": ["en"], "pages": []})
    Traceback (most recent call last):
    InvalidQuestionnaire: pages: Give at least one page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, ValidationError, fields, validate

from polling.surveys.logic import ExpressionError, parse

FORMAT_VERSION = 1
QUESTION_TYPES = (
    "single",
    "multiple",
    "matrix",
    "numeric",
    "constant_sum",
    "text",
    "ranking",
    "nps",
    "date",
    "year",
)
_ID = validate.Regexp(r"^[A-Za-z][A-Za-z0-9_]{0,39}$", error="Use a letter, then letters, digits or _.")
_CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$", error="Use 1 to 40 letters, digits, _ or -.")
PIPE = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")


def _text(required: bool = True) -> fields.Dict:
    field = fields.Dict(
        keys=fields.String(
            validate=validate.Regexp(r"^[a-z]{2}(_[A-Z]{2})?$", error="Use a locale such as en.")
        ),
        values=fields.String(validate=validate.Length(min=1, max=2000)),
        required=required,
        metadata={"description": "Text per locale: {'en': ..., 'es': ...}."},
    )
    return field


class OptionSchema(Schema):
    code = fields.String(required=True, validate=_CODE)
    text = _text()
    exclusive = fields.Boolean(
        load_default=False, metadata={"description": "Answered alone ('None of these')."}
    )
    anchor = fields.Boolean(
        load_default=False, metadata={"description": "Keeps its place when options shuffle."}
    )


class AttentionCheckSchema(Schema):
    expect = fields.String(
        required=True, metadata={"description": "The option code an attentive reader picks."}
    )


class QuestionSchema(Schema):
    id = fields.String(required=True, validate=_ID)
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    text = _text()
    help = _text(required=False)
    required = fields.Boolean(load_default=True)
    soft_required = fields.Boolean(
        load_default=False, metadata={"description": "May be left blank after a reminder."}
    )
    show_if = fields.String(metadata={"description": "Logic over earlier answers; hidden when false."})
    screen_out_if = fields.String(metadata={"description": "Screener: ends the survey politely when true."})
    attention_check = fields.Nested(AttentionCheckSchema)
    options = fields.List(fields.Nested(OptionSchema), validate=validate.Length(max=100))
    randomise_options = fields.Boolean(load_default=False)
    rows = fields.List(fields.Nested(OptionSchema), validate=validate.Length(max=50))
    scale = fields.List(fields.Nested(OptionSchema), validate=validate.Length(max=11))
    minimum = fields.Float(allow_nan=False)
    maximum = fields.Float(allow_nan=False)
    decimals = fields.Integer(load_default=0, validate=validate.Range(0, 4))
    unit = _text(required=False)
    total = fields.Integer(validate=validate.Range(1, 1_000_000))
    long = fields.Boolean(load_default=False)
    min_length = fields.Integer(validate=validate.Range(0, 10_000))
    max_length = fields.Integer(validate=validate.Range(1, 10_000))


class PageSchema(Schema):
    id = fields.String(required=True, validate=_ID)
    title = _text(required=False)
    show_if = fields.String(
        metadata={"description": "Logic over earlier pages' answers; skipped when false."}
    )
    randomise_questions = fields.Boolean(load_default=False)
    questions = fields.List(
        fields.Nested(QuestionSchema),
        required=True,
        validate=validate.Length(min=1, max=60, error="Give a page 1 to 60 questions."),
    )


class QuestionnaireSchema(Schema):
    """A paid survey's questionnaire (format version 1)."""

    version = fields.Integer(required=True, validate=validate.Equal(FORMAT_VERSION, error="Use version 1."))
    languages = fields.List(
        fields.String(validate=validate.OneOf(["en", "es"])),
        required=True,
        validate=validate.Length(min=1, error="List the questionnaire's languages, e.g. ['en', 'es']."),
    )
    title = _text(required=False)
    pages = fields.List(
        fields.Nested(PageSchema),
        required=True,
        validate=validate.Length(min=1, max=100, error="Give at least one page."),
    )


class InvalidQuestionnaire(ValueError):
    """A questionnaire refused; ``problems`` lists ``path: message`` strings, in document order."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _flatten(errors: Any, path: str = "") -> Iterator[str]:
    if isinstance(errors, Mapping):
        for key in sorted(errors, key=lambda k: (isinstance(k, str), k)):
            step = f"[{key}]" if isinstance(key, int) else (f".{key}" if path else str(key))
            if key == "_schema":
                step = ""
            yield from _flatten(errors[key], path + step)
    elif isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        for message in errors:
            yield f"{path or 'questionnaire'}: {message}"
    elif isinstance(errors, list):
        for message in errors:
            yield from _flatten(message, path)
    else:
        yield f"{path or 'questionnaire'}: {errors}"


def validate_questionnaire(raw: object) -> dict[str, Any]:
    """The questionnaire ``raw`` as loaded data; InvalidQuestionnaire with a path for every problem."""
    if not isinstance(raw, Mapping):
        raise InvalidQuestionnaire(["questionnaire: Send a JSON object with version, languages and pages."])
    try:
        data: dict[str, Any] = QuestionnaireSchema().load(raw)
    except ValidationError as exc:
        raise InvalidQuestionnaire(list(_flatten(exc.messages))) from None
    problems = list(_semantic_problems(data))
    if problems:
        raise InvalidQuestionnaire(problems)
    return data


def _texts(question: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, str]]]:
    for name in ("text", "help", "unit"):
        if name in question:
            yield name, question[name]
    for group in ("options", "rows", "scale"):
        for index, option in enumerate(question.get(group) or []):
            yield f"{group}[{index}].text", option["text"]


def _semantic_problems(data: Mapping[str, Any]) -> Iterator[str]:
    languages = list(data["languages"])
    positions: dict[str, tuple[int, int, str]] = {}  # question id → (page, index, path)
    for p, page in enumerate(data["pages"]):
        for q, question in enumerate(page["questions"]):
            path = f"pages[{p}].questions[{q}]"
            if question["id"] in positions:
                yield f"{path}.id: {question['id']} is already used at {positions[question['id']][2]}"
            else:
                positions[question["id"]] = (p, q, path)
    page_ids: set[str] = set()
    for p, page in enumerate(data["pages"]):
        if page["id"] in page_ids:
            yield f"pages[{p}].id: page id {page['id']} is used twice"
        page_ids.add(page["id"])
        if "title" in page:
            yield from _language_problems(f"pages[{p}].title", page["title"], languages)
    graph = _logic_graph(data)
    yield from _cycles(graph, positions)
    for p, page in enumerate(data["pages"]):
        if "show_if" in page:
            yield from _logic_problems(f"pages[{p}].show_if", page["show_if"], positions, p, None)
        for q, question in enumerate(page["questions"]):
            path = f"pages[{p}].questions[{q}]"
            for name, text in _texts(question):
                yield from _language_problems(f"{path}.{name}", text, languages)
                for language, value in text.items():
                    for ref in PIPE.findall(value):
                        yield from _reference_problem(
                            f"{path}.{name}.{language}", "pipes", ref, positions, p, None
                        )
            if "show_if" in question:
                yield from _logic_problems(f"{path}.show_if", question["show_if"], positions, p, None)
            if "screen_out_if" in question:
                yield from _logic_problems(
                    f"{path}.screen_out_if", question["screen_out_if"], positions, p, q
                )
            yield from _shape_problems(path, question)


def _language_problems(path: str, text: Mapping[str, str], languages: list[str]) -> Iterator[str]:
    for language in languages:
        if not text.get(language, "").strip():
            yield f"{path}: add the {language} text (the questionnaire lists {', '.join(languages)})"


def _logic_graph(data: Mapping[str, Any]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for page in data["pages"]:
        for question in page["questions"]:
            refs: set[str] = set()
            for name in ("show_if", "screen_out_if"):
                if name not in question:
                    continue
                try:
                    found = set(parse(question[name]).references)
                except ExpressionError:
                    continue
                if name == "screen_out_if":  # a screener reads its own answer
                    found.discard(question["id"])
                refs |= found
            graph[question["id"]] = refs
    return graph


def _cycles(graph: Mapping[str, set[str]], positions: Mapping[str, tuple[int, int, str]]) -> Iterator[str]:
    reported: set[frozenset[str]] = set()
    for start in graph:
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for ref in graph.get(node, ()):
                if ref == start:
                    members = frozenset(trail)
                    if members not in reported:
                        reported.add(members)
                        yield f"{positions[start][2]}.show_if: logic cycle {' → '.join([*trail, start])}"
                elif ref not in trail and ref in graph:
                    stack.append((ref, [*trail, ref]))


def _reference_problem(
    path: str, verb: str, ref: str, positions: Mapping[str, tuple[int, int, str]], page: int, upto: int | None
) -> Iterator[str]:
    if ref not in positions:
        yield f"{path}: {verb} unknown question {ref}"
        return
    ref_page, ref_index, _ = positions[ref]
    earlier = ref_page < page or (upto is not None and ref_page == page and ref_index <= upto)
    if not earlier:
        where = "on this page" if ref_page == page else "on a later page"
        yield f"{path}: {verb} {ref}, which is asked {where}; refer only to questions on earlier pages"


def _logic_problems(
    path: str, source: str, positions: Mapping[str, tuple[int, int, str]], page: int, upto: int | None
) -> Iterator[str]:
    try:
        expression = parse(source)
    except ExpressionError as exc:
        yield f"{path}: {exc}"
        return
    for ref in sorted(expression.references):
        yield from _reference_problem(path, "refers to", ref, positions, page, upto)


def _shape_problems(path: str, question: Mapping[str, Any]) -> Iterator[str]:
    kind = question["type"]
    needs = {
        "single": ("options",),
        "multiple": ("options",),
        "ranking": ("options",),
        "constant_sum": ("options", "total"),
        "matrix": ("rows", "scale"),
    }.get(kind, ())
    for name in needs:
        if not question.get(name):
            yield f"{path}.{name}: a {kind} question needs {name}"
    for group in ("options", "rows", "scale"):
        codes = [o["code"] for o in question.get(group) or []]
        for index, code in enumerate(codes):
            if code in codes[:index]:
                yield f"{path}.{group}[{index}].code: {code} is used twice in this question"
    if kind in {"single", "multiple", "ranking", "constant_sum"} and len(question.get("options") or []) == 1:
        yield f"{path}.options: give at least two options"
    low, high = question.get("minimum"), question.get("maximum")
    if low is not None and high is not None and low > high:
        yield f"{path}.maximum: must not be below minimum ({low})"
    short, long = question.get("min_length"), question.get("max_length")
    if short is not None and long is not None and short > long:
        yield f"{path}.max_length: must not be below min_length ({short})"
    if any(o["exclusive"] for o in question.get("options") or []) and kind != "multiple":
        yield f"{path}.options: only a multiple-choice question has exclusive options"
    check = question.get("attention_check")
    if check is not None:
        codes = [o["code"] for o in question.get("options") or []]
        if kind != "single":
            yield f"{path}.attention_check: put attention checks on single-choice questions"
        elif check["expect"] not in codes:
            yield f"{path}.attention_check.expect: {check['expect']} is not an option code of this question"


def json_schema() -> dict[str, Any]:
    """The questionnaire document's JSON Schema (draft 2020-12), from the marshmallow schemas."""
    spec = APISpec("questionnaire", "1", "3.1.0", plugins=[MarshmallowPlugin()])
    spec.components.schema("Questionnaire", schema=QuestionnaireSchema)
    components = spec.to_dict()["components"]["schemas"]
    text = _rewrite_refs(components)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "/api/v1/schemas/questionnaire",
        "title": "Pulse questionnaire",
        "$ref": "#/$defs/Questionnaire",
        "$defs": text,
    }


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (v.replace("#/components/schemas/", "#/$defs/") if k == "$ref" else _rewrite_refs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node
