"""The study brief as data: one marshmallow schema for the web form and the API, errors by path.

A refusal names the field's path, as the questionnaire's validator does, e.g.
``cells[1].country: unknown country "XX"``; :func:`load_brief` raises
:class:`polling.errors.InvalidInput` whose ``fields`` map each path to its messages.

The questionnaire is not described here: ``polling.surveys.service.questionnaire_or_refusal`` is
its one validator (the API documents it only as an object, with the JSON Schema at
``/api/v1/schemas/questionnaire``).

Example:
    >>> load_brief({"title": "Heart failure", "cells": [{"country": "XX", "specialty": "cardiology",
    ...             "target": 50}]})
    Traceback (most recent call last):
    InvalidInput: cells[0].country: unknown country "XX"
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import INCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from polling.db import utcnow
from polling.errors import InvalidInput
from polling.studies.models import LANGUAGES, SPONSOR_TYPES, STUDY_STATUSES
from sampling.codes import AGE_BANDS, COUNTRIES, SEXES
from sampling.taxonomy import SPECIALTIES

MAX_SAMPLE = 100_000
# What GET /studies/{id} adds to the brief; a PUT may send them back and they are ignored.
READ_ONLY = frozenset(
    {
        "id",
        "organisation_id",
        "status",
        "version",
        "has_questionnaire",
        "accepted_quote",
        "review_comment",
        "created_at",
        "updated_at",
        "submitted_at",
    }
)


def _paths(errors: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, message) pairs of marshmallow's nested errors: ``cells[1].country``."""
    if isinstance(errors, Mapping):
        for key in sorted(errors, key=lambda k: (isinstance(k, str), str(k))):
            if key == "_schema":
                step = ""
            elif isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                step = f"[{key}]"
            else:
                step = f".{key}" if path else str(key)
            yield from _paths(errors[key], path + step)
    elif isinstance(errors, list):
        for message in errors:
            yield from _paths(message, path)
    else:
        yield path or "brief", str(errors)


def flatten(errors: Any) -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"cells[1].country": ["unknown country \\"XX\\""]}``."""
    flat: dict[str, list[str]] = {}
    for path, message in _paths(errors):
        flat.setdefault(path, []).append(message)
    return flat


_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def unstorable(value: object, path: str = "") -> str | None:
    """The path of the first text in ``value`` holding a NUL, a control character or a lone
    surrogate (which no database stores), or None."""
    if isinstance(value, str):
        return path or "brief" if _UNSTORABLE.search(value) else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = unstorable(str(key), path) or unstorable(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable(item, f"{path}[{index}]")
            if found:
                return found
    return None


class Text(fields.String):
    """A string without NUL, control characters or lone surrogates."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if _UNSTORABLE.search(text):
            raise ValidationError(str(_l("remove the control characters")))
        return text


class _PathSchema(Schema):
    """Errors come out flat, keyed by path, wherever the schema is loaded (webargs included)."""

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        raise ValidationError(flatten(error.messages)) from None


def _shown(value: str) -> str:
    """A refused code as it may be echoed back: 40 characters, anything unusual escaped."""
    return value[:40].encode("ascii", "backslashreplace").decode("ascii")


def _code_in(codes: Mapping[str, object] | tuple[str, ...], kind: str) -> validate.Validator:
    def check(value: str) -> None:
        if value not in codes:
            raise ValidationError(str(_l('unknown %(kind)s "%(code)s"', kind=kind, code=_shown(value))))

    return check  # type: ignore[return-value]


class CellSchema(Schema):
    """One target cell: a country × specialty, optionally one sex or age band, with its quota."""

    id = fields.Integer(dump_only=True)
    country = fields.String(
        required=True,
        validate=_code_in(COUNTRIES, "country"),
        metadata={"description": f"One of {', '.join(COUNTRIES)}."},
    )
    specialty = fields.String(
        required=True,
        validate=_code_in(SPECIALTIES, "specialty"),
        metadata={"description": "A specialty code of sampling.taxonomy, e.g. cardiology."},
    )
    sex = fields.String(
        allow_none=True,
        load_default=None,
        validate=_code_in(SEXES, "sex"),
        metadata={"description": f"Optional: one of {', '.join(SEXES)}."},
    )
    age_band = fields.String(
        allow_none=True,
        load_default=None,
        validate=_code_in(AGE_BANDS, "age band"),
        metadata={"description": f"Optional: one of {', '.join(AGE_BANDS)}."},
    )
    target = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(1, MAX_SAMPLE, error=str(_l("give a target from 1 to 100000"))),
        metadata={"description": "Completes wanted in this cell."},
    )
    hard = fields.Boolean(
        load_default=True,
        metadata={"description": "A hard quota closes the cell when full; a soft one only aims for it."},
    )


