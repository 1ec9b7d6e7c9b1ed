"""intake cost: an assignment SMS whose reply code and one-tap link are issued when it is sent

Revision ID: intakecost
Revises: console
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "intakecost"
down_revision = "console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("keys_at_send", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("keys_at_send")
