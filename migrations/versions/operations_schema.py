"""operations: the sweeper's last round per worker (the "nothing swept for 60 s" alert reads it)

Revision ID: operations
Revises: board_channel
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "operations"
down_revision = "board_channel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sweeper_runs",
        sa.Column("worker", sa.String(length=128), primary_key=True),
        sa.Column("swept_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sweeper_runs")
