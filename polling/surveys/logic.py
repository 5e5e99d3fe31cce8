"""Display, skip and screener logic: a small expression language over earlier answers, never ``eval``.

Grammar (keywords in lower case)::

    expression := conjunct ("or" conjunct)*
    conjunct   := negation ("and" negation)*
    negation   := "not" negation | atom
    atom       := "(" expression ")" | call | operand (comparator operand)?
    call       := ("any" | "all") "(" reference ("," literal)+ ")" | "answered" "(" reference ")"
    comparator := "==" | "!=" | "<" | "<=" | ">" | ">="
    operand    := reference | number | 'text' | "text"
    reference  := question id, or question id "." row code (a matrix row, a constant-sum item)

A comparison with an unanswered question is false; ``==`` against a multiple-choice answer asks
whether the code was chosen; ``any(q3, 'a', 'b')`` asks whether any of the codes was chosen.

Example:
    >>> expression = parse("q1 == 'yes' and (q2 >= 10 or any(q3, 'a', 'b'))")
    >>> sorted(expression.references)
    ['q1', 'q2', 'q3']
    >>> expression.evaluate({"q1": "yes", "q2": 4, "q3": ["b"]})
    True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 500
_TOKEN = re.compile(
    r"\s*(?:(?P<number>-?\d+(?:\.\d+)?)|(?P<string>'[^']*'|\"[^\"]*\")"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)?)|(?P<op>==|!=|<=|>=|<|>|\(|\)|,))"
)
_KEYWORDS = {"and", "or", "not", "any", "all", "answered"}


class ExpressionError(ValueError):
    """An expression that does not parse; the message says where and what was expected."""


@dataclass(frozen=True)
class Node:
    kind: str  # or, and, not, cmp, any, all, answered, ref, lit
    children: tuple[Node, ...] = ()
    value: Any = None


@dataclass(frozen=True)
class Expression:
    """A parsed expression: what it refers to, and its value for a set of answers."""

    source: str
    root: Node

    @property
    def references(self) -> frozenset[str]:
        """The question ids the expression reads (a matrix row counts as its question)."""
        return frozenset(_references(self.root))

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        return bool(_evaluate(self.root, answers))


def _references(node: Node) -> set[str]:
    if node.kind == "ref":
        return {str(node.value).split(".")[0]}
    found: set[str] = set()
    for child in node.children:
        found |= _references(child)
    return found


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(source):
        if source[position:].strip() == "":
            break
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"unexpected character {source[position:].strip()[0]!r} at {position + 1}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokens(source)
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, text: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"expected {text!r} but the expression ended" if text else "unexpected end")
        if text is not None and token[1] != text:
            raise ExpressionError(f"expected {text!r} but found {token[1]!r}")
        self.index += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token == ("name", word):
            self.index += 1
            return True
        return False

    def expression(self) -> Node:
        parts = [self.conjunct()]
        while self.keyword("or"):
            parts.append(self.conjunct())
        return parts[0] if len(parts) == 1 else Node("or", tuple(parts))

    def conjunct(self) -> Node:
        parts = [self.negation()]
        while self.keyword("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else Node("and", tuple(parts))

    def negation(self) -> Node:
        if self.keyword("not"):
            return Node("not", (self.negation(),))
        return self.atom()

    def atom(self) -> Node:
        token = self.peek()
        if token == ("op", "("):
            self.take("(")
            inner = self.expression()
            self.take(")")
            return inner
        if token is not None and token[0] == "name" and token[1] in {"any", "all", "answered"}:
            return self.call(self.take()[1])
        left = self.operand()
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in {"==", "!=", "<", "<=", ">", ">="}:
            self.take()
            return Node("cmp", (left, self.operand()), token[1])
        if left.kind != "ref":
            raise ExpressionError(f"a value alone is not a condition: compare it, e.g. q1 == {left.value!r}")
        return Node("answered", (left,))

    def call(self, name: str) -> Node:
        self.take("(")
        reference = self.operand()
        if reference.kind != "ref":
            raise ExpressionError(f"{name}() takes a question first, e.g. {name}(q3, 'a')")
        literals: list[Node] = []
        while self.peek() == ("op", ","):
            self.take(",")
            literal = self.operand()
            if literal.kind != "lit":
                raise ExpressionError(f"{name}() compares with codes or numbers, not with another question")
            literals.append(literal)
        self.take(")")
        if name == "answered":
            if literals:
                raise ExpressionError("answered() takes one question")
            return Node("answered", (reference,))
        if not literals:
            raise ExpressionError(f"{name}() needs at least one code after the question")
        return Node(name, (reference, *literals))

    def operand(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return Node("lit", value=float(text) if "." in text else int(text))
        if kind == "string":
            return Node("lit", value=text[1:-1])
        if kind == "name" and text not in _KEYWORDS:
            return Node("ref", value=text)
        raise ExpressionError(f"expected a question, a number or a quoted code but found {text!r}")


def parse(source: str) -> Expression:
    """Parse ``source``; ExpressionError names what is wrong."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("the expression is empty")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    parser = _Parser(source)
    root = parser.expression()
    if parser.peek() is not None:
        raise ExpressionError(f"unexpected {parser.peek()[1]!r} after a complete condition")  # type: ignore[index]
    return Expression(source, root)


def _lookup(reference: str, answers: Mapping[str, Any]) -> Any:
    question, _, row = reference.partition(".")
    value = answers.get(question)
    if row:
        return value.get(row) if isinstance(value, Mapping) else None
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _compare(operator: str, left: Any, right: Any) -> bool:
    if left is None or right is None or left == "" or left == []:
        return False
    if isinstance(left, list | tuple | set):
        chosen = {str(v) for v in left}
        return (
            (str(right) in chosen)
            if operator == "=="
            else (str(right) not in chosen if operator == "!=" else False)
        )
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]
    if operator in {"==", "!="}:
        return (str(left) == str(right)) == (operator == "==")
    return False


def _evaluate(node: Node, answers: Mapping[str, Any]) -> Any:
    if node.kind == "lit":
        return node.value
    if node.kind == "ref":
        return _lookup(str(node.value), answers)
    if node.kind == "or":
        return any(_evaluate(child, answers) for child in node.children)
    if node.kind == "and":
        return all(_evaluate(child, answers) for child in node.children)
    if node.kind == "not":
        return not _evaluate(node.children[0], answers)
    if node.kind == "cmp":
        return _compare(
            str(node.value), _evaluate(node.children[0], answers), _evaluate(node.children[1], answers)
        )
    if node.kind == "answered":
        value = _evaluate(node.children[0], answers)
        return value not in (None, "", [], {})
    value = _evaluate(node.children[0], answers)
    if value in (None, "", [], {}):
        return False
    chosen = {str(v) for v in value} if isinstance(value, list | tuple | set) else {str(value)}
    codes = {str(child.value) for child in node.children[1:]}
    return bool(chosen & codes) if node.kind == "any" else codes <= chosen
