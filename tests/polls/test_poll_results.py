"""Results: raw and weighted shares, precision, small cells withheld, freshness; anonymous votes."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from sqlalchemy import inspect

from polling.polls import extract, results, service
from polling.polls.models import Vote
from polling.respondents.keys import respondent_key
from reports.build import build_context
from tests.conftest import RESPONDENT_SECRET
from tests.factories import add_votes, make_member, make_poll, make_user


def test_raw_shares_counts_and_precision(app, session, hasher):
    poll = make_poll(session, hasher, countries=["US"])
    add_votes(
        session,
        poll,
        [("US", "family_medicine", "male", "35-44", 0, 60), ("US", "cardiology", "female", "55-64", 1, 40)],
    )
    with app.test_request_context():
        shown = results.for_poll(session, poll, audience="public")
        staff = results.for_poll(session, poll, audience="staff")
        meta = extract.poll_meta(poll)
        context = build_context(
            meta, extract.responses(extract.vote_cells(session, poll), poll), locale=("en",)
        )
    assert shown.n == 100
    # Nothing unweighted for the public (a raw share times n is a count); staff see counts.
    assert [o.votes for o in shown.options] == [None] * 3 and [o.raw_share for o in shown.options] == [
        None
    ] * 3
    assert [o.votes for o in staff.options] == [60, 40, 0]
    assert [round(o.raw_share, 3) for o in staff.options] == [0.6, 0.4, 0.0]
    assert shown.design_effect >= 1.0
    # The page's numbers are the report's, share by share, precision by precision.
    for option, estimate in zip(shown.options, context.topline.estimates):
        assert option.weighted_share == estimate.share
        assert option.precision == estimate.precision
    assert shown.options[2].precision.text("en").endswith("%")  # 0%: a range, never ±0.0
    assert shown.margins["US"]  # weighted on at least one published margin


def test_weighting_moves_an_over_represented_group_back(app, session, hasher):
    # Men are 63% of US physicians; a sample of 90% men who all say "Yes" is pulled down.
    poll = make_poll(session, hasher, countries=["US"])
    add_votes(
        session,
        poll,
        [
            ("US", "internal_medicine", "male", "35-44", 0, 90),
            ("US", "internal_medicine", "female", "35-44", 1, 10),
        ],
    )
    with app.test_request_context():
        shown = results.for_poll(session, poll, audience="staff")
    assert shown.options[0].raw_share == pytest.approx(0.9)
    assert shown.options[0].weighted_share < 0.8


def test_small_countries_are_withheld_for_the_public_not_for_staff(app, session, hasher):
    poll = make_poll(session, hasher, countries=["US", "UK", "IE"])
    add_votes(
        session,
        poll,
        [
            ("US", "family_medicine", "male", "35-44", 0, 40),
            ("UK", "family_medicine", "female", "35-44", 1, 25),
            ("IE", "family_medicine", "female", "35-44", 0, 4),
        ],
    )
    with app.test_request_context():
        public = {r.group: r for r in results.for_poll(session, poll, audience="public").by_country}
        staff = {r.group: r for r in results.for_poll(session, poll, audience="staff").by_country}
    assert public["IE"].suppressed and public["IE"].n is None and set(public["IE"].shares.values()) == {None}
    # The UK's 25 are under 30: n shown, no percentage, not in the pooled figures (nor is Ireland).
    assert not public["UK"].suppressed and public["UK"].n == 25 and not public["UK"].pooled
    assert set(public["UK"].shares.values()) == {None}
    assert not public["US"].suppressed and public["US"].n == 40
    assert public["UK"].small_base
    assert not any(r.suppressed for r in staff.values())
    assert staff["IE"].n == 4


def test_fewer_than_ten_votes_show_no_shares_to_members(app, session, hasher):
    poll = make_poll(session, hasher)
    add_votes(session, poll, [("US", "family_medicine", "male", "35-44", 0, 9)])
    with app.test_request_context():
        public = results.for_poll(session, poll, audience="public")
        staff = results.for_poll(session, poll, audience="staff")
    assert public.withheld and all(o.weighted_share is None for o in public.options)
    assert not staff.withheld and staff.options[0].votes == 9


def test_results_follow_new_votes(app, session, hasher):
    poll = make_poll(session, hasher, countries=["US"])
    add_votes(session, poll, [("US", "family_medicine", "male", "35-44", 0, 30)])
    with app.test_request_context():
        first = results.for_poll(session, poll, audience="public")
        assert results.for_poll(session, poll, audience="public") is first  # cached while nothing changes
        add_votes(session, poll, [("US", "family_medicine", "male", "35-44", 1, 5)])
        second = results.for_poll(session, poll, audience="public")
    assert (first.n, second.n) == (30, 35)


def test_results_page_and_api_never_show_identity(client, session, hasher, auth, keys):
    poll = make_poll(session, hasher)
    voter = make_member(session, hasher, show_identity="on")
    service.cast_vote(session, keys, voter.user, poll.id, [poll.options[0].id])
    session.commit()
    add_votes(session, poll, [("US", "family_medicine", "male", "35-44", 0, 30)])
    poll_id, email, handle = poll.id, voter.user.email, voter.handle
    name, licence = voter.identity.full_name, voter.identity.licence_number
    auth.login(email)
    page = client.get(f"/polls/{poll_id}").text
    api = client.get(
        f"/api/v1/polls/{poll_id}/results", headers={"Authorization": f"Bearer {auth.token(email)}"}
    ).text
    for text in (page, api):
        assert name not in text and handle not in text and licence not in text


def test_votes_cannot_be_joined_to_members_without_the_secret(app, session, hasher, keys):
    columns = {c["name"] for c in inspect(session.get_bind()).get_columns("votes")}
    assert not {"member_id", "user_id", "handle", "email"} & columns
    foreign = {fk["referred_table"] for fk in inspect(session.get_bind()).get_foreign_keys("votes")}
    assert foreign == {"polls"}
    first, second = make_poll(session, hasher), make_poll(session, hasher)
    member = make_member(session, hasher)
    for poll in (first, second):
        service.cast_vote(session, keys, member.user, poll.id, [poll.options[0].id])
    session.commit()
    stored = [v.respondent_key for v in session.query(Vote).order_by(Vote.poll_id)]
    assert stored[0] != stored[1]  # the same member's votes are unlinkable across polls
    assert stored[0] == respondent_key(RESPONDENT_SECRET, "poll", first.id, member.id)
    # SECRET_KEY (sessions) does not key them: rotating it cannot let a member vote twice.
    assert stored[0] != respondent_key("test-secret", "poll", first.id, member.id)
    # Anyone without the secret who tries the obvious keyed and unkeyed hashes finds nothing.
    guesses = {
        hashlib.sha256(f"{member.id}:{first.id}".encode()).hexdigest(),
        hmac.new(b"", f"{member.id}:{first.id}".encode(), hashlib.sha256).hexdigest(),
        respondent_key("another-secret", "poll", first.id, member.id),
    }
    assert guesses.isdisjoint(stored)


def test_staff_see_results_of_open_polls_without_voting(client, session, hasher, auth):
    poll = make_poll(session, hasher)
    add_votes(session, poll, [("US", "family_medicine", "male", "35-44", 0, 3)])
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    page = client.get(f"/polls/{poll.id}").text
    assert "Results" in page and "Results appear once" not in page
