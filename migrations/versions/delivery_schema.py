"""delivery: attempts recorded before the provider call, recipient flags, provider alerts

Revision ID: delivery
Revises: e7a19255f1ac
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "delivery"
down_revision = "answers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="2"))
        batch_op.add_column(sa.Column("attempt_started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("provider_failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("failure_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("error_code", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_to_phone"), ["to_phone"], unique=False)

    op.create_table(
        "recipient_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient_flags")),
        sa.UniqueConstraint("phone", "channel", name="uq_recipient_flags_phone_channel"),
    )
    with op.batch_alter_table("recipient_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recipient_flags_phone"), ["phone"], unique=False)

    op.create_table(
        "provider_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("open_slot", sa.String(length=32), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_alerts")),
        sa.UniqueConstraint("open_slot", name=op.f("uq_provider_alerts_open_slot")),
    )


def downgrade() -> None:
    op.drop_table("provider_alerts")
    with op.batch_alter_table("recipient_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recipient_flags_phone"))
    op.drop_table("recipient_flags")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_to_phone"))
        batch_op.drop_column("error_code")
        batch_op.drop_column("failure_kind")
        batch_op.drop_column("provider_failures")
        batch_op.drop_column("attempt_started_at")
        batch_op.drop_column("priority")
