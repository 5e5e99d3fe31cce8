"""Marshmallow schemas of the clients API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class ColleagueSchema(Schema):
    email = fields.String(required=True)
    joined = fields.DateTime(required=True)


class OrganisationSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    colleagues = fields.List(fields.Nested(ColleagueSchema), required=True)


class InvitationRequestSchema(Schema):
    email = fields.String(
        load_default="",  # checked by the service, after the organisation (another's is a 404)
        validate=validate.Length(max=254),
        metadata={"description": "The colleague's e-mail address: they get a 7-day link to join."},
    )


class InvitationSentSchema(Schema):
    email = fields.String(required=True)
    status = fields.String(
        required=True,
        metadata={"description": "sent: the same answer whether or not the address has an account."},
    )
