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

Sealed answers of responses in progress
---------------------------------------
A paid survey's response in progress keeps its answers (and per-page timings) so the member can
resume, but not in readable rows: :meth:`RespondentKeys.seal` encrypts them (Fernet: AES-128-CBC
with an HMAC-SHA256 tag) under a key of their own, HMAC-SHA256(S, "seal:" + respondent key) with
S = HMAC-SHA256(RESPONDENT_KEY_SECRET, "pulse seal key v1"). Only a process holding the secret (the
app servers and workers, answering the member's own request) can read in-progress answers; a copy
of the database without the secret shows an opaque blob per response in progress. The blob gives
away no time (Fernet's timestamp is written as 0) and hardly any length (the plaintext is padded to
a multiple of :data:`SEAL_BLOCK` bytes). A response's answers are unsealed into long-form rows
when it completes, and a response that ends otherwise keeps nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken
from flask import Flask, current_app

from polling.config import ConfigurationError

StudyKind = Literal["poll", "survey"]
_DERIVATION = b"pulse respondent key v1"
_SEAL_DERIVATION = b"pulse seal key v1"
_EXTENSION = "pulse.respondent_keys"
#: Sealed plaintexts are padded to a multiple of this many bytes, so a blob's length says little.
SEAL_BLOCK = 1024


class UnsealError(ValueError):
    """A sealed blob that this secret did not seal for this respondent key (or was altered)."""


class RespondentKeys:
    """The keyed hash under one secret; the secret itself is not kept."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("a respondent-key secret is required")
        self._key = hmac.new(secret.encode(), _DERIVATION, hashlib.sha256).digest()
        self._seal_key = hmac.new(secret.encode(), _SEAL_DERIVATION, hashlib.sha256).digest()

    def key(self, kind: StudyKind, study_id: int, member_id: int) -> str:
        """The respondent key of ``member_id`` in the study ``kind``/``study_id`` (64 hex digits)."""
        if kind == "poll":
            message = f"{member_id}:{study_id}"
        elif kind == "survey":
            message = f"{kind}:{study_id}:{member_id}"
        else:
            raise ValueError(f"unknown study kind {kind!r}: use 'poll' or 'survey'")
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()

    def _fernet(self, respondent_key: str) -> Fernet:
        digest = hmac.new(self._seal_key, b"seal:" + respondent_key.encode(), hashlib.sha256).digest()
        return Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, respondent_key: str, data: dict[str, Any]) -> str:
        """``data`` (JSON-able) encrypted for the response of ``respondent_key`` (see the docstring)."""
        plain = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
        plain += b" " * (-len(plain) % SEAL_BLOCK)  # JSON ignores trailing blanks
        return self._fernet(respondent_key).encrypt_at_time(plain, 0).decode("ascii")

    def unseal(self, respondent_key: str, token: str) -> dict[str, Any]:
        """What :meth:`seal` sealed for ``respondent_key``; UnsealError if it was not (or was altered)."""
        try:
            data = json.loads(self._fernet(respondent_key).decrypt(token.encode("ascii")))
        except (InvalidToken, UnicodeError, ValueError) as error:
            raise UnsealError("not sealed for this response under this secret") from error
        if not isinstance(data, dict):
            raise UnsealError("a sealed blob holds an object")
        return data

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
