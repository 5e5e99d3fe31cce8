"""Migration 0008 on a database that already holds votes: random ids in a random order, the day only,
demographics generalised against the poll's crowd, live results counting every existing vote, and
member activity cut to the day (log-ins to the month)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from polling import migrate

NOW = datetime.now(UTC).replace(microsecond=0)


def _seed_before(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as c:
        for i in range(1, 8):
            c.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, role, created_at, last_login_at) "
                    "VALUES (:i, :e, 'x', 'member', :t, :t)"
                ),
                {"i": i, "e": f"m{i}@example.org", "t": NOW.isoformat(sep=" ")},
            )
            specialty = "cardiology" if i < 7 else "nephrology"  # one rare specialty
            c.execute(
                text(
                    "INSERT INTO members (id, user_id, handle, country, specialty, sex, birth_year, licence_year, "
                    "practice_setting, status, show_identity, created_at) VALUES "
                    "(:i, :i, :h, 'US', :s, 'female', 1975, 2001, 'hospital', 'verified', 0, :t)"
                ),
                {"i": i, "h": f"dr-{i}", "s": specialty, "t": NOW.isoformat(sep=" ")},
            )
        c.execute(
            text(
                "INSERT INTO api_tokens (id, user_id, token_hash, created_at, expires_at) VALUES "
                "(1, 1, 'a', :old, :old_end), (2, 2, 'b', :now, :now_end)"
            ),
            {
                "old": (NOW - timedelta(days=40)).isoformat(sep=" "),
                "old_end": (NOW - timedelta(days=39)).isoformat(sep=" "),
                "now": NOW.isoformat(sep=" "),
                "now_end": (NOW + timedelta(hours=1)).isoformat(sep=" "),
            },
        )
        c.execute(
            text(
                "INSERT INTO polls (id, question_en, question_es, multiple, topic, opens_at, closes_at, "
                "featured, status, created_at) VALUES (1, 'q', 'q', 0, 'other', :o, :c, 0, 'published', :o)"
            ),
            {
                "o": (NOW - timedelta(days=1)).isoformat(sep=" "),
                "c": (NOW + timedelta(days=5)).isoformat(sep=" "),
            },
        )
        for i in range(1, 8):
            specialty = "cardiology" if i < 7 else "nephrology"
            c.execute(
                text(
                    "INSERT INTO votes (id, poll_id, respondent_key, country, specialty, sex, age_band, "
                    "practice_band, options_mask, cast_at) VALUES "
                    "(:i, 1, :k, 'US', :s, 'female', '45-54', '20-29', 1, :t)"
                ),
                {
                    "i": i,
                    "k": f"{i:064d}",
                    "s": specialty,
                    "t": (NOW - timedelta(minutes=i)).isoformat(sep=" "),
                },
            )
    engine.dispose()


@pytest.mark.slow
def test_existing_votes_are_made_anonymous(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0006")
    _seed_before(url)
    migrate.upgrade(url, "0008")
    engine = create_engine(url)
    with engine.connect() as c:
        votes = c.execute(text("SELECT id, specialty, cast_on FROM votes")).all()
        ids = [v.id for v in votes]
        assert set(ids).isdisjoint(range(1, 8)) and all(i > 0 for i in ids)
        assert {str(v.cast_on) for v in votes} <= {
            str((NOW - timedelta(minutes=m)).date()) for m in range(1, 8)
        }
        assert "nephrology" not in {v.specialty for v in votes}  # the lone nephrologist is hidden
        live = c.execute(text("SELECT poll_id, votes FROM live_results")).all()
        assert [tuple(r) for r in live] == [(1, 7)]
        logins = {str(r[0])[:19] for r in c.execute(text("SELECT last_login_at FROM users"))}
        assert logins == {NOW.replace(day=1, hour=0, minute=0, second=0).strftime("%Y-%m-%d %H:%M:%S")}
        tokens = c.execute(text("SELECT id, created_at FROM api_tokens")).all()
        assert [t.id for t in tokens] == [2]  # the long-expired token is gone
        assert str(tokens[0].created_at)[11:19] == "00:00:00"
    engine.dispose()


def test_expired_tokens_go_a_whole_day_at_a_time(app, session, hasher) -> None:  # type: ignore[no-untyped-def]
    from polling.accounts.activity import activity_day, purge_expired_tokens
    from polling.accounts.models import ApiToken
    from tests.factories import make_member

    user = make_member(session, hasher).user
    today = activity_day(NOW)
    for n, (created, expires) in enumerate(
        (
            (today - timedelta(days=3), today - timedelta(days=3) + timedelta(hours=1)),  # goes
            (today - timedelta(hours=20), today - timedelta(hours=19)),  # yesterday's: kept a day more
            (today + timedelta(minutes=1), today + timedelta(minutes=61)),  # today's, maybe expired: kept
        )
    ):
        session.add(ApiToken(user_id=user.id, token_hash=f"{n:064d}", created_at=created, expires_at=expires))
    session.commit()
    assert purge_expired_tokens(session, today + timedelta(hours=23)) == 1
    session.commit()
    assert len(session.scalars(select(ApiToken)).all()) == 2
