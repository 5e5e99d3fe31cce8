"""The fieldwork API: the client's dispositions and rates (hand count in dashboard_helpers), staff
controls, the OpenAPI document, and a 404 for a client of another organisation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_user
from tests.studies.dashboard_helpers import hand_counted_study


@pytest.fixture
def counted(session, hasher):  # type: ignore[no-untyped-def]
    return hand_counted_study(session, hasher)


def _bearer(auth, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {auth.token(user.email)}"}


def test_the_client_follows_fieldwork_with_rates_matching_the_hand_count(client, auth, counted):
    study, _survey, ours, _theirs = counted
    answer = client.get(f"/api/v1/studies/{study.id}/fieldwork", headers=_bearer(auth, ours))
    assert answer.status_code == 200
    body = answer.json
    total = body["total"]
    assert total["aapor_counts"] == {"I": 6, "P": 1, "R": 2, "NC": 8, "O": 2, "UH": 1, "UO": 3, "NE": 3}
    assert total["rates"]["RR1"] == pytest.approx(6 / 23)
    assert total["rates"]["RR3"] == pytest.approx(6 / 22)  # e = 9/12: 19 + (3/4)·4 = 22
    assert total["rates"]["COOP1"] == pytest.approx(6 / 11)
    assert total["rates"]["REF1"] == pytest.approx(2 / 23)
    assert total["rates"]["CON3"] == pytest.approx(11 / 19)
    assert total["e"] == pytest.approx(0.75) and "(I + P + O) / (I + P + O + NE)" in body["e_method"]
    assert total["participation_rate"] == pytest.approx(6 / 26)
    assert total["incidence"] == pytest.approx(0.75)
    assert total["median_loi_minutes"] == pytest.approx(9.5)
    assert [d["cumulative"] for d in total["completes_by_day"]] == [2, 5, 6]
    assert {p["page"]: p["in_progress"] for p in total["drop_off"]} == {
        "screen": 0,
        "tools": 1,
        "ai": 1,
        "end": 0,
    }
    assert total["quality"]["removed"] == 1
    countries = {c["country"]: c for c in body["countries"]}
    assert countries["UK"]["rates"]["RR1"] == pytest.approx(4 / 17)
    assert countries["ES"]["participation_rate"] == pytest.approx(2 / 7)
    assert countries["UK"]["drop_off"] is None
    assert "panel membership" in body["rates_note"]


def test_a_client_of_another_organisation_gets_404(client, auth, counted):
    study, _survey, _ours, theirs = counted
    answer = client.get(f"/api/v1/studies/{study.id}/fieldwork", headers=_bearer(auth, theirs))
    assert answer.status_code == 404 and answer.json["message"] == "No study with this number."
    assert "Heart failure" not in answer.text


def test_staff_pause_extend_and_close_through_the_api(client, auth, session, hasher, counted):
    study, _survey, ours, _theirs = counted
    headers = _bearer(auth, make_user(session, hasher, "staff"))
    base = f"/api/v1/studies/{study.id}/fieldwork"
    paused = client.post(f"{base}/pause", json={"comment": "check"}, headers=headers)
    assert paused.status_code == 200 and paused.json["status"] == "paused"
    earlier = (study.field_end - timedelta(days=2)).isoformat()
    refused = client.post(f"{base}/extension", json={"field_end": earlier}, headers=headers)
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["field_end"]
    assert client.post(f"{base}/extension", json={"field_end": "soon"}, headers=headers).status_code == 422
    assert client.post(f"{base}/extension", json={}, headers=headers).status_code == 422
    later = (study.field_end + timedelta(days=7)).isoformat()
    moved = client.post(f"{base}/extension", json={"field_end": later}, headers=headers)
    assert moved.status_code == 200 and moved.json["field_end"] == later
    resumed = client.post(f"{base}/resume", json={}, headers=headers)
    assert resumed.json["status"] == "field"
    closed = client.post(f"{base}/closure", json={}, headers=headers)
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    again = client.post(f"{base}/closure", json={}, headers=headers)
    assert again.status_code == 409 and "this one is closed" in again.json["message"]
    seen = client.get(base, headers=_bearer(auth, ours))
    assert seen.json["status"] == "closed" and seen.json["survey_state"] == "closed"


def test_clients_cannot_use_the_staff_controls(client, auth, counted):
    study, _survey, ours, _theirs = counted
    headers = _bearer(auth, ours)
    for action in ("pause", "resume", "extension", "closure"):
        answer = client.post(f"/api/v1/studies/{study.id}/fieldwork/{action}", json={}, headers=headers)
        assert answer.status_code == 403


def test_the_openapi_document_describes_fieldwork(client):
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    assert "200" in paths["/api/v1/studies/{study_id}/fieldwork"]["get"]["responses"]
    for action in ("pause", "resume", "extension", "closure"):
        assert "post" in paths[f"/api/v1/studies/{{study_id}}/fieldwork/{action}"]
    schemas = document["components"]["schemas"]
    scope = schemas["FieldworkScope"]["properties"]
    assert {"rates", "e", "participation_rate", "incidence", "median_loi_minutes", "drop_off"} <= set(scope)
    assert "e_method" in schemas["Fieldwork"]["properties"]
    assert "field_end" in schemas["FieldworkExtension"]["required"]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from polling import create_app, migrate
    from polling.accounts.service import issue_token
    from polling.db import get_session
    from tests.conftest import FAST_HASH, RESPONDENT_SECRET

    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz-fieldwork') / 'pulse.sqlite3'}"
    migrate.upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "fuzz",
            "RESPONDENT_KEY_SECRET": RESPONDENT_SECRET,
            "ARGON2_COST": FAST_HASH,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        session = get_session()
        study, *_ = hand_counted_study(session, app.extensions["pulse.hasher"])
        staff = make_user(session, app.extensions["pulse.hasher"], "staff")
        app.config["FUZZ_TOKEN"] = issue_token(session, staff).token
        app.config["FUZZ_STUDY"] = study.id
        session.commit()
    yield app
    app.extensions["pulse.engine"].dispose()


@pytest.mark.slow
def test_fieldwork_operations_never_fail_for_staff_whatever_the_body(fuzz_app):  # type: ignore[no-untyped-def]
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_TOKEN']}"}
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if "/fieldwork" not in operation.path:
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def exercise(case) -> None:  # type: ignore[no-untyped-def]
            case.path_parameters = {"study_id": fuzz_app.config["FUZZ_STUDY"]}  # the real study, any body
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        exercise()
        checked.append(operation.label)
    assert len(checked) == 5
