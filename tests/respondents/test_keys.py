"""Respondent keys: one function, namespaced by study kind, under a secret of their own."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat

import pytest

from polling import config, create_app
from polling.config import ConfigurationError, from_env
from polling.errors import Conflict
from polling.polls import service
from polling.respondents.keys import RespondentKeys, respondent_key
from tests.conftest import FAST_HASH
from tests.factories import make_member, make_poll


def test_poll_keys_keep_the_derivation_votes_were_first_stored_with():
    # Votes cast before the respondents package keep their keys: HMAC(HMAC(secret, v1), "member:poll").
    inner = hmac.new(b"old-secret", b"pulse respondent key v1", hashlib.sha256).digest()
    first_form = hmac.new(inner, b"42:7", hashlib.sha256).hexdigest()
    assert respondent_key("old-secret", "poll", 7, 42) == first_form


def test_poll_and_survey_with_the_same_number_never_share_a_key():
    keys = RespondentKeys("a-long-secret-value")
    assert keys.key("poll", 7, 3) != keys.key("survey", 7, 3)
    assert keys.key("survey", 7, 3) != keys.key("survey", 3, 7)
    with pytest.raises(ValueError, match="unknown study kind 'panel'"):
        keys.key("panel", 7, 3)  # type: ignore[arg-type]
    assert "a-long-secret-value" not in repr(keys)


def test_production_needs_its_own_respondent_secret(tmp_path):
    with pytest.raises(ConfigurationError, match="RESPONDENT_KEY_SECRET is not set"):
        from_env({"PULSE_ENV": "production", "SECRET_KEY": "x"})
    secret_file = tmp_path / "respondent_key_secret"
    secret_file.write_text("from-a-file\n")
    loaded = from_env(
        {"PULSE_ENV": "production", "SECRET_KEY": "x", "RESPONDENT_KEY_SECRET_FILE": str(secret_file)}
    )
    assert loaded["RESPONDENT_KEY_SECRET"] == "from-a-file"
    with pytest.raises(ConfigurationError, match="cannot read it"):
        from_env(
            {"PULSE_ENV": "production", "SECRET_KEY": "x", "RESPONDENT_KEY_SECRET_FILE": str(tmp_path / "no")}
        )
    with pytest.raises(ConfigurationError, match="equals SECRET_KEY"):
        _production_app({"SECRET_KEY": "same", "RESPONDENT_KEY_SECRET": "same"})


def _production_app(extra: dict[str, str]):  # type: ignore[no-untyped-def]
    settings = from_env({"PULSE_ENV": "production", "DATABASE_URL": "sqlite://", **extra})
    settings["TESTING"] = False
    return create_app(settings)


def test_development_keeps_the_secret_in_a_private_file(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    (tmp_path / "secret_key").write_text("dev-secret-the-votes-were-keyed-with")
    first = from_env({"PULSE_ENV": "development"})
    path = tmp_path / "respondent_key_secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # The old development secret keys the respondents now; sessions get a new one.
    assert first["RESPONDENT_KEY_SECRET"] == "dev-secret-the-votes-were-keyed-with"
    assert first["SECRET_KEY"] != first["RESPONDENT_KEY_SECRET"]
    assert from_env({"PULSE_ENV": "development"})["RESPONDENT_KEY_SECRET"] == first["RESPONDENT_KEY_SECRET"]


def test_rotating_secret_key_does_not_let_a_member_vote_twice(database_url, session, hasher):
    poll = make_poll(session, hasher)
    member = make_member(session, hasher)
    for secret_key in ("before-the-leak", "after-rotation"):
        app = create_app(
            {
                "DATABASE_URL": database_url,
                "SECRET_KEY": secret_key,
                "RESPONDENT_KEY_SECRET": "kept-apart",
                "ARGON2_COST": FAST_HASH,
            }
        )
        with app.app_context():
            keys = app.extensions["pulse.respondent_keys"]
            if secret_key == "before-the-leak":
                service.cast_vote(session, keys, member.user, poll.id, [poll.options[0].id])
            else:
                with pytest.raises(Conflict, match="already voted"):
                    service.cast_vote(session, keys, member.user, poll.id, [poll.options[1].id])
        app.extensions["pulse.engine"].dispose()
