"""Drawing the invitation sample: per cell, more invitations where past response is lower, never
twice to one study, within each member's frequency cap; invitees alone see the survey in the app."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from polling.db import utcnow
from polling.studies import invitations, review
from polling.studies.invitations import Settings, draw_wave
from polling.studies.models import Invitation, InvitationCap, StudyCell
from tests.factories import make_user
from tests.studies.fielding_helpers import doctor, honoraria, submitted_study


def _history(session, client_user, members, completes: int):  # type: ignore[no-untyped-def]
    """An earlier (closed) study that invited ``members`` 60 days ago; ``completes`` of them completed."""
    old = submitted_study(session, client_user, cells=(("UK", "cardiology", 5),), status="closed")
    day = utcnow().date() - timedelta(days=60)
    for i, member in enumerate(members):
        session.add(
            Invitation(
                study_id=old.id,
                member_id=member.id,
                cell_id=old.cells[0].id,
                disposition="complete" if i < completes else "invited",
                invited_on=day,
                mailed_on=day,
            )
        )
    session.commit()
    return old


def _by_cell(session, study_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(StudyCell.country, func.count())
        .join(Invitation, Invitation.cell_id == StudyCell.id)
        .where(Invitation.study_id == study_id)
        .group_by(StudyCell.country)
    )
    return dict(rows.all())


def test_cells_that_answer_less_get_more_invitations_capped_by_the_eligible(session, hasher):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    uk = [doctor(session, hasher, "UK") for _ in range(10)]
    es = [doctor(session, hasher, "ES") for _ in range(4)]
    doctor(session, hasher, "UK", specialty="psychiatry")  # not in any cell
    _history(session, client_user, uk, completes=8)
    study = submitted_study(session, client_user)  # UK target 3, ES target 2
    review.approve(session, staff, study.id, honoraria)

    rates = invitations.response_rates(session, study)
    # Beta(2, 8) prior: UK (8 + 2) / (10 + 10) = 0.5 from history; ES no history, the prior's 0.2.
    assert rates == {("UK", "cardiology"): 0.5, ("ES", "cardiology"): 0.2}
    draws = {d.cell_id: d for d in draw_wave(session, study.id, Settings())}
    session.commit()
    uk_cell, es_cell = study.cells
    # UK: ceil(3 / 0.5) = 6 of 10 eligible; ES: ceil(2 / 0.2) = 10 wanted, only 4 eligible.
    assert (draws[uk_cell.id].wanted, draws[uk_cell.id].invited) == (6, 6)
    assert (draws[es_cell.id].wanted, draws[es_cell.id].eligible, draws[es_cell.id].invited) == (10, 4, 4)
    assert _by_cell(session, study.id) == {"UK": 6, "ES": 4}
    invited = set(session.scalars(select(Invitation.member_id).where(Invitation.study_id == study.id)))
    assert invited <= {m.id for m in uk + es}
    assert {m.id for m in es} <= invited


def test_a_member_is_never_invited_twice_to_one_study(session, hasher):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    members = [doctor(session, hasher, "UK") for _ in range(3)]
    study = submitted_study(session, client_user, cells=(("UK", "cardiology", 3),))
    review.approve(session, staff, study.id, honoraria)
    first = draw_wave(session, study.id, Settings())
    session.commit()
    assert first[0].invited == 3  # wanted 15, three eligible
    # later waves find no one new: everyone is already invited
    for _ in range(2):
        assert draw_wave(session, study.id, Settings(), utcnow().date() + timedelta(days=4))[0].invited == 0
        session.commit()
    per_member = session.execute(
        select(Invitation.member_id, func.count())
        .where(Invitation.study_id == study.id)
        .group_by(Invitation.member_id)
    ).all()
    assert sorted(per_member) == sorted((m.id, 1) for m in members)
    assert {
        w for (w,) in session.execute(select(Invitation.wave).where(Invitation.study_id == study.id))
    } == {1}


def test_the_frequency_cap_keeps_busy_members_out(session, hasher):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    busy, own_cap, rested, fresh = (doctor(session, hasher, "UK") for _ in range(4))
    today = utcnow().date()
    earlier = [
        submitted_study(session, client_user, cells=(("UK", "cardiology", 1),), status="closed")
        for _ in range(4)
    ]
    for i, old in enumerate(earlier):  # busy: 4 invitations in the last 30 days (the default cap)
        session.add(Invitation(study_id=old.id, member_id=busy.id, invited_on=today - timedelta(days=i * 5)))
        session.add(
            Invitation(study_id=old.id, member_id=rested.id, invited_on=today - timedelta(days=30 + i))
        )
    session.add(
        Invitation(study_id=earlier[0].id, member_id=own_cap.id, invited_on=today - timedelta(days=2))
    )
    session.add(InvitationCap(member_id=own_cap.id, per_30_days=1))
    session.commit()
    study = submitted_study(session, client_user, cells=(("UK", "cardiology", 5),))
    review.approve(session, staff, study.id, honoraria)
    draw_wave(session, study.id, Settings(cap=4))
    session.commit()
    invited = set(session.scalars(select(Invitation.member_id).where(Invitation.study_id == study.id)))
    assert invited == {rested.id, fresh.id}


def test_cells_by_sex_and_age_band_invite_only_their_members(session, hasher):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    year = utcnow().year
    woman_50 = doctor(
        session, hasher, "UK", sex="female", birth_year=str(year - 50), licence_year=str(year - 5)
    )
    doctor(session, hasher, "UK", sex="male", birth_year=str(year - 50), licence_year=str(year - 5))
    doctor(session, hasher, "UK", sex="female", birth_year=str(year - 30), licence_year=str(year - 5))
    study = submitted_study(session, client_user, cells=(("UK", "cardiology", 1),))
    study.cells[0].sex, study.cells[0].age_band = "female", "45-54"
    session.commit()
    review.approve(session, staff, study.id, honoraria)
    draw_wave(session, study.id, Settings())
    session.commit()
    assert list(session.scalars(select(Invitation.member_id).where(Invitation.study_id == study.id))) == [
        woman_50.id
    ]


def test_a_new_wave_is_drawn_only_when_completes_fall_behind(session, hasher):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    [doctor(session, hasher, "UK") for _ in range(3)]
    study = submitted_study(session, client_user, cells=(("UK", "cardiology", 1),))
    review.approve(session, staff, study.id, honoraria)
    settings = Settings(wave_days=3)
    assert invitations.needs_wave(session, study.id, settings)  # nothing drawn yet
    draw_wave(session, study.id, settings)
    session.commit()
    today = utcnow().date()
    assert not invitations.needs_wave(session, study.id, settings, today + timedelta(days=1))  # too soon
    # 3 outstanding × 0.2 = 0.6 expected completes < target 1: behind once the wave is 3 days old
    assert invitations.needs_wave(session, study.id, settings, today + timedelta(days=3))
    session.execute(
        Invitation.__table__.update().where(Invitation.study_id == study.id).values(disposition="complete")
    )
    session.commit()
    assert not invitations.needs_wave(session, study.id, settings, today + timedelta(days=3))


def test_only_invitees_see_and_open_an_invitation_only_survey(client, session, hasher, auth):
    client_user = make_user(session, hasher, "client")
    staff = make_user(session, hasher, "staff")
    invitee = doctor(session, hasher, "UK")
    study = submitted_study(session, client_user, cells=(("UK", "cardiology", 1),))
    review.approve(session, staff, study.id, honoraria)
    draw_wave(session, study.id, Settings())
    session.commit()
    outsider = doctor(session, hasher, "UK")  # eligible, verified, but drawn after the wave
    auth.login(invitee.user.email)
    home = client.get("/")
    assert "Heart failure treatment choices" in home.text
    assert client.get(f"/surveys/{study.survey_id}").status_code == 200
    auth.logout()
    auth.login(outsider.user.email)
    assert "Heart failure treatment choices" not in client.get("/").text
    refused = client.get(f"/surveys/{study.survey_id}")
    assert refused.status_code == 403 and "by invitation only" in refused.text
    assert client.post(f"/surveys/{study.survey_id}/consent", data={"consent": "yes"}).status_code == 403
    token = auth.token(outsider.user.email)
    cards = client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {token}"})
    assert cards.status_code == 200 and all(c["id"] != study.survey_id for c in cards.json)
