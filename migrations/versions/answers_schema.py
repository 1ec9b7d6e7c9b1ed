"""answers: reply codes and one-tap answer links

Revision ID: answers
Revises: e7a19255f1ac
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "answers"
down_revision = "ladders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_reply_codes_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_codes")),
    )
    with op.batch_alter_table("reply_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reply_codes_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_reply_codes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "answer_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_answer_links_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_links")),
    )
    with op.batch_alter_table("answer_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_links_case_id"), ["case_id"], unique=False)

    op.create_table(
        "answer_link_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["answer_links.id"],
                                name=op.f("fk_answer_link_uses_link_id_answer_links"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_link_uses")),
        sa.UniqueConstraint("link_id", "action", name="uq_answer_link_uses_link_action"),
    )
    with op.batch_alter_table("answer_link_uses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_link_uses_link_id"), ["link_id"], unique=False)


def downgrade() -> None:
    op.drop_table("answer_link_uses")
    op.drop_table("answer_links")
    op.drop_table("reply_codes")
