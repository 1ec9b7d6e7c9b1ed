"""ladders: escalation state per (case, clock), operator alerts; cases.escalation_level dropped

Revision ID: ladders
Revises: e7a19255f1ac
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ladders"
down_revision = "apitrust"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ladders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=40), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("loop", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("policy_version", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.String(length=64), nullable=True),
        sa.Column("told", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_ladders_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ladders")),
        sa.UniqueConstraint("case_id", "clock", name="uq_ladders_case_clock"),
    )
    with op.batch_alter_table("ladders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ladders_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ladders_next_at"), ["next_at"], unique=False)

    op.create_table(
        "operator_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_operator_alerts_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_alerts")),
    )
    with op.batch_alter_table("operator_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operator_alerts_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_operator_alerts_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_operator_alerts_resolved_at"), ["resolved_at"], unique=False)

    # One shared counter per case is replaced by the ladder rows; nothing in it is worth converting.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("escalation_level")


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalation_level", sa.Integer(), nullable=False, server_default="0"))
    op.drop_table("operator_alerts")
    op.drop_table("ladders")
