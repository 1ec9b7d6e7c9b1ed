"""commune pages: the child's home commune on the case, one-time sign-in codes, the case's form records

Revision ID: commune
Revises: intakecost
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "commune"
down_revision = "intakecost"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("home_commune_code", sa.String(5), nullable=True))
        batch.create_index(batch.f("ix_cases_home_commune_code"), ["home_commune_code"])
    op.create_table(
        "sign_in_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_index", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_codes")),
    )
    for column in ("phone_index", "client", "created_at"):
        op.create_index(op.f(f"ix_sign_in_codes_{column}"), "sign_in_codes", [column])
    op.create_table(
        "case_form_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(16), nullable=False),
        sa.Column("trigger", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(32), nullable=False),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("role", sa.String(24), nullable=True),
        sa.Column("via", sa.String(10), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_form_records_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_form_records")),
    )
    op.create_index(op.f("ix_case_form_records_case_id"), "case_form_records", ["case_id"])


def downgrade() -> None:
    op.drop_table("case_form_records")
    op.drop_table("sign_in_codes")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index(batch.f("ix_cases_home_commune_code"))
        batch.drop_column("home_commune_code")
