"""The permission table walked in full: every route, every principal.

A principal the table allows must get through (anything but 401/403 or a bounce to log-in); every
other principal must be refused. A route missing from the table fails the first test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from polling.accounts.service import get_or_create_organisation
from polling.db import utcnow
from polling.permissions import ORGANISATION_SCOPED, PRINCIPALS, RULES
from tests.factories import make_member, make_poll, make_published_report, make_user


def test_every_route_has_a_rule_and_every_rule_a_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(RULES) == set(), "routes without a permission rule"
    assert set(RULES) - endpoints == set(), "rules for routes that do not exist"


def _log_in_as(principal, client, session, hasher, auth):  # type: ignore[no-untyped-def]
    """Log the client in as ``principal``; returns headers for API calls."""
    if principal == "anonymous":
        return {}
    if principal in ("member", "pending_member"):
        member = make_member(session, hasher, status="verified" if principal == "member" else "pending")
        email = member.user.email
    else:
        email = make_user(session, hasher, principal).email
    auth.login(email)
    return {"Authorization": f"Bearer {auth.token(email)}"}


def _url(app, rule, values) -> str:  # type: ignore[no-untyped-def]
    from flask import url_for

    with app.test_request_context():
        return url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})


@pytest.mark.slow
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_each_route_admits_exactly_the_principals_in_the_table(principal, app, client, session, hasher, auth):
    target = make_member(session, hasher)
    pending = make_member(session, hasher, status="pending")
    now = utcnow()
    closed = make_poll(
        session,
        hasher,
        opens_at=(now - timedelta(days=3)).isoformat(),
        closes_at=(now - timedelta(days=1)).isoformat(),
    )  # closed: results open to all allowed
    report = make_published_report(session, closed, {"fragment.en.html": b"x", "report.pdf": b"x"})
    acme = get_or_create_organisation(session, "Acme Research")  # make_user's clients belong to it
    session.commit()
    values = {
        "handle": target.handle,
        "member_id": pending.id,
        "filename": "pulse.css",
        "poll_id": closed.id,
        "report_id": report.id,
        "name": "report.pdf",
        "token_id": 2147483647,
        "organisation_id": acme.id,  # the logged-in client's own
        "token": "no-such-link",
        "survey_id": 2147483647,
        "study_id": 2147483647,
        "response_id": 2147483647,
        "batch": "no-such-batch",
    }
    headers = _log_in_as(principal, client, session, hasher, auth)
    checked = 0
    for rule in app.url_map.iter_rules():
        method = "GET" if "GET" in rule.methods else ("POST" if "POST" in rule.methods else "PUT")
        if rule.endpoint in {
            "accounts.logout",
            "security.log_out_everywhere",
            "main.set_language",
            "tokens.Tokens",
            "tokens.TokenRenewal",
        }:
            continue  # state-changing without side effects on access; covered by their own tests
        url = _url(app, rule, values)
        answer = client.open(
            url,
            method=method,
            headers=headers if url.startswith("/api/") else {},
            json={} if url.startswith("/api/") and method != "GET" else None,
        )
        answer.close()  # static files are streamed
        refused = answer.status_code in (401, 403) or "/login" in answer.headers.get("Location", "")
        allowed = principal in RULES[rule.endpoint]
        assert refused != allowed, f"{principal} {method} {url}: {answer.status_code} but allowed={allowed}"
        checked += 1
    assert checked >= 24


def test_client_and_journalist_never_see_members(client, session, hasher, auth):
    target = make_member(session, hasher, show_identity="on")
    for role in ("client", "journalist"):
        user = make_user(session, hasher, role)
        auth.login(user.email)
        answer = client.get(f"/members/{target.handle}")
        assert answer.status_code == 403
        assert target.identity.full_name not in answer.text
        auth.logout()


def test_every_route_naming_an_organisation_or_study_is_scoped_to_it(app):
    owned = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.arguments & {"organisation_id", "study_id", "survey_id"} and "client" in RULES[rule.endpoint]
    }
    assert owned == set(ORGANISATION_SCOPED), (
        "client routes naming an owned object must be ORGANISATION_SCOPED"
    )


def test_a_client_of_another_organisation_is_refused_every_scoped_route(app, client, session, hasher, auth):
    from polling.studies.service import create_draft

    ours = make_user(session, hasher, "client", organisation="Acme Research")
    theirs = make_user(session, hasher, "client", organisation="Other Insights")
    our_study = create_draft(session, ours, {"title": "Acme's secret study"})
    their_study = create_draft(session, theirs, {"title": "Other's own study"})
    auth.login(theirs.email)
    headers = {"Authorization": f"Bearer {auth.token(theirs.email)}"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in ORGANISATION_SCOPED:
            continue
        method = "GET" if "GET" in rule.methods else ("POST" if "POST" in rule.methods else "PUT")
        url = _url(app, rule, {"organisation_id": ours.organisation_id, "study_id": our_study.id})
        api = url.startswith("/api/")
        answer = client.open(
            url, method=method, headers=headers if api else {}, json={} if api and method != "GET" else None
        )
        assert answer.status_code in (403, 404), (
            f"{url}: {answer.status_code} for a client of another organisation"
        )
        assert ours.email not in answer.text and "Acme Research" not in answer.text
        assert "Acme's secret study" not in answer.text
        if method != "GET":
            continue  # a change: refused above; its own client's success is tested with the feature
        if "study_id" in rule.arguments:
            own = client.get(_url(app, rule, {"study_id": their_study.id}), headers=headers if api else {})
            assert own.status_code < 400, f"{rule.endpoint}: {own.status_code} for the study's own client"
        else:
            own = client.get(
                _url(app, rule, {"organisation_id": theirs.organisation_id}), headers=headers if api else {}
            )
            assert own.status_code == 200 and "Other Insights" in own.text
