"""Polls on the web: creating, proposing, the feed, voting once, and results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from polling.db import utcnow
from polling.polls import service
from polling.polls.models import Poll, Vote
from tests.factories import make_member, make_poll, make_user, poll_form


def _votes(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Vote))


def test_staff_create_a_poll_through_the_form(client, session, hasher, auth):
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    form = poll_form(publish="1", countries=["UK", "IE"], featured="on")
    form["opens_at"] = str(form["opens_at"])[:16]
    answer = client.post("/staff/polls/new", data=form)
    assert answer.status_code == 302
    poll = session.scalar(select(Poll))
    assert (poll.status, poll.country_codes, poll.featured) == ("published", ("UK", "IE"), True)
    assert [o.label_es for o in poll.options] == ["Sí", "No", "No estoy seguro"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"question_es": ""}, "question_es", "10 to 500 characters"),
        ({"option_en": ["Only one"], "option_es": ["Solo una"]}, "options", "between 2 and 10 options"),
        (
            {"option_en": [str(i) for i in range(11)], "option_es": [str(i) for i in range(11)]},
            "options",
            "between 2 and 10",
        ),
        ({"option_en": ["Yes", "No"], "option_es": ["Sí"]}, "options", "both English and Spanish"),
        ({"option_en": ["Yes", "yes"], "option_es": ["Sí", "sí"]}, "options", "same English wording"),
        ({"countries": ["FR"]}, "countries", "Choose countries from the list"),
        ({"specialties": ["astrology"]}, "specialties", "Choose specialties"),
        ({"closes_at": "2020-01-01T00:00"}, "closes_at", "must close after it opens"),
        ({"opens_at": "next tuesday"}, "opens_at", "like 2026-03-01T09:00"),
        ({"topic": "gossip"}, "topic", "Choose a topic"),
    ],
)
def test_bad_poll_input_names_the_field_and_saves_nothing(
    client, session, hasher, auth, overrides, field, message
):
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    answer = client.post("/staff/polls/new", data=poll_form(**overrides))
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text
    assert message in answer.text
    assert session.scalar(select(func.count()).select_from(Poll)) == 0


def test_feed_shows_eligible_open_polls_featured_first(client, session, hasher, auth):
    staff = make_user(session, hasher, "staff")
    plain = make_poll(session, staff=staff, question_en="A plain poll for everyone, open now")
    featured = make_poll(
        session, staff=staff, featured="on", question_en="The featured poll of the week, open now"
    )
    make_poll(session, staff=staff, countries=["ES"], question_en="Only for physicians practising in Spain")
    make_poll(
        session, staff=staff, specialties=["dermatology"], question_en="Only for dermatologists anywhere"
    )
    make_poll(session, staff=staff, publish=False, question_en="A draft nobody should see yet")
    now = utcnow()
    make_poll(
        session,
        staff=staff,
        question_en="A poll that opens tomorrow morning",
        opens_at=(now + timedelta(days=1)).isoformat(),
        closes_at=(now + timedelta(days=2)).isoformat(),
    )
    member = make_member(session, hasher, country="US", specialty="cardiology")
    auth.login(member.user.email)
    page = client.get("/").text
    assert page.index(featured.question_en) < page.index(plain.question_en)
    for hidden in (
        "Only for physicians practising in Spain",
        "Only for dermatologists",
        "A draft nobody",
        "opens tomorrow",
    ):
        assert hidden not in page


def test_vote_once_then_see_results(client, session, hasher, auth):
    poll = make_poll(session, hasher)
    member = make_member(session, hasher)
    auth.login(member.user.email)
    page = client.get(f"/polls/{poll.id}").text
    assert 'type="radio" name="option"' in page
    answer = client.post(
        f"/polls/{poll.id}/vote", data={"option": [str(poll.options[1].id)]}, follow_redirects=True
    )
    assert "Thank you: your vote is counted." in answer.text
    assert "Results" in answer.text and 'name="option"' not in answer.text
    again = client.post(f"/polls/{poll.id}/vote", data={"option": [str(poll.options[0].id)]})
    assert again.status_code == 409
    assert "You have already voted in this poll" in again.text
    assert _votes(session) == 1
    assert session.scalar(select(Vote.options_mask)) == 0b10  # the second option


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose an option before voting."),
        ({"option": ["999999"]}, "Option 999999 is not an option of this poll."),
        ({"option": ["abc"]}, "Options are given by their numbers."),
    ],
)
def test_bad_votes_are_refused_and_nothing_is_stored(client, session, hasher, auth, data, message):
    poll = make_poll(session, hasher)
    member = make_member(session, hasher)
    auth.login(member.user.email)
    answer = client.post(f"/polls/{poll.id}/vote", data=data)
    assert answer.status_code == 422
    assert message in answer.text
    assert _votes(session) == 0


def test_two_options_on_a_single_choice_poll_are_refused(client, session, hasher, auth):
    poll = make_poll(session, hasher)
    member = make_member(session, hasher)
    auth.login(member.user.email)
    answer = client.post(f"/polls/{poll.id}/vote", data={"option": [str(o.id) for o in poll.options[:2]]})
    assert answer.status_code == 422
    assert "This poll takes one answer" in answer.text
    assert _votes(session) == 0


def test_multiple_choice_poll_takes_several(client, session, hasher, auth):
    poll = make_poll(session, hasher, multiple="on")
    member = make_member(session, hasher)
    auth.login(member.user.email)
    answer = client.post(f"/polls/{poll.id}/vote", data={"option": [str(o.id) for o in poll.options[:2]]})
    assert answer.status_code == 302
    assert session.scalar(select(Vote.options_mask)) == 0b11


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("anonymous", "Log in as a verified physician to vote."),
        ("pending", "You can vote once staff have verified your licence."),
        ("other_country", "This poll is for physicians in United Kingdom."),
        ("journalist", "Only physician members vote in polls."),
    ],
)
def test_who_cannot_vote_is_told_why(client, session, hasher, auth, who, message):
    poll = make_poll(session, hasher, countries=["UK"])
    if who == "pending":
        auth.login(
            make_member(session, hasher, status="pending", country="UK", licence_number="7654321").user.email
        )
    elif who == "other_country":
        auth.login(make_member(session, hasher, country="US").user.email)
    elif who == "journalist":
        auth.login(make_user(session, hasher, "journalist").email)
    page = client.get(f"/polls/{poll.id}")
    assert page.status_code == 200
    assert message in page.text
    assert 'name="option"' not in page.text


def test_closed_and_scheduled_polls_refuse_votes(client, session, hasher, auth):
    now = utcnow()
    closed = make_poll(
        session,
        hasher,
        opens_at=(now - timedelta(days=3)).isoformat(),
        closes_at=(now - timedelta(days=1)).isoformat(),
    )
    later = make_poll(
        session,
        hasher,
        opens_at=(now + timedelta(days=1)).isoformat(),
        closes_at=(now + timedelta(days=3)).isoformat(),
    )
    member = make_member(session, hasher)
    auth.login(member.user.email)
    assert (
        "This poll is closed"
        in client.post(f"/polls/{closed.id}/vote", data={"option": [str(closed.options[0].id)]}).text
    )
    answer = client.post(f"/polls/{later.id}/vote", data={"option": [str(later.options[0].id)]})
    assert answer.status_code == 409 and "not open yet" in answer.text
    assert _votes(session) == 0


def test_wording_is_locked_once_a_poll_has_votes(client, session, hasher, auth, keys):
    staff = make_user(session, hasher, "staff")
    poll = make_poll(session, staff=staff)
    member = make_member(session, hasher)
    service.cast_vote(session, keys, member.user, poll.id, [poll.options[0].id])
    session.commit()
    auth.login(staff.email)
    changed = client.post(
        f"/staff/polls/{poll.id}/edit", data=poll_form(question_en="A completely different question now?")
    )
    assert changed.status_code == 409
    assert "its question and options can no longer change" in changed.text
    extended = poll_form(closes_at=(utcnow() + timedelta(days=30)).isoformat(), featured="on")
    assert client.post(f"/staff/polls/{poll.id}/edit", data=extended).status_code == 302
    session.expire_all()
    assert session.get(Poll, poll.id).featured is True


def test_targeting_is_locked_once_a_poll_has_votes(client, session, hasher, auth, keys):
    staff = make_user(session, hasher, "staff")
    poll = make_poll(session, staff=staff, countries=["US"])
    service.cast_vote(
        session, keys, make_member(session, hasher, country="US").user, poll.id, [poll.options[0].id]
    )
    auth.login(staff.email)
    widened = client.post(f"/staff/polls/{poll.id}/edit", data=poll_form(countries=["US", "UK"]))
    assert widened.status_code == 409
    assert "the countries and specialties it is for can no longer change" in widened.text
    session.expire_all()
    assert session.get(Poll, poll.id).country_codes == ("US",)


def test_member_proposes_staff_declines_with_a_reason(client, session, hasher, auth):
    member = make_member(session, hasher)
    staff = make_user(session, hasher, "staff")
    auth.login(member.user.email)
    assert (
        client.post(
            "/polls/propose", data=poll_form(question_en="Should night shifts be capped at twelve hours?")
        ).status_code
        == 302
    )
    poll = session.scalar(select(Poll))
    assert poll.status == "proposed"
    auth.logout()
    auth.login(staff.email)
    assert (
        client.post(f"/staff/polls/{poll.id}/review", data={"action": "decline", "reason": ""}).status_code
        == 422
    )
    client.post(
        f"/staff/polls/{poll.id}/review", data={"action": "decline", "reason": "We asked this in March."}
    )
    auth.logout()
    auth.login(member.user.email)
    assert "We asked this in March." in client.get("/polls/mine").text


def test_staff_publish_a_proposal(client, session, hasher, auth):
    member = make_member(session, hasher)
    poll = service.propose_poll(session, member.user, poll_form())
    session.commit()
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    client.post(f"/staff/polls/{poll.id}/review", data={"action": "publish"})
    session.expire_all()
    assert service.state(session.get(Poll, poll.id)) == "open"


def test_drafts_and_others_proposals_are_invisible(client, session, hasher, auth):
    draft = make_poll(session, hasher, publish=False)
    member = make_member(session, hasher)
    auth.login(member.user.email)
    assert client.get(f"/polls/{draft.id}").status_code == 404


def test_press_wording_needs_both_languages(client, session, hasher, auth):
    staff = make_user(session, hasher, "staff")
    auth.login(staff.email)
    answer = client.post("/staff/polls/new", data=poll_form(statement_en=["say yes"], statement_es=[""]))
    assert answer.status_code == 422
    assert 'id="statements-error"' in answer.text and "both English and Spanish" in answer.text
    assert session.scalar(select(func.count()).select_from(Poll)) == 0


def test_press_wording_can_change_after_votes(client, session, hasher, auth, keys):
    staff = make_user(session, hasher, "staff")
    poll = make_poll(session, staff=staff)
    service.cast_vote(session, keys, make_member(session, hasher).user, poll.id, [poll.options[0].id])
    session.commit()
    auth.login(staff.email)
    form = poll_form(
        statement_en=["say a network would help them"], statement_es=["considera que una red le ayudaría"]
    )
    assert client.post(f"/staff/polls/{poll.id}/edit", data=form).status_code == 302
    session.expire_all()
    first = session.get(Poll, poll.id).options[0]
    assert (first.statement_en, first.statement_es) == (
        "say a network would help them",
        "considera que una red le ayudaría",
    )
