"""Targeting stored as rows: the feed, the reasons, the eligible crowd, and the data migration."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from polling import migrate
from polling.polls import service
from polling.respondents import targeting
from tests.factories import make_member, make_poll


def test_the_feed_and_the_reasons_follow_the_target_rows(app, session, hasher):
    for_us_cardio = make_poll(session, hasher, countries=["US"], specialties=["cardiology"])
    for_all = make_poll(session, hasher)
    us_cardiologist = make_member(session, hasher, country="US", specialty="cardiology")
    uk_cardiologist = make_member(
        session, hasher, country="UK", specialty="cardiology", licence_number="7654321"
    )
    us_gp = make_member(session, hasher, country="US", specialty="family_medicine")
    feed = {m.id: {p.id for p in service.feed(session, m)} for m in (us_cardiologist, uk_cardiologist, us_gp)}
    assert feed[us_cardiologist.id] == {for_us_cardio.id, for_all.id}
    assert feed[uk_cardiologist.id] == feed[us_gp.id] == {for_all.id}
    with app.test_request_context():
        assert "United States" in str(targeting.ineligibility(for_us_cardio, uk_cardiologist))
        assert "Cardiology" in str(targeting.ineligibility(for_us_cardio, us_gp))
        assert targeting.ineligibility(for_us_cardio, us_cardiologist) is None


def test_eligible_members_are_the_verified_members_a_study_is_for(session, hasher):
    for n, (country, specialty, status) in enumerate(
        [
            ("ES", "cardiology", "verified"),
            ("ES", "cardiology", "pending"),
            ("MX", "cardiology", "verified"),
            ("ES", "psychiatry", "verified"),
        ]
    ):
        number = f"28{n:07d}" if country == "ES" else f"{1234567 + n}"
        make_member(
            session, hasher, country=country, specialty=specialty, status=status, licence_number=number
        )
    count = sa.select(sa.func.count()).select_from(
        targeting.eligible_members(["ES"], ["cardiology"]).subquery()
    )
    assert session.scalar(count) == 1
    everyone = sa.select(sa.func.count()).select_from(targeting.eligible_members([], []).subquery())
    assert session.scalar(everyone) == 3


@pytest.mark.slow
def test_migration_turns_space_joined_codes_into_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0004")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO polls (id, question_en, question_es, multiple, topic, countries, specialties, "
                "opens_at, closes_at, featured, status, created_at) VALUES (1, 'q', 'q', 0, 'other', 'US UK', "
                "'cardiology', '2026-01-01', '2026-02-01', 0, 'published', '2026-01-01')"
            )
        )
    migrate.upgrade(url)
    with engine.connect() as connection:
        countries = connection.execute(
            sa.text("SELECT country FROM poll_countries ORDER BY position")
        ).scalars()
        assert list(countries) == ["US", "UK"]
        assert connection.execute(sa.text("SELECT specialty FROM poll_specialties")).scalars().all() == [
            "cardiology"
        ]
    migrate.downgrade(url, "0004")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT countries, specialties FROM polls")).one() == (
            "US UK",
            "cardiology",
        )
    engine.dispose()
