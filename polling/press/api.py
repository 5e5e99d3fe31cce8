"""The press room as JSON (``GET /api/v1/press/reports``), open to all, no token needed."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from polling.db import get_session
from polling.press import service
from polling.press.service import public_url

bp = Blueprint("press_api", __name__, description="Published poll reports (no token needed)")


class ReportSchema(Schema):
    id = fields.Integer(required=True)
    poll_id = fields.Integer(required=True)
    title = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "The poll's question by language (en, es)."},
    )
    topic = fields.String(required=True)
    countries = fields.List(fields.String(), required=True)
    n = fields.Integer(required=True, metadata={"description": "Physicians who voted."})
    headline_sentences = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)
    fieldwork_start = fields.DateTime(required=True)
    fieldwork_end = fields.DateTime(required=True)
    published_at = fields.DateTime(required=True)
    url = fields.String(required=True)
    downloads = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class FilterSchema(Schema):
    country = fields.String(metadata={"description": "A country code: US UK CA AU IE NZ ZA MX ES"})
    topic = fields.String()
    since = fields.String(metadata={"description": "Published on or after, YYYY-MM-DD"})
    until = fields.String(metadata={"description": "Published on or before, YYYY-MM-DD"})


@bp.route("/press/reports")
class PressReports(MethodView):
    @bp.arguments(FilterSchema, location="query")
    @bp.response(200, ReportSchema(many=True))
    def get(self, args: dict[str, str]) -> ResponseReturnValue:
        """Published poll reports, newest first, with headline sentences and download links."""
        wanted = service.parse_filter(args)
        out = []
        for report in service.published(get_session(), wanted):
            page = f"{public_url()}/press/{report.id}"  # never from the Host header
            out.append(
                {
                    "id": report.id,
                    "poll_id": report.poll_id,
                    "title": {"en": report.title_en, "es": report.title_es},
                    "topic": report.topic,
                    "countries": list(report.country_codes),
                    "n": report.n,
                    "headline_sentences": report.sentences,
                    "fieldwork_start": report.fieldwork_start,
                    "fieldwork_end": report.fieldwork_end,
                    "published_at": report.published_at,
                    "url": page,
                    "downloads": {
                        name: f"{page}/{name}"
                        for name in (
                            "report.pdf",
                            "report.es.pdf",
                            "tables.csv",
                            "tables.xlsx",
                            "report.json",
                        )
                    },
                }
            )
        return out
