"""Marshmallow schemas of the JSON API's base: tokens and the caller's profile."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class TokenRequestSchema(Schema):
    email = fields.String(
        required=True,
        validate=validate.Length(min=3, max=254),
        metadata={"description": "The account's e-mail address."},
    )
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))


class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Send as 'Authorization: Bearer <token>'."})
    expires_at = fields.DateTime(required=True)


class MeSchema(Schema):
    role = fields.String(required=True, metadata={"description": "member, client, journalist or staff"})
    handle = fields.String(allow_none=True, metadata={"description": "A member's pseudonymous handle."})
    country = fields.String(allow_none=True)
    specialty = fields.String(allow_none=True)
    verification_status = fields.String(
        allow_none=True, metadata={"description": "pending, verified or rejected"}
    )
    locale = fields.String(allow_none=True)
    organisation = fields.String(
        allow_none=True, metadata={"description": "A research client's organisation."}
    )
