"""the intake desk: Form 01 records of cases (encrypted), the taxonomy version they were recorded under

Revision ID: console
Revises: delivery
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "console"
down_revision = "board"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_intake_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("taxonomy_version", sa.String(40), nullable=False),
        sa.Column("abuser_is_caregiver", sa.Boolean(), nullable=False),
        sa.Column("received_elsewhere_at", TS, nullable=True),
        sa.Column("received_elsewhere_by", sa.String(20), nullable=True),
        sa.Column("received_by", sa.String(64), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_intake_records_case_id_cases")),
        sa.ForeignKeyConstraint(["contact_id"], ["intake_contacts.id"],
                                name=op.f("fk_case_intake_records_contact_id_intake_contacts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_intake_records")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_intake_records_case_id")),
    )


def downgrade() -> None:
    op.drop_table("case_intake_records")
