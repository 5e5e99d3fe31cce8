"""Anonymity: handles for peers, names only by the member's choice, identities never in API answers."""

from __future__ import annotations

from tests.factories import make_member, make_user


def test_peers_see_the_handle_not_the_name_by_default(client, session, hasher, auth):
    target = make_member(session, hasher)
    viewer = make_member(session, hasher)
    auth.login(viewer.user.email)
    page = client.get(f"/members/{target.handle}").text
    assert target.handle in page
    assert target.identity.full_name not in page
    assert target.identity.licence_number not in page


def test_a_member_can_choose_to_show_their_name_and_hide_it_again(client, session, hasher, auth):
    target = make_member(session, hasher)
    viewer = make_member(session, hasher)
    auth.login(target.user.email)
    client.post("/membership/privacy", data={"show_identity": "on"})
    auth.logout()
    auth.login(viewer.user.email)
    assert target.identity.full_name in client.get(f"/members/{target.handle}").text
    auth.logout()
    auth.login(target.user.email)
    client.post("/membership/privacy", data={})
    auth.logout()
    auth.login(viewer.user.email)
    page = client.get(f"/members/{target.handle}").text
    assert target.identity.full_name not in page
    assert target.identity.licence_number not in page


def test_api_me_never_carries_identity_for_any_role(client, session, hasher, auth):
    member = make_member(session, hasher, show_identity="on")
    emails = [member.user.email] + [
        make_user(session, hasher, role).email for role in ("client", "journalist", "staff")
    ]
    for email in emails:
        body = client.get("/api/v1/me", headers={"Authorization": f"Bearer {auth.token(email)}"}).text
        assert member.identity.full_name not in body
        assert member.identity.licence_number not in body
        assert "email" not in body


def test_staff_reading_an_identity_outside_review_is_impossible_for_others(app, session, hasher):
    import pytest

    from polling.errors import Forbidden
    from polling.members.service import read_identity

    member = make_member(session, hasher)
    journalist = make_user(session, hasher, "journalist")
    with app.test_request_context(), pytest.raises(Forbidden, match="Only verification staff"):
        read_identity(session, journalist, member.id, "curiosity")
