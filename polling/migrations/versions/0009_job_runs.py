"""job_runs: claims of jobs that must run at most once per idempotency key

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import polling.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("job", sa.String(length=60), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("finished_at", polling.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
