"""contacts before cases: intake contacts, their messages, call-back tasks, blocked callers, operators on duty

Revision ID: channels
Revises: e7a19255f1ac
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "channels"
down_revision = "e7a19255f1ac"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "intake_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("line", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("caller_index", sa.String(64), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("danger_now", sa.Boolean(), nullable=False),
        sa.Column("menu_choice", sa.String(16), nullable=True),
        sa.Column("invalid_inputs", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(40), nullable=True),
        sa.Column("ring_index", sa.Integer(), nullable=False),
        sa.Column("call_status", sa.String(16), nullable=True),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("queued_at", TS, nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("last_message_at", TS, nullable=True),
        sa.Column("answered_by", sa.String(64), nullable=True),
        sa.Column("recording_url", sa.Text(), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("outcome_topic", sa.String(40), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_intake_contacts_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_contacts")),
        sa.UniqueConstraint("channel", "external_id", name="uq_intake_contacts_channel_external"),
        sa.UniqueConstraint("reference", name=op.f("uq_intake_contacts_reference")),
    )
    for column in ("reference", "line", "channel", "caller_index", "state", "started_at", "outcome", "case_id"):
        op.create_index(op.f(f"ix_intake_contacts_{column}"), "intake_contacts", [column])
    op.create_table(
        "contact_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("provider", sa.String(10), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["intake_contacts.id"],
                                name=op.f("fk_contact_messages_contact_id_intake_contacts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_messages")),
        sa.UniqueConstraint("provider", "external_id", name="uq_contact_messages_provider_external"),
    )
    op.create_index(op.f("ix_contact_messages_contact_id"), "contact_messages", ["contact_id"])
    op.create_table(
        "callback_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", TS, nullable=True),
        sa.Column("done_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["intake_contacts.id"],
                                name=op.f("fk_callback_tasks_contact_id_intake_contacts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_tasks")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_callback_tasks_contact_id")),
    )
    op.create_index(op.f("ix_callback_tasks_due_at"), "callback_tasks", ["due_at"])
    op.create_index(op.f("ix_callback_tasks_done_at"), "callback_tasks", ["done_at"])
    op.create_table(
        "blocked_callers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("caller_index", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("blocked_at", TS, nullable=False),
        sa.Column("until", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_callers")),
        sa.UniqueConstraint("caller_index", name=op.f("uq_blocked_callers_caller_index")),
    )
    op.create_table(
        "duty_operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line", sa.String(16), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("address", sa.String(120), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("ring_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_operators")),
        sa.UniqueConstraint("line", "address", name="uq_duty_operators_line_address"),
    )
    op.create_index(op.f("ix_duty_operators_line"), "duty_operators", ["line"])
    op.create_table(
        "operator_rings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["intake_contacts.id"],
                                name=op.f("fk_operator_rings_contact_id_intake_contacts")),
        sa.ForeignKeyConstraint(["operator_id"], ["duty_operators.id"],
                                name=op.f("fk_operator_rings_operator_id_duty_operators")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_rings")),
        sa.UniqueConstraint("outbox_id", name=op.f("uq_operator_rings_outbox_id")),
    )
    op.create_index(op.f("ix_operator_rings_contact_id"), "operator_rings", ["contact_id"])
    op.create_table(
        "zalo_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zalo_tokens")),
    )
    with op.batch_alter_table("outbox") as batch:  # answers to the public: "zalo:<user id>"
        batch.alter_column("to_phone", existing_type=sa.String(20), type_=sa.String(64), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("to_phone", existing_type=sa.String(64), type_=sa.String(20), existing_nullable=False)
    for table in ("zalo_tokens", "operator_rings", "duty_operators", "blocked_callers", "callback_tasks",
                  "contact_messages", "intake_contacts"):
        op.drop_table(table)
