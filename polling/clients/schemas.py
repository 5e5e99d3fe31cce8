"""Marshmallow schemas of the clients API."""

from __future__ import annotations

from marshmallow import Schema, fields


class ColleagueSchema(Schema):
    email = fields.String(required=True)
    joined = fields.DateTime(required=True)


class OrganisationSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    colleagues = fields.List(fields.Nested(ColleagueSchema), required=True)
