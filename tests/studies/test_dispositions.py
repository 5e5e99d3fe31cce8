"""Dispositions move forward only, follow the survey (signals in the survey's own transaction), the
e-mail links and staff removals; partials at close; counts for clients never name a member."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from polling.studies import dispositions, review
from polling.studies.invitations import Settings, draw_wave
from polling.studies.models import DISPOSITIONS, Invitation, Study
from polling.surveys import review as quality_review
from polling.surveys import signals, taking
from polling.surveys.models import SurveyResponse
from tests.factories import make_user
from tests.studies.fielding_helpers import doctor, honoraria, submitted_study
from tests.surveys.helpers import AI_PATH, page


def _fielded(session, hasher, n: int = 1, cells=(("UK", "cardiology", 3),)):  # type: ignore[no-untyped-def]
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    members = [doctor(session, hasher, "UK") for _ in range(n)]
    study = submitted_study(session, client_user, cells=cells)
    study = review.approve(session, staff, study.id, honoraria)
    draw_wave(session, study.id, Settings())
    session.commit()
    return study, members, client_user, staff


def _disposition(session, study: Study, member) -> str:  # type: ignore[no-untyped-def]
    session.expire_all()
    return str(
        session.scalar(
            select(Invitation.disposition).where(
                Invitation.study_id == study.id, Invitation.member_id == member.id
            )
        )
    )


@pytest.mark.parametrize(
    ("start", "to", "moves"),
    [
        ("invited", "opened", True),
        ("invited", "bounced", True),
        ("bounced", "opened", False),  # equal ranks are alternatives, not steps
        ("opened", "invited", False),
        ("started", "opened", False),
        ("started", "screened_out", True),
        ("started", "partial", True),
        ("invited", "partial", False),  # only a started invitee can become partial
        ("partial", "complete", True),
        ("complete", "refused", False),
        ("opened", "refused", True),
        ("screened_out", "complete", False),
        ("complete", "removed", True),
        ("over_quota", "removed", False),  # only a complete is removed for quality
        ("removed", "complete", False),
    ],
)
def test_a_disposition_only_moves_forward(session, hasher, start, to, moves):
    study, (member,), *_ = _fielded(session, hasher)
    session.execute(Invitation.__table__.update().values(disposition=start))
    assert dispositions.advance(session, study.id, member.id, to) is moves
    session.commit()
    assert _disposition(session, study, member) == (to if moves else start)


def test_unknown_dispositions_are_refused(session, hasher):
    study, (member,), *_ = _fielded(session, hasher)
    with pytest.raises(ValueError, match="unknown disposition 'done'"):
        dispositions.advance(session, study.id, member.id, "done")


def test_taking_the_survey_moves_the_invitee_opened_started_complete_removed(session, hasher, keys):
    study, (member,), _client, staff = _fielded(session, hasher)
    user = member.user
    taking.view(session, keys, user, study.survey_id)
    assert _disposition(session, study, member) == "opened"
    view = taking.consent(session, keys, user, study.survey_id, True)
    assert _disposition(session, study, member) == "started"
    for answers in AI_PATH:
        view = taking.submit(session, keys, user, study.survey_id, page(view, answers))
    assert view.status == "complete" and _disposition(session, study, member) == "complete"
    response = session.scalar(select(SurveyResponse))
    quality_review.decide(session, keys, staff, response.id, keep=False)
    assert _disposition(session, study, member) == "removed"


def test_screened_out_and_over_quota_endings(session, hasher, keys):
    study, members, *_ = _fielded(session, hasher, n=3, cells=(("UK", "cardiology", 1),))
    screened, first, late = members
    view = taking.consent(session, keys, screened.user, study.survey_id, True)
    taking.submit(session, keys, screened.user, study.survey_id, page(view, {"patients": "no"}))
    assert _disposition(session, study, screened) == "screened_out"
    views = {m.id: taking.consent(session, keys, m.user, study.survey_id, True) for m in (first, late)}
    for member in (first, late):
        view = views[member.id]
        for answers in AI_PATH:
            view = taking.submit(session, keys, member.user, study.survey_id, page(view, answers))
            if view.status != "in_progress":
                break
    assert _disposition(session, study, first) == "complete"
    assert _disposition(session, study, late) == "over_quota"  # the hard cell of 1 was full


def test_a_disposition_commits_with_the_survey_transaction_or_not_at_all(session, hasher):
    study, (member,), *_ = _fielded(session, hasher)
    signals.response_started.send(session, survey_id=study.survey_id, member_id=member.id)
    session.rollback()  # the response's transaction failed: its disposition goes with it
    assert _disposition(session, study, member) == "invited"
    signals.response_started.send(session, survey_id=study.survey_id, member_id=member.id)
    session.commit()
    assert _disposition(session, study, member) == "started"


def test_the_opt_out_link_confirms_then_refuses(client, app, session, hasher):
    study, (member,), *_ = _fielded(session, hasher)
    invitation = session.scalar(select(Invitation))
    token = dispositions.link_token(app.config["SECRET_KEY"], invitation)
    confirm = client.get(f"/study-invitations/{token}/opt-out")
    assert confirm.status_code == 200 and "no more reminders" in confirm.text
    assert _disposition(session, study, member) == "invited"  # looking is not opting out
    done = client.post(f"/study-invitations/{token}/opt-out")
    assert done.status_code == 200 and "you will not hear about this survey again" in done.text
    assert _disposition(session, study, member) == "refused"
    again = client.post(f"/study-invitations/{token}/opt-out")
    assert "Nothing to change" in again.text
    assert client.get(f"/study-invitations/{token}x/opt-out").status_code == 404
    assert client.post("/study-invitations/not-a-token/opt-out").status_code == 404


def test_an_opted_out_member_no_longer_sees_the_survey(client, session, hasher, auth):
    study, (member,), *_ = _fielded(session, hasher)
    auth.login(member.user.email)
    assert "Heart failure treatment choices" in client.get("/").text
    dispositions.advance(session, study.id, member.id, "refused")
    session.commit()
    assert "Heart failure treatment choices" not in client.get("/").text


def test_started_invitees_with_half_their_pages_answered_become_partial_at_close(session, hasher, keys):
    study, members, *_ = _fielded(session, hasher, n=3)
    far, early, idle = members
    # far: screen and tools answered; not using AI, so the path is screen, tools, end: 2 of 3 pages
    view = taking.consent(session, keys, far.user, study.survey_id, True)
    view = taking.submit(session, keys, far.user, study.survey_id, page(view, AI_PATH[0]))
    taking.submit(session, keys, far.user, study.survey_id, page(view, {"uses": ["ehr"], "hours": "5"}))
    # early: only the screener answered: 1 of 3 pages (screen, tools, end)
    view = taking.consent(session, keys, early.user, study.survey_id, True)
    taking.submit(session, keys, early.user, study.survey_id, page(view, AI_PATH[0]))
    # idle: consented, answered nothing
    taking.consent(session, keys, idle.user, study.survey_id, True)
    assert dispositions.settle_at_close(session, keys, study) == 1
    session.commit()
    assert [_disposition(session, study, m) for m in members] == ["partial", "started", "started"]


def test_invitation_counts_for_the_client_name_no_member(client, session, hasher, auth):
    study, members, client_user, staff = _fielded(session, hasher, n=3)
    dispositions.advance(session, study.id, members[0].id, "opened")
    session.commit()
    headers = {"Authorization": f"Bearer {auth.token(client_user.email)}"}
    answer = client.get(f"/api/v1/studies/{study.id}/invitations", headers=headers)
    assert answer.status_code == 200
    assert answer.json["invited"] == 3 and answer.json["waves"] == 1
    assert answer.json["dispositions"] == {**dict.fromkeys(DISPOSITIONS, 0), "invited": 2, "opened": 1}
    assert answer.json["by_country"] == {"UK": {**dict.fromkeys(DISPOSITIONS, 0), "invited": 2, "opened": 1}}
    for member in members:
        assert member.user.email not in answer.text and f'"{member.id}"' not in answer.text
    staff_headers = {"Authorization": f"Bearer {auth.token(staff.email)}"}
    assert client.get(f"/api/v1/studies/{study.id}/invitations", headers=staff_headers).json["invited"] == 3


def test_a_client_of_another_organisation_gets_404(client, session, hasher, auth):
    study, *_ = _fielded(session, hasher)
    stranger = make_user(session, hasher, "client", organisation="Other Insights")
    headers = {"Authorization": f"Bearer {auth.token(stranger.email)}"}
    answer = client.get(f"/api/v1/studies/{study.id}/invitations", headers=headers)
    assert answer.status_code == 404 and "invited" not in answer.text
    member = doctor(session, hasher, "UK")
    member_headers = {"Authorization": f"Bearer {auth.token(member.user.email)}"}
    assert client.get(f"/api/v1/studies/{study.id}/invitations", headers=member_headers).status_code == 403


def test_a_bounced_invitee_still_finds_the_survey_in_the_app_and_can_start(session, hasher, keys):
    study, (member,), *_ = _fielded(session, hasher)
    dispositions.advance(session, study.id, member.id, "bounced")
    session.commit()
    taking.view(session, keys, member.user, study.survey_id)
    assert _disposition(session, study, member) == "bounced"  # opened ranks with bounced: no move
    taking.consent(session, keys, member.user, study.survey_id, True)
    assert _disposition(session, study, member) == "started"
