"""poll targeting as rows (poll_countries, poll_specialties replace space-joined codes); staff duties

Every existing staff account holds all three duties (verification, fielding, finance).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DUTIES = ("verification", "fielding", "finance")


def upgrade() -> None:
    op.create_table(
        "poll_countries",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_countries_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("poll_id", "country", name=op.f("pk_poll_countries")),
    )
    op.create_table(
        "poll_specialties",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("specialty", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_specialties_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("poll_id", "specialty", name=op.f("pk_poll_specialties")),
    )
    connection = op.get_bind()
    polls = connection.execute(sa.text("SELECT id, countries, specialties FROM polls")).all()
    for poll_id, countries, specialties in polls:
        for position, code in enumerate(dict.fromkeys((countries or "").split())):
            connection.execute(
                sa.text("INSERT INTO poll_countries (poll_id, country, position) VALUES (:p, :c, :i)"),
                {"p": poll_id, "c": code, "i": position},
            )
        for position, code in enumerate(dict.fromkeys((specialties or "").split())):
            connection.execute(
                sa.text("INSERT INTO poll_specialties (poll_id, specialty, position) VALUES (:p, :s, :i)"),
                {"p": poll_id, "s": code, "i": position},
            )
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.drop_column("specialties")
        batch_op.drop_column("countries")
    op.create_table(
        "staff_duties",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("duty", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_duties_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "duty", name=op.f("pk_staff_duties")),
    )
    staff = connection.execute(sa.text("SELECT id FROM users WHERE role = 'staff'")).scalars().all()
    for user_id in staff:
        for duty in DUTIES:
            connection.execute(
                sa.text("INSERT INTO staff_duties (user_id, duty) VALUES (:u, :d)"), {"u": user_id, "d": duty}
            )


def downgrade() -> None:
    op.drop_table("staff_duties")
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("countries", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("specialties", sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    for column, table, code in (
        ("countries", "poll_countries", "country"),
        ("specialties", "poll_specialties", "specialty"),
    ):
        rows = connection.execute(
            sa.text(f"SELECT poll_id, {code} FROM {table} ORDER BY poll_id, position")
        ).all()
        joined: dict[int, list[str]] = {}
        for poll_id, value in rows:
            joined.setdefault(poll_id, []).append(value)
        for poll_id, values in joined.items():
            connection.execute(
                sa.text(f"UPDATE polls SET {column} = :v WHERE id = :p"),
                {"v": " ".join(values), "p": poll_id},
            )
    op.drop_table("poll_specialties")
    op.drop_table("poll_countries")
