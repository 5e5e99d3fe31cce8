"""Property-based fuzzing of the JSON API from its own OpenAPI document (schemathesis): whatever
the input, no 500 and every answer matches the documented schema and status codes."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from polling import create_app, migrate
from tests.conftest import FAST_HASH
from tests.factories import make_member, make_poll


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'pulse.sqlite3'}"
    migrate.upgrade(url)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "fuzz", "ARGON2_COST": FAST_HASH, "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        from polling.accounts.service import issue_token
        from polling.db import get_session

        session = get_session()
        poll = make_poll(session, app.extensions["pulse.hasher"])
        member = make_member(session, app.extensions["pulse.hasher"])
        app.config["FUZZ_TOKEN"] = issue_token(session, member.user).token
        session.commit()
        del poll
    yield app
    app.extensions["pulse.engine"].dispose()


@pytest.mark.slow
def test_api_never_fails_and_keeps_its_promises(fuzz_app):  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_TOKEN']}"}
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def exercise(case) -> None:  # type: ignore[no-untyped-def]
            # A schema-valid body may still name options the poll does not have: 422 is the right answer.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        exercise()
        checked.append(operation.label)
    assert len(checked) >= 7


HOSTILE_BODIES = [
    "[" * 5000 + "]" * 5000,  # deeper than Python's JSON parser survives
    '{"options": [' + "9" * 5000 + "]}",  # int() refuses 4,300+ digits
    '{"email": "\\ud800@example.org", "password": "x"}',  # a lone surrogate
    '{"email": "a\\u0000b@example.org", "password": "x"}',  # a NUL byte
    '{"email": "' + "x" * 100000 + '", "password": "x"}',
]


def test_every_operation_refuses_hostile_bodies_without_a_500(fuzz_app):  # type: ignore[no-untyped-def]
    """The crash cases of issue 13, sent to every operation that takes a body."""
    client = fuzz_app.test_client()
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_TOKEN']}"}
    spec = client.get("/api/v1/openapi.json").json
    sent = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch") or "requestBody" not in operation:
                continue
            url = path.replace("{poll_id}", "1").replace("{token_id}", "1")
            for body in HOSTILE_BODIES:
                answer = client.open(
                    url, method=method.upper(), data=body, content_type="application/json", headers=headers
                )
                assert answer.status_code < 500, (method, url, body[:40], answer.status_code)
                assert 400 <= answer.status_code < 500
                sent += 1
    assert sent >= 10
