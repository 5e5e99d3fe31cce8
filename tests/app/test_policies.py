"""Object-level permissions: staff duties, and clients who see only their own organisation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import delete

from polling import policies
from polling.accounts.duties import STAFF_DUTIES, StaffDuty
from polling.errors import Forbidden
from polling.polls import service
from tests.factories import make_member, make_poll, make_user, poll_form


@dataclass
class Study:
    organisation_id: int | None


def test_new_staff_hold_every_duty_and_lose_what_is_taken_away(session, hasher):
    staff = make_user(session, hasher, "staff")
    assert policies.duties_of(staff) == frozenset(STAFF_DUTIES)
    verifier = make_user(session, hasher, "staff")
    session.execute(
        delete(StaffDuty).where(StaffDuty.user_id == verifier.id, StaffDuty.duty != "verification")
    )
    session.commit()
    session.expire_all()
    verifier = session.merge(verifier)
    verifier.__dict__.pop("_pulse_staff_duties", None)
    with pytest.raises(Forbidden, match="Only staff may manage polls"):
        service.create_poll(session, verifier, poll_form())
    assert policies.can(verifier, "member.verify")
    assert not policies.can(verifier, "payout.approve")
    make_member(session, hasher)  # reviewed by a full staff account: verification still works


def test_a_client_sees_only_its_own_organisations_studies(session, hasher):
    ours = make_user(session, hasher, "client", organisation="Acme Research")
    theirs = make_user(session, hasher, "client", organisation="Other Insights")
    staff = make_user(session, hasher, "staff")
    study = Study(organisation_id=ours.organisation_id)
    assert policies.can(ours, "study.view", study)
    assert not policies.can(theirs, "study.view", study)  # same role, other organisation
    assert policies.can(staff, "study.view", study)  # fielding staff
    assert not policies.can(theirs, "organisation.view", ours.organisation)
    assert policies.can(ours, "organisation.view", ours.organisation)
    member = make_member(session, hasher)
    assert not policies.can(member.user, "study.view", study)
    assert not policies.can(None, "study.view", study)


def test_an_unknown_action_is_an_error_not_a_refusal(session, hasher):
    with pytest.raises(KeyError, match=r"no policy for 'poll\.delete'"):
        policies.can(make_user(session, hasher, "staff"), "poll.delete")


def test_a_proposal_is_visible_to_its_author_and_staff_only(session, hasher):
    author, other = make_member(session, hasher), make_member(session, hasher)
    proposal = service.propose_poll(session, author.user, poll_form())
    assert service.visible_poll(session, author.user, proposal.id) is proposal
    with pytest.raises(Exception, match="No poll with this number"):
        service.visible_poll(session, other.user, proposal.id)
    assert policies.can(make_user(session, hasher, "staff"), "poll.view", proposal)
    assert make_poll(session, hasher).status == "published"
