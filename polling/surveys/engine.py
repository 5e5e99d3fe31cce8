"""Running a questionnaire: which page comes next, what it shows, and whether its answers are valid.

Answers are kept in one canonical form, whichever way they arrive (a web form or the API's JSON):
single choice and NPS → a code / an integer; multiple choice and ranking → a list of codes (ranking
in rank order); matrix and constant sum → {row or option code: value}; numeric → a number;
text and date → a string; year → an integer. The order of shuffled options and questions follows
a seed per response, so a member who comes back sees the page as they left it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from polling.surveys.logic import parse
from polling.surveys.questionnaire import PIPE

Answers = dict[str, Any]


@dataclass(frozen=True)
class ShownQuestion:
    """A question as one member sees it: visible, in this member's order of options."""

    spec: Mapping[str, Any]
    options: tuple[Mapping[str, Any], ...]

    @property
    def id(self) -> str:
        return str(self.spec["id"])

    @property
    def type(self) -> str:
        return str(self.spec["type"])


def localised(text: Mapping[str, str] | None, locale: str) -> str:
    if not text:
        return ""
    return text.get(locale[:2]) or text.get("en") or next(iter(text.values()), "")


def questions_by_id(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {q["id"]: q for page in document["pages"] for q in page["questions"]}


def _shows(spec: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    return "show_if" not in spec or parse(spec["show_if"]).evaluate(answers)


def visible_pages(document: Mapping[str, Any], answers: Mapping[str, Any]) -> list[str]:
    """Page ids in order, skipping those whose condition is false for ``answers``."""
    return [page["id"] for page in document["pages"] if _shows(page, answers)]


def page_of(document: Mapping[str, Any], page_id: str) -> Mapping[str, Any]:
    return next(page for page in document["pages"] if page["id"] == page_id)


def step(document: Mapping[str, Any], answers: Mapping[str, Any], page_id: str, offset: int) -> str | None:
    """The visible page ``offset`` pages away from ``page_id`` (None: past either end)."""
    order = visible_pages(document, answers)
    all_ids = [page["id"] for page in document["pages"]]
    if page_id in order:
        index = order.index(page_id) + offset
    else:  # the current page became hidden: continue from its place in the document
        earlier = [p for p in order if all_ids.index(p) < all_ids.index(page_id)]
        index = len(earlier) + (offset if offset < 0 else offset - 1)
    return order[index] if 0 <= index < len(order) else None


def _shuffled(items: Sequence[Mapping[str, Any]], rng: random.Random) -> list[Mapping[str, Any]]:
    """Shuffle the items that are not anchored; anchored ones ("Other", "None") keep their place."""
    free = [item for item in items if not item.get("anchor")]
    rng.shuffle(free)
    order = iter(free)
    return [item if item.get("anchor") else next(order) for item in items]


def shown_questions(page: Mapping[str, Any], answers: Mapping[str, Any], seed: str) -> list[ShownQuestion]:
    """The page's visible questions for one response, in its order, options shuffled where asked."""
    rng = random.Random(f"{seed}:{page['id']}")
    questions = list(page["questions"])
    if page.get("randomise_questions"):
        rng.shuffle(questions)
    shown = []
    for spec in questions:
        if not _shows(spec, answers):
            continue
        options = list(spec.get("options") or [])
        if spec.get("randomise_options"):
            options = _shuffled(options, random.Random(f"{seed}:{spec['id']}"))
        shown.append(ShownQuestion(spec, tuple(options)))
    return shown


def pipe(text: str, answers: Mapping[str, Any], document: Mapping[str, Any], locale: str) -> str:
    """``text`` with each ``{{q1}}`` replaced by the member's answer to q1, as they saw it."""
    questions = questions_by_id(document)

    def answer_text(match: re.Match[str]) -> str:
        spec, value = questions.get(match.group(1)), answers.get(match.group(1))
        if spec is None or value in (None, "", []):
            return "…"
        labels = {o["code"]: localised(o["text"], locale) for o in spec.get("options") or []}
        if isinstance(value, list):
            return ", ".join(labels.get(v, str(v)) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{k}: {v}" for k, v in value.items())
        return labels.get(str(value), str(value))

    return PIPE.sub(answer_text, text)


# --- reading and checking a page ----------------------------------------------------------------


def read_form(questions: Sequence[ShownQuestion], form: MultiDict[str, str]) -> Answers:
    """A web form's fields (``getlist``-able) as raw answers: ``q``, ``q.row`` or ``q.option``."""
    raw: Answers = {}
    for question in questions:
        qid, kind = question.id, question.type
        if kind == "multiple":
            raw[qid] = [v for v in form.getlist(qid) if v]
        elif kind == "matrix":
            raw[qid] = {r["code"]: form.get(f"{qid}.{r['code']}", "") for r in question.spec["rows"]}
        elif kind in {"constant_sum", "ranking"}:
            raw[qid] = {o["code"]: form.get(f"{qid}.{o['code']}", "") for o in question.options}
        else:
            raw[qid] = form.get(qid, "")
    return raw


def _blank(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(_blank(v) for v in value.values())
    return value is None or value == "" or value == []


def _number(value: Any, decimals: int) -> float | int:
    if isinstance(value, bool):
        raise ValueError
    text = str(value).strip().replace(",", ".")
    if not re.fullmatch(r"-?\d{1,12}(\.\d{1,8})?", text):
        raise ValueError
    number = float(text)
    if decimals == 0:
        if number != int(number):
            raise ValueError
        return int(number)
    return round(number, decimals)


def check_answer(question: ShownQuestion, value: Any) -> tuple[Any, object | None]:
    """(canonical value, None) or (None, why the answer is refused, in the request's language)."""
    spec, kind = question.spec, question.type
    if not _plain(kind, value):
        return None, _SHAPES.get(kind, _l("Give a single value."))
    codes = [o["code"] for o in spec.get("options") or []]
    if kind == "single":
        return (value, None) if value in codes else (None, _l("Choose one of the options."))
    if kind == "multiple":
        chosen = value if isinstance(value, list) else [value]
        if any(c not in codes for c in chosen) or len(set(chosen)) != len(chosen):
            return None, _l("Choose among the options shown.")
        sole = [o for o in spec["options"] if o["code"] in chosen and o.get("exclusive")]
        if sole and len(chosen) > 1:
            return None, _l("“%(option)s” cannot be combined with other answers.", option=sole[0]["code"])
        return [c for c in codes if c in chosen], None
    if kind == "matrix":
        scale = {s["code"] for s in spec["scale"]}
        if not isinstance(value, Mapping) or any(value.get(r["code"]) not in scale for r in spec["rows"]):
            return None, _l("Answer every row.")
        return {r["code"]: value[r["code"]] for r in spec["rows"]}, None
    if kind == "ranking":
        return _ranking(codes, value)
    if kind == "constant_sum":
        return _constant_sum(spec, codes, value)
    if kind in {"numeric", "nps", "year"}:
        return _numeric(spec, kind, value)
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat(), None
        except ValueError:
            return None, _l("Give a date as YYYY-MM-DD.")
    text = str(value).strip()
    low, high = spec.get("min_length") or 0, spec.get("max_length") or (5000 if spec.get("long") else 300)
    if not low <= len(text) <= high:
        return None, _l("Write between %(low)d and %(high)d characters.", low=low, high=high)
    return text, None


_SCALAR = (str, int, float)
_SHAPES: dict[str, object] = {
    "multiple": _l("Send a list of option codes."),
    "ranking": _l("Send the option codes in rank order."),
    "matrix": _l("Send an object of row code: scale code."),
    "constant_sum": _l("Send an object of option code: number."),
}


def _plain(kind: str, value: Any) -> bool:
    """Whether an answer has the shape its question takes (JSON can send anything)."""
    if isinstance(value, bool):
        return False
    if kind in {"multiple", "ranking"} and isinstance(value, list):
        return all(isinstance(v, str) for v in value)
    if kind in {"matrix", "constant_sum", "ranking"} and isinstance(value, Mapping):
        return all(isinstance(v, _SCALAR) and not isinstance(v, bool) for v in value.values())
    if kind == "multiple":
        return isinstance(value, str)
    return kind not in {"matrix", "constant_sum", "ranking"} and isinstance(value, _SCALAR)


def _ranking(codes: list[str], value: Any) -> tuple[Any, object | None]:
    if isinstance(value, Mapping):
        try:
            ranks = {code: int(str(value.get(code, ""))) for code in codes}
        except ValueError:
            return None, _l("Give every option a different rank from 1 to %(n)d.", n=len(codes))
        value = sorted(codes, key=lambda code: ranks[code])
        if sorted(ranks.values()) != list(range(1, len(codes) + 1)):
            return None, _l("Give every option a different rank from 1 to %(n)d.", n=len(codes))
    if not isinstance(value, list) or sorted(value) != sorted(codes):
        return None, _l("Give every option a different rank from 1 to %(n)d.", n=len(codes))
    return list(value), None


def _constant_sum(spec: Mapping[str, Any], codes: list[str], value: Any) -> tuple[Any, object | None]:
    total = spec["total"]
    if not isinstance(value, Mapping):
        return None, _l("The numbers must add up to %(total)d.", total=total)
    try:
        parts = {code: _number(value.get(code) or 0, 0) for code in codes}
    except ValueError:
        return None, _l("Give whole numbers that add up to %(total)d.", total=total)
    if any(v < 0 for v in parts.values()) or sum(parts.values()) != total:
        return None, _l("The numbers must add up to %(total)d.", total=total)
    return parts, None


def _numeric(spec: Mapping[str, Any], kind: str, value: Any) -> tuple[Any, object | None]:
    low, high = {"nps": (0, 10), "year": (1900, 2100)}.get(kind, (spec.get("minimum"), spec.get("maximum")))
    decimals = spec.get("decimals", 0) if kind == "numeric" else 0
    try:
        number = _number(value, decimals)
    except ValueError:
        if decimals:
            return None, _l("Give a number with at most %(n)d decimals.", n=decimals)
        return None, _l("Give a whole number.")
    if (low is not None and number < low) or (high is not None and number > high):
        return None, _l("Give a number from %(low)s to %(high)s.", low=low, high=high)
    return number, None


@dataclass(frozen=True)
class PageCheck:
    answers: Answers
    errors: dict[str, object]
    blank_soft: tuple[str, ...]


def check_page(
    questions: Sequence[ShownQuestion], raw: Mapping[str, Any], *, confirm_blank: bool
) -> PageCheck:
    """The page's valid answers and an error per refused question (soft-required ones once)."""
    answers: Answers = {}
    errors: dict[str, object] = {}
    soft: list[str] = []
    for question in questions:
        value = raw.get(question.id)
        if _blank(value):
            if question.spec.get("soft_required") and not confirm_blank:
                soft.append(question.id)
                errors[question.id] = _l("This question is unanswered: answer it, or continue to skip it.")
            elif question.spec.get("required", True) and not question.spec.get("soft_required"):
                errors[question.id] = _l("Answer this question to continue.")
            continue
        clean, problem = check_answer(question, value)
        if problem is not None:
            errors[question.id] = problem
        else:
            answers[question.id] = clean
    return PageCheck(answers, errors, tuple(soft))


def long_form(value: Any, kind: str = "") -> list[tuple[str, str]]:
    """An answer as (item, value) rows: one row; one per chosen code (value 1); one per ranked code
    (value: its rank); or one per matrix row or constant-sum option."""
    if isinstance(value, Mapping):
        return [(str(k), str(v)) for k, v in value.items()]
    if kind == "multiple":
        return [(str(code), "1") for code in value]
    if isinstance(value, list):
        return [(str(code), str(rank)) for rank, code in enumerate(value, start=1)]
    return [("", str(value))]


def from_long_form(spec: Mapping[str, Any], rows: Sequence[tuple[str, str]]) -> Any:
    kind = spec["type"]
    if kind == "multiple":
        chosen = {code for code, _ in rows}
        return [o["code"] for o in spec.get("options") or [] if o["code"] in chosen]
    if kind == "ranking":
        return [code for code, _ in sorted(rows, key=lambda r: int(r[1]))]
    if kind == "matrix":
        return dict(rows)
    if kind == "constant_sum":
        return {k: int(v) for k, v in rows}
    value = rows[0][1]
    if kind in {"nps", "year"}:
        return int(value)
    if kind == "numeric":
        return float(value) if spec.get("decimals") else int(float(value))
    return value
