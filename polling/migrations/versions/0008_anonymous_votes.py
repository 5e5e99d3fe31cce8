"""anonymous votes: random ids, the day instead of the time, k-anonymous demographics, live results;
last log-ins kept to the month, API tokens to the day, expired tokens purged

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-30 11:40:00

Existing votes are rewritten in a random order with random ids (on SQLite the table is stored in
id order; on PostgreSQL rewritten rows are appended in the order they are written), their
demographics generalised against each poll's eligible verified members of today, as new votes
are (polling.respondents.anonymity), and all of them counted in the new live results.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import polling.db
from polling.accounts.activity import TOKEN_RETENTION
from polling.respondents.anonymity import at_level, generalise
from polling.respondents.demographics import Snapshot
from sampling.codes import age_band, practice_band
from sampling.generalisation import LEVELS

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cast_on", sa.Date(), nullable=True))
        if not sqlite:
            batch_op.alter_column("id", type_=sa.BigInteger(), existing_nullable=False, server_default=None)
    connection = op.get_bind()
    if not sqlite:
        connection.execute(sa.text("DROP SEQUENCE IF EXISTS votes_id_seq CASCADE"))
    # The UTC day: SQLite keeps UTC text, PostgreSQL a timestamptz.
    day = "substr(cast_at, 1, 10)" if sqlite else "CAST(cast_at AT TIME ZONE 'UTC' AS DATE)"
    connection.execute(sa.text(f"UPDATE votes SET cast_on = {day}"))
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.alter_column("cast_on", existing_type=sa.Date(), nullable=False)
        batch_op.drop_column("cast_at")
    _generalise_existing(connection)
    _member_activity(connection)
    op.create_table(
        "live_results",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_live_results_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("poll_id", name=op.f("pk_live_results")),
    )
    _release_existing(connection)


def _release_existing(connection: sa.Connection) -> None:
    """Live results of existing polls count every vote they have (they were shown already)."""
    live = sa.table("live_results", sa.column("poll_id"), sa.column("votes"), sa.column("cells", sa.JSON()))
    cells: dict[int, list[list[object]]] = defaultdict(list)
    totals: dict[int, int] = defaultdict(int)
    for poll_id, *cell, n in connection.execute(
        sa.text(
            "SELECT poll_id, country, specialty, sex, age_band, practice_band, options_mask, COUNT(*) "
            "FROM votes GROUP BY poll_id, country, specialty, sex, age_band, practice_band, options_mask"
        )
    ):
        cells[poll_id].append([*cell, int(n)])
        totals[poll_id] += int(n)
    for poll_id, rows in cells.items():
        connection.execute(
            live.insert().values(poll_id=poll_id, votes=totals[poll_id], cells=sorted(rows, key=repr))
        )


def _generalise_existing(connection: sa.Connection) -> None:
    members = connection.execute(
        sa.text(
            "SELECT country, specialty, sex, birth_year, licence_year FROM members WHERE status = 'verified'"
        )
    ).all()
    countries: dict[int, set[str]] = defaultdict(set)
    specialties: dict[int, set[str]] = defaultdict(set)
    for poll_id, code in connection.execute(sa.text("SELECT poll_id, country FROM poll_countries")):
        countries[poll_id].add(code)
    for poll_id, code in connection.execute(sa.text("SELECT poll_id, specialty FROM poll_specialties")):
        specialties[poll_id].add(code)
    votes = connection.execute(
        sa.text("SELECT id, poll_id, country, specialty, sex, age_band, practice_band, cast_on FROM votes")
    ).all()
    rng = random.SystemRandom()
    order = list(votes)
    rng.shuffle(order)
    partitions = {}
    taken: set[int] = set()
    for vote_id, poll_id, country, specialty, sex, band, practice, cast_on in order:
        year = int(str(cast_on)[:4])
        if (poll_id, year) not in partitions:
            crowd: dict[Snapshot, int] = defaultdict(int)
            for m_country, m_specialty, m_sex, birth_year, licence_year in members:
                if countries[poll_id] and m_country not in countries[poll_id]:
                    continue
                if specialties[poll_id] and m_specialty not in specialties[poll_id]:
                    continue
                crowd[
                    Snapshot(
                        m_country,
                        m_specialty,
                        m_sex,
                        age_band(birth_year, year),
                        practice_band(licence_year, year),
                    )
                ] += 1
            partitions[poll_id, year] = generalise(crowd)
        exact = Snapshot(country, specialty, sex, band, practice)
        stored = partitions[poll_id, year].stored.get(exact) or at_level(exact, LEVELS[-1])
        new_id = rng.getrandbits(62) + 1
        while new_id in taken:
            new_id = rng.getrandbits(62) + 1
        taken.add(new_id)
        connection.execute(
            sa.text(
                "UPDATE votes SET id = :new, country = :country, specialty = :specialty, sex = :sex, "
                "age_band = :age_band, practice_band = :practice_band WHERE id = :old"
            ),
            {"new": -new_id, "old": vote_id, **stored.as_columns()},
        )
    # Negative first, so that a new id never meets an old one; then positive.
    connection.execute(sa.text("UPDATE votes SET id = -id WHERE id < 0"))


def _member_activity(connection: sa.Connection) -> None:
    """Log-ins and token creations to the day; tokens expire at the end of a day; old tokens go."""
    moment = polling.db.UTCDateTime(timezone=True)
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("last_login_at", moment))
    tokens = sa.table(
        "api_tokens",
        sa.column("id", sa.Integer),
        sa.column("created_at", moment),
        sa.column("expires_at", moment),
    )
    now = datetime.now(UTC)
    cutoff = _midnight(now) - TOKEN_RETENTION
    connection.execute(tokens.delete().where(tokens.c.expires_at < now, tokens.c.created_at < cutoff))
    for row_id, last_login in connection.execute(
        sa.select(users.c.id, users.c.last_login_at).where(users.c.last_login_at.is_not(None))
    ).all():
        connection.execute(
            users.update()
            .where(users.c.id == row_id)
            .values(last_login_at=_midnight(last_login).replace(day=1))
        )
    for row_id, created, expires in connection.execute(
        sa.select(tokens.c.id, tokens.c.created_at, tokens.c.expires_at)
    ).all():
        connection.execute(
            tokens.update()
            .where(tokens.c.id == row_id)
            .values(created_at=_midnight(created), expires_at=_midnight(expires) + timedelta(days=1))
        )


def _midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def downgrade() -> None:
    op.drop_table("live_results")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cast_at", polling.db.UTCDateTime(timezone=True), nullable=True))
    op.get_bind().execute(sa.text("UPDATE votes SET cast_at = cast_on"))
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.alter_column("cast_at", existing_type=polling.db.UTCDateTime(timezone=True), nullable=False)
        batch_op.drop_column("cast_on")
