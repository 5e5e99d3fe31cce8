"""The questionnaire document: validation with paths, the logic grammar, and the published JSON Schema."""

from __future__ import annotations

import copy
import re

import jsonschema
import pytest

from polling.surveys.logic import ExpressionError, parse
from polling.surveys.questionnaire import InvalidQuestionnaire, json_schema, validate_questionnaire
from tests.surveys.helpers import questionnaire


def problems(document) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidQuestionnaire) as caught:
        validate_questionnaire(document)
    return caught.value.problems


def test_a_sound_questionnaire_loads_with_defaults():
    data = validate_questionnaire(questionnaire())
    assert data["pages"][1]["questions"][0]["options"][2]["exclusive"] is True
    assert data["pages"][0]["questions"][0]["required"] is True


def test_unknown_and_later_references_are_named_by_path():
    document = questionnaire()
    document["pages"][2]["questions"][0]["show_if"] = "q7 == 'a'"
    document["pages"][0]["questions"][0]["show_if"] = "hours > 3"
    found = problems(document)
    assert "pages[2].questions[0].show_if: refers to unknown question q7" in found
    assert any(
        p.startswith("pages[0].questions[0].show_if: refers to hours, which is asked on a later page")
        for p in found
    )


def test_a_logic_cycle_is_reported_as_one():
    document = questionnaire()
    document["pages"][1]["questions"][1]["show_if"] = "ai_nps > 5"
    document["pages"][2]["questions"][0]["show_if"] = "hours > 5"
    assert any(
        "logic cycle hours → ai_nps → hours" in p or "logic cycle ai_nps → hours → ai_nps" in p
        for p in problems(document)
    )


def test_missing_language_duplicate_ids_bad_types_and_ranges():
    document = copy.deepcopy(questionnaire())
    document["pages"][0]["questions"][0]["options"][1]["text"] = {"en": "No"}
    document["pages"][1]["questions"][1]["id"] = "patients"
    document["pages"][1]["questions"][1]["minimum"] = 10
    document["pages"][1]["questions"][1]["maximum"] = 1
    found = problems(document)
    assert "pages[0].questions[0].options[1].text: add the es text (the questionnaire lists en, es)" in found
    assert "pages[1].questions[1].id: patients is already used at pages[0].questions[0]" in found
    assert "pages[1].questions[1].maximum: must not be below minimum (10.0)" in found
    document["pages"][3]["questions"][1]["type"] = "essay"
    assert problems(document) == [
        "pages[3].questions[1].type: Must be one of: single, multiple, matrix, numeric, constant_sum, text, "
        "ranking, nps, date, year."
    ]


def test_piping_must_name_an_earlier_question():
    document = questionnaire()
    document["pages"][0]["questions"][0]["text"]["en"] = "Hello {{comment}}"
    assert any(
        p.startswith("pages[0].questions[0].text.en: pipes comment, which is asked on a later page")
        for p in problems(document)
    )


def test_attention_check_must_expect_an_option():
    document = questionnaire()
    document["pages"][3]["questions"][0]["attention_check"] = {"expect": "green"}
    assert (
        "pages[3].questions[0].attention_check.expect: green is not an option code of this question"
        in problems(document)
    )


@pytest.mark.parametrize(
    ("source", "answers", "expected"),
    [
        ("q1 == 'a' and not q2 > 3", {"q1": "a", "q2": 2}, True),
        ("q1 == 'a' and not q2 > 3", {"q1": "a", "q2": 4}, False),
        ("any(q3, 'x', 'y') or q1 != 'a'", {"q1": "a", "q3": ["y"]}, True),
        ("all(q3, 'x', 'y')", {"q3": ["y"]}, False),
        ("q4.r1 >= 2", {"q4": {"r1": "3"}}, True),
        ("q5", {}, False),
        ("q5 == 1", {}, False),
    ],
)
def test_the_grammar_evaluates(source: str, answers: dict, expected: bool):  # type: ignore[type-arg]
    assert parse(source).evaluate(answers) is expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("__import__('os').system('x')", "unexpected character"),
        ("q1 == ", "unexpected end"),
        ("(q1 == 'a'", "expected ')'"),
        ("'a'", "a value alone is not a condition"),
        ("q1 == 'a' q2", "unexpected 'q2'"),
    ],
)
def test_the_grammar_refuses_what_it_does_not_know(source: str, message: str):
    with pytest.raises(ExpressionError, match=re.escape(message)):
        parse(source)


def test_the_json_schema_accepts_the_example_and_refuses_a_bad_type():
    schema = json_schema()
    jsonschema.validate(questionnaire(), schema)
    bad = questionnaire()
    bad["pages"][0]["questions"][0]["type"] = "essay"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


ODD_VALUES = [
    None,
    True,
    3,
    2.5,
    "x",
    "",
    [],
    ["a"],
    [1],
    [[1]],
    {},
    {"x": [1]},
    {"r1": True},
    "9" * 30,
    "−1",
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_every_question_type_refuses_odd_answers_with_a_message(plain_app, value):
    from polling.surveys.engine import ShownQuestion, check_answer
    from polling.surveys.questionnaire import QUESTION_TYPES

    base = validate_questionnaire(questionnaire())["pages"]
    specs = {q["type"]: q for page in base for q in page["questions"]}
    specs |= {
        "constant_sum": {**specs["multiple"], "type": "constant_sum", "total": 100},
        "ranking": {**specs["multiple"], "type": "ranking"},
        "text": {**specs["text"], "max_length": 20},
        "date": {"id": "d", "type": "date"},
        "year": {"id": "y", "type": "year"},
    }
    with plain_app.test_request_context():
        for kind in QUESTION_TYPES:
            spec = specs[kind]
            clean, problem = check_answer(ShownQuestion(spec, tuple(spec.get("options") or [])), value)
            assert (clean is None) != (problem is None)
            if problem is not None:
                assert str(problem)
