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
    code = fields.String(
        load_only=True,
        validate=validate.Length(max=10),
        metadata={"description": "The authenticator app's 6-digit code, for accounts with a second factor."},
    )


class TokenSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "Use it to revoke the token."})
    token = fields.String(required=True, metadata={"description": "Send as 'Authorization: Bearer <token>'."})
    expires_at = fields.DateTime(required=True)


class TokenInfoSchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    current = fields.Boolean(required=True, metadata={"description": "The token this request was sent with."})


class MeSchema(Schema):
    role = fields.String(
        required=True, metadata={"description": "member, client, journalist, staff or auditor"}
    )
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
