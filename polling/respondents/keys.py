"""Respondent keys: the only link between a member and the votes or survey answers they gave.

A vote or a survey response stores no member id. It stores a respondent key,
HMAC-SHA256(K, message), where K = HMAC-SHA256(RESPONDENT_KEY_SECRET, "pulse respondent key v1") and
the message names the study: ``"{member}:{poll}"`` for a poll (the form votes were first keyed
with, so their keys never change) and ``"{kind}:{study}:{member}"`` for every other kind, so that
poll 7 and survey 7 never share a key.

Who can recompute a key, and why
--------------------------------
Only a process that holds RESPONDENT_KEY_SECRET: the app servers and workers. They need it for
three things, each for one member at a time, starting from the member's own request or record:
"one vote (or one completion) per member" (the unique key decides), "has this member already
answered", and crediting a paid survey's honorarium to the member whose answers are stored
without a member id (the ledger names the member; the answers name only the key). Nobody should
hold the secret to read data: whoever holds it together with a copy of the database can link
every vote and answer to its member. It is never stored in the database or the repository; it
comes from the environment or a file readable only by Pulse (``make run`` creates
``instance/respondent_key_secret`` with mode 0600). It is separate from SECRET_KEY, which signs
sessions: rotating SECRET_KEY after a leak leaves every respondent key, and so "one vote per
member", intact. Rotating RESPONDENT_KEY_SECRET itself would let members answer open studies
again, so it is rotated only between studies, never while one is in field.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

from flask import Flask, current_app

from polling.config import ConfigurationError

StudyKind = Literal["poll", "survey"]
_DERIVATION = b"pulse respondent key v1"
_EXTENSION = "pulse.respondent_keys"


class RespondentKeys:
    """The keyed hash under one secret; the secret itself is not kept."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("a respondent-key secret is required")
        self._key = hmac.new(secret.encode(), _DERIVATION, hashlib.sha256).digest()

    def key(self, kind: StudyKind, study_id: int, member_id: int) -> str:
        """The respondent key of ``member_id`` in the study ``kind``/``study_id`` (64 hex digits)."""
        if kind == "poll":
            message = f"{member_id}:{study_id}"
        elif kind == "survey":
            message = f"{kind}:{study_id}:{member_id}"
        else:
            raise ValueError(f"unknown study kind {kind!r}: use 'poll' or 'survey'")
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never print key material
        return "RespondentKeys(<secret>)"


def respondent_key(secret: str, kind: StudyKind, study_id: int, member_id: int) -> str:
    """The respondent key of a member in a study under ``secret`` (see the module's docstring)."""
    return RespondentKeys(secret).key(kind, study_id, member_id)


def init_app(app: Flask) -> None:
    """Key the app's respondent hashes (tests without a secret of their own use SECRET_KEY's)."""
    secret = app.config.get("RESPONDENT_KEY_SECRET")
    if not secret and app.config.get("TESTING"):
        secret = app.config["SECRET_KEY"]
    if not secret:
        raise ConfigurationError("RESPONDENT_KEY_SECRET is not set: see README, Configuration.")
    if secret == app.config["SECRET_KEY"] and not app.config.get("TESTING"):
        raise ConfigurationError(
            "RESPONDENT_KEY_SECRET equals SECRET_KEY: give SECRET_KEY a new random value (log-ins end; "
            "respondent keys, and so one vote per member, stay as they are)."
        )
    app.extensions[_EXTENSION] = RespondentKeys(str(secret))


def keys_for(app: Flask) -> RespondentKeys:
    """``app``'s respondent keys (the CLI, notebooks and benchmarks use this)."""
    keys: RespondentKeys = app.extensions[_EXTENSION]
    return keys


def current_keys() -> RespondentKeys:
    """The running app's respondent keys."""
    return keys_for(current_app._get_current_object())  # type: ignore[attr-defined]