class BriefSchema(_PathSchema):
    """A study brief: what the client wants asked, of whom, how many, when, in which languages."""

    title = Text(
        required=True,
        validate=validate.Length(1, 200, error=str(_l("give a title of 1 to 200 characters"))),
    )
    objectives = Text(load_default="", validate=validate.Length(max=5000))
    sponsor_name = Text(load_default="", validate=validate.Length(max=200))
    sponsor_type = fields.String(
        load_default="agency",
        validate=validate.OneOf(SPONSOR_TYPES, error=str(_l("choose one of {choices}"))),
        metadata={"description": f"One of {', '.join(SPONSOR_TYPES)}."},
    )
    sponsor_named = fields.Boolean(
        load_default=False, metadata={"description": "Whether respondents may be told who the sponsor is."}
    )
    cells = fields.List(fields.Nested(CellSchema), load_default=list, validate=validate.Length(max=200))
    sample_size = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, MAX_SAMPLE))
    field_start = fields.Date(allow_none=True, load_default=None)
    field_end = fields.Date(allow_none=True, load_default=None)
    languages = fields.List(
        fields.String(validate=validate.OneOf(LANGUAGES, error=str(_l("choose one of {choices}")))),
        load_default=lambda: ["en"],
        validate=validate.Length(1, len(LANGUAGES), error=str(_l("choose at least one language"))),
    )
    length_minutes = fields.Integer(
        load_default=15,
        strict=True,
        validate=validate.Range(1, 120, error=str(_l("give a length of interview from 1 to 120 minutes"))),
        metadata={"description": "Expected length of interview, in minutes."},
    )

    @pre_load
    def _without_read_only(self, data: Any, **_: Any) -> Any:
        """A study as GET returns it may be sent back whole: its read-only fields are left out."""
        if not isinstance(data, Mapping):
            return data
        kept = {k: v for k, v in data.items() if k not in READ_ONLY}
        if isinstance(kept.get("cells"), list):
            kept["cells"] = [
                {k: v for k, v in c.items() if k != "id"} if isinstance(c, Mapping) else c
                for c in kept["cells"]
            ]
        return kept

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        start, end, today = data.get("field_start"), data.get("field_end"), utcnow().date()
        if start is not None and start < today:
            errors["field_start"] = [str(_l("start the field window today or later"))]
        if end is not None and end < today:
            errors["field_end"] = [str(_l("end the field window today or later"))]
        elif start is not None and end is not None and end <= start:
            errors["field_end"] = [str(_l("end the field window after it starts (%(start)s)", start=start))]
        languages = data.get("languages") or []
        if len(set(languages)) != len(languages):
            errors["languages"] = [str(_l("list each language once"))]
        seen: dict[tuple[object, ...], int] = {}
        for index, cell in enumerate(data.get("cells") or []):
            key = (cell["country"], cell["specialty"], cell.get("sex"), cell.get("age_band"))
            if key in seen:
                errors[f"cells[{index}]"] = [str(_l("the same cell as cells[%(n)d]", n=seen[key]))]
            seen.setdefault(key, index)
        hard = sum(cell["target"] for cell in data.get("cells") or [] if cell.get("hard", True))
        size = data.get("sample_size") or 0
        if size and hard > size:
            errors["sample_size"] = [
                str(_l("the hard quotas add up to %(hard)d, more than the sample size", hard=hard))
            ]
        if errors:
            raise ValidationError(errors)


class StudySchema(BriefSchema):
    """A study as its client sees it: the brief, where it stands, the frozen quote, staff comments."""

    id = fields.Integer(dump_only=True)
    organisation_id = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True, metadata={"description": " → ".join(STUDY_STATUSES)})
    version = fields.Integer(dump_only=True)
    has_questionnaire = fields.Boolean(dump_only=True)
    accepted_quote = fields.Dict(dump_only=True, allow_none=True)
    review_comment = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    submitted_at = fields.DateTime(dump_only=True, allow_none=True)


class StudyVersionSchema(Schema):
    version = fields.Integer(required=True)
    saved_at = fields.DateTime(required=True)
    saved_by = fields.String(allow_none=True, metadata={"description": "The e-mail of who saved it."})
    document = fields.Dict(required=True, metadata={"description": "The whole brief as saved."})


class QuestionnaireDocumentSchema(Schema):
    """The questionnaire document, passed whole to the survey validator (documented, not checked here)."""

    class Meta:
        unknown = INCLUDE

    version = fields.Raw(metadata={"description": "1"})
    languages = fields.Raw(metadata={"description": "e.g. ['en', 'es']"})
    pages = fields.Raw(metadata={"description": "See /api/v1/schemas/questionnaire."})


def load_brief(raw: object) -> dict[str, Any]:
    """The brief ``raw`` loaded and checked; InvalidInput naming each bad field by its path."""
    if not isinstance(raw, Mapping):
        raise InvalidInput.for_field("brief", _l("Send the brief as a JSON object."))
    try:
        data: dict[str, Any] = BriefSchema().load(raw)
    except ValidationError as exc:
        flat = exc.messages if isinstance(exc.messages, dict) else {"brief": exc.messages}
        fields_ = {str(k): list(v) if isinstance(v, list) else [str(v)] for k, v in flat.items()}
        summary = "; ".join(f"{path}: {messages[0]}" for path, messages in fields_.items())
        raise InvalidInput(summary, fields=fields_) from None  # type: ignore[arg-type]
    return data
