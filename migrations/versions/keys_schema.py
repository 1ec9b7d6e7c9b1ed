"""keys: encrypted routing decisions and history facts; the outbox's fold table

Revision ID: keys
Revises: e7a19255f1ac

route_records.decision becomes TEXT (an encrypted JSON value); the old rows keep their clear JSON,
which the application still reads, until `hotline keys rotate` encrypts them (and the clear
case_history.reason values, which the column reads as they are until then).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "keys"
down_revision = "channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("route_records", schema=None) as batch_op:
        batch_op.alter_column("decision", existing_type=sa.JSON(), type_=sa.Text(), existing_nullable=False,
                              postgresql_using="decision::text")
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facts", sa.Text(), nullable=True))

    op.create_table(
        "outbox_folds",
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("to_phone", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("commune", sa.String(length=120), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("folded_into", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name=op.f("fk_outbox_folds_outbox_id_outbox"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_outbox_folds")),
    )
    with op.batch_alter_table("outbox_folds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_folds_to_phone"), ["to_phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_folds_folded_into"), ["folded_into"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_folds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_folds_folded_into"))
        batch_op.drop_index(batch_op.f("ix_outbox_folds_to_phone"))
    op.drop_table("outbox_folds")
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.drop_column("facts")
    # Encrypted decisions cannot go back into a JSON column: run with the keys and decrypt first.
    with op.batch_alter_table("route_records", schema=None) as batch_op:
        batch_op.alter_column("decision", existing_type=sa.Text(), type_=sa.JSON(), existing_nullable=False,
                              postgresql_using="decision::json")
