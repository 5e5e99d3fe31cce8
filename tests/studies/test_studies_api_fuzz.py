"""The studies API fuzzed from its own OpenAPI document with a research client's token (the shared
fuzz test calls as a member, who is refused before any study code runs): no 500, every answer
documented; and hostile JSON bodies are refused without a 500."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from polling import create_app, migrate
from tests.conftest import FAST_HASH
from tests.factories import make_user
from tests.studies.drafting_helpers import brief, fake_quote, questionnaire

MINE = {
    "GET /api/v1/studies",
    "POST /api/v1/studies",
    "GET /api/v1/studies/{study_id}",
    "PUT /api/v1/studies/{study_id}",
    "PUT /api/v1/studies/{study_id}/questionnaire",
    "GET /api/v1/studies/{study_id}/versions",
    "POST /api/v1/studies/{study_id}/submit",
}


@pytest.fixture(scope="module")
def studies_app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path_factory.mktemp('studies-fuzz') / 'pulse.sqlite3'}"
    migrate.upgrade(url)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "fuzz", "ARGON2_COST": FAST_HASH, "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        from polling.accounts.service import issue_token
        from polling.db import get_session
        from polling.studies import service

        session = get_session()
        user = make_user(session, app.extensions["pulse.hasher"], "client", organisation="Acme Research")
        drafts = [service.create_draft(session, user, brief()) for _ in range(3)]
        service.set_questionnaire(session, user, drafts[0].id, questionnaire())
        app.config["FUZZ_TOKEN"] = issue_token(session, user).token
        app.config["FUZZ_STUDIES"] = [d.id for d in drafts]
        session.commit()
    yield app
    app.extensions["pulse.engine"].dispose()


@pytest.mark.slow
def test_the_studies_api_never_fails_and_keeps_its_promises(studies_app, monkeypatch):  # type: ignore[no-untyped-def]
    from polling.studies import api

    monkeypatch.setattr(api.pricing, "quote", fake_quote)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", studies_app)
    headers = {"Authorization": f"Bearer {studies_app.config['FUZZ_TOKEN']}"}
    studies = studies_app.config["FUZZ_STUDIES"]
    checked = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label not in MINE:
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def exercise(case) -> None:  # type: ignore[no-untyped-def]
            if case.path_parameters and "study_id" in case.path_parameters:
                # Mostly the client's own drafts, so the checks behind the lookup are reached too.
                drawn = case.path_parameters["study_id"]
                if isinstance(drawn, int) and drawn % 4 != 0:
                    case.path_parameters["study_id"] = studies[drawn % len(studies)]
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        exercise()
        checked.add(operation.label)
    assert checked == MINE


HOSTILE_BODIES = [
    "[" * 5000 + "]" * 5000,
    '{"cells": [' + "9" * 5000 + "]}",
    '{"title": "\\ud800", "cells": []}',
    '{"title": "a\\u0000b"}',
    '{"title": "' + "x" * 100000 + '"}',
    '{"version": 1, "languages": ["en"], "pages": [{"id": "p1", "questions": [{"id": "q1", "type": "text", "text": {"en": "'
    + "y" * 5000
    + '"}, "show_if": "'
    + "(" * 400
    + '"}]}]}',
    '{"title": "t", "field_start": "99999-01-01", "sample_size": 1e400}',
]


def test_every_study_call_refuses_hostile_bodies_without_a_500(studies_app):  # type: ignore[no-untyped-def]
    client = studies_app.test_client()
    headers = {"Authorization": f"Bearer {studies_app.config['FUZZ_TOKEN']}"}
    sid = studies_app.config["FUZZ_STUDIES"][1]
    sent = 0
    for url, method in [
        ("/api/v1/studies", "POST"),
        (f"/api/v1/studies/{sid}", "PUT"),
        (f"/api/v1/studies/{sid}/questionnaire", "PUT"),
        (f"/api/v1/studies/{sid}/submit", "POST"),
    ]:
        for body in HOSTILE_BODIES:
            answer = client.open(
                url, method=method, data=body, content_type="application/json", headers=headers
            )
            assert 400 <= answer.status_code < 500, (method, url, body[:40], answer.status_code)
            sent += 1
    assert sent == 28
