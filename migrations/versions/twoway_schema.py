"""two-way conversations, presence, transfers, recordings (issue 23)

Revision ID: twoway
Revises: contact_close_reason

A conversation keeps where an operator's answer goes (encrypted, like the voicemail URL) and since when
a message from the public waits for one; an operator on duty has a presence; a contact has its own
alert ladders (unanswered, call-back, nobody free); live calls can be transferred; recordings are kept
encrypted, every listen written down, and deleted after the line's retention.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "twoway"
down_revision = "contact_close_reason"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_contacts") as batch:
        batch.add_column(sa.Column("reply_to", sa.Text(), nullable=True))
        batch.add_column(sa.Column("awaiting_reply_since", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_intake_contacts_awaiting_reply_since", ["awaiting_reply_since"])
    with op.batch_alter_table("duty_operators") as batch:
        batch.add_column(sa.Column("username", sa.String(64), nullable=True))
        batch.add_column(sa.Column("presence", sa.String(12), nullable=False, server_default="available"))
        batch.add_column(sa.Column("presence_since", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_duty_operators_username", ["username"])
    with op.batch_alter_table("operator_rings") as batch:
        batch.add_column(sa.Column("rung_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "contact_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("intake_contacts.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True, index=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("contact_id", "kind", name="uq_contact_alerts_contact_kind"),
    )
    op.create_table(
        "call_transfers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("intake_contacts.id"), nullable=False, index=True),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(12), nullable=False),
        sa.Column("conference", sa.String(64), nullable=False, unique=True),
        sa.Column("by_user", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
    )
    op.create_table(
        "call_recordings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("intake_contacts.id"), nullable=False, index=True),
        sa.Column("recording_sid", sa.String(64), nullable=False, unique=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delete_after", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "recording_listens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recording_id", sa.Integer(), sa.ForeignKey("call_recordings.id"), nullable=False, index=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("recording_listens")
    op.drop_table("call_recordings")
    op.drop_table("call_transfers")
    op.drop_table("contact_alerts")
    with op.batch_alter_table("operator_rings") as batch:
        batch.drop_column("rung_at")
    with op.batch_alter_table("duty_operators") as batch:
        batch.drop_index("ix_duty_operators_username")
        batch.drop_column("presence_since")
        batch.drop_column("presence")
        batch.drop_column("username")
    with op.batch_alter_table("intake_contacts") as batch:
        batch.drop_index("ix_intake_contacts_awaiting_reply_since")
        batch.drop_column("awaiting_reply_since")
        batch.drop_column("reply_to")
