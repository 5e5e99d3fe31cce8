"""exclusive poll options ("None of these" cannot be combined with other answers)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("poll_options", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exclusive", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("poll_options", schema=None) as batch_op:
        batch_op.drop_column("exclusive")
