"""The operator's commands: create-account and seed-demo."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from polling.accounts.models import ClientOrganisation, User
from polling.members.models import MemberProfile
from polling.polls.models import Poll, Vote


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_create_staff_client_and_journalist(runner, session):
    for args in (
        ["staff", "ops@example.org"],
        ["journalist", "press@example.org"],
        ["client", "buyer@example.org", "--organisation", "Acme Research"],
    ):
        result = runner.invoke(args=["create-account", *args, "--password", "correct horse battery"])
        assert result.exit_code == 0, result.output
    roles = dict(session.execute(select(User.email, User.role)).all())
    assert roles == {
        "ops@example.org": "staff",
        "press@example.org": "journalist",
        "buyer@example.org": "client",
    }
    assert session.scalar(select(ClientOrganisation.name)) == "Acme Research"


def test_create_verified_member(runner, session):
    result = runner.invoke(
        args=[
            "create-account",
            "member",
            "doc@example.org",
            "--password",
            "correct horse battery",
            "--country",
            "AU",
            "--specialty",
            "dermatology",
            "--licence",
            "MED0001234567",
            "--sex",
            "male",
            "--birth-year",
            "1970",
            "--verified",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "verified" in result.output
    member = session.scalar(select(MemberProfile))
    assert (member.country, member.specialty, member.status) == ("AU", "dermatology", "verified")


def test_member_with_bad_licence_is_refused_naming_the_option(runner, session):
    result = runner.invoke(
        args=[
            "create-account",
            "member",
            "doc@example.org",
            "--password",
            "correct horse battery",
            "--country",
            "US",
            "--specialty",
            "cardiology",
            "--licence",
            "1234567890",
            "--sex",
            "female",
            "--birth-year",
            "1970",
        ]
    )
    assert result.exit_code == 1
    assert "--licence: 1234567890 is not a valid NPI" in result.output
    assert _count(session, User) == 0


def test_client_without_organisation_is_refused(runner, session):
    result = runner.invoke(
        args=["create-account", "client", "buyer@example.org", "--password", "correct horse battery"]
    )
    assert result.exit_code == 1
    assert "--organisation: A research client belongs to an organisation" in result.output
    assert _count(session, User) == 0


def test_weak_password_is_refused(runner, session):
    result = runner.invoke(args=["create-account", "staff", "ops@example.org", "--password", "short"])
    assert result.exit_code == 1
    assert "--password: Choose a password of at least 10 characters." in result.output


@pytest.mark.slow  # seeds the whole 5,000-member demo
def test_seed_demo_twice_adds_nothing_the_second_time(runner, session):
    first = runner.invoke(args=["seed-demo", "--members", "120", "--seed", "7"])
    assert first.exit_code == 0, first.output
    assert "120 physicians," in first.output
    counts = (
        _count(session, User),
        _count(session, MemberProfile),
        _count(session, Poll),
        _count(session, Vote),
    )
    second = runner.invoke(args=["seed-demo", "--members", "120", "--seed", "7"])
    assert "0 physicians, 0 poll votes and 0 published reports added" in second.output
    assert (
        _count(session, User),
        _count(session, MemberProfile),
        _count(session, Poll),
        _count(session, Vote),
    ) == counts
    assert counts[:3] == (120 + 6, 120 + 3, 5)
    assert counts[3] > 100


@pytest.mark.slow  # seeds the whole 5,000-member demo
def test_demo_membership_is_skewed_against_the_population(runner, session):
    runner.invoke(args=["seed-demo", "--members", "600", "--seed", "3"])
    male = session.scalar(select(func.count()).select_from(MemberProfile).where(MemberProfile.sex == "male"))
    assert male / 603 > 0.6  # men over-represented relative to the ~50-63% male physician populations
    countries = set(session.scalars(select(MemberProfile.country)))
    assert {"US", "UK", "ES", "MX"} <= countries


@pytest.mark.slow
def test_demo_accounts_can_log_in(runner, client):
    from polling.demo import ACCOUNTS

    runner.invoke(args=["seed-demo", "--members", "10"])
    for account in ACCOUNTS:
        answer = client.post("/login", data={"email": account.email, "password": account.password})
        assert answer.status_code == 302, account.email
        client.post("/logout")


@pytest.mark.slow  # seeds the whole 5,000-member demo
def test_demo_polls_are_open_and_closed_and_the_demo_logins_have_not_voted(runner, session):
    from polling.polls.service import state

    runner.invoke(args=["seed-demo", "--members", "200"])
    states = sorted(state(p) for p in session.scalars(select(Poll)))
    assert states.count("open") >= 2 and states.count("closed") >= 2
    assert "system@pulse.invalid" not in {u.email for u in session.scalars(select(User))}


def test_seed_demo_refuses_production_unless_forced(database_url):
    from polling import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "s", "PULSE_ENV": "production"})
    refused = app.test_cli_runner().invoke(args=["seed-demo", "--members", "10"])
    assert refused.exit_code != 0
    assert "PULSE_ENV=production" in refused.output and "--force" in refused.output
    with app.app_context():
        from polling.db import get_session

        assert _count(get_session(), User) == 0
    app.extensions["pulse.engine"].dispose()


def test_backup_and_restore_round_trip(app, runner, tmp_path):
    """Back up, change the database, restore: the backed-up state is back, on both databases."""
    import stat

    from polling.db import session_scope

    assert (
        runner.invoke(
            args=["create-account", "staff", "kept@example.org", "--password", "correct horse battery"]
        ).exit_code
        == 0
    )
    target = tmp_path / "pulse.backup"
    made = runner.invoke(args=["backup", str(target)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    runner.invoke(
        args=["create-account", "staff", "later@example.org", "--password", "correct horse battery"]
    )
    app.extensions["pulse.engine"].dispose()
    restored = runner.invoke(args=["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    with session_scope(app) as session:
        emails = set(session.scalars(select(User.email)))
    assert emails == {"kept@example.org"}


def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path, database_url):
    junk = tmp_path / "junk.backup"
    junk.write_text("not a database")
    answer = runner.invoke(args=["restore", str(junk), "--yes"])
    assert answer.exit_code != 0
    assert "failed" in answer.output or "not a Pulse SQLite backup" in answer.output
