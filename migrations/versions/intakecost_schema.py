"""intake cost: an assignment SMS whose reply code and one-tap link are issued when it is sent; a phone's
latest fold window found by one index step (the report path reads it for every foldable SMS)

Revision ID: intakecost
Revises: reporting
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "intakecost"
down_revision = "reporting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("keys_at_send", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("outbox_folds", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_folds_to_phone_window_end", ["to_phone", "window_end"], unique=False)
        batch_op.drop_index(batch_op.f("ix_outbox_folds_to_phone"))


def downgrade() -> None:
    with op.batch_alter_table("outbox_folds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_folds_to_phone"), ["to_phone"], unique=False)
        batch_op.drop_index("ix_outbox_folds_to_phone_window_end")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("keys_at_send")
