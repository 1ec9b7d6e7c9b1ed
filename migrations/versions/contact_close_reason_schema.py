"""contacts: why a danger contact was closed without a case (the operator's reason, encrypted)

Revision ID: contact_close_reason
Revises: sealed_recipients
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "contact_close_reason"
down_revision = "sealed_recipients"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("intake_contacts", sa.Column("close_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intake_contacts") as batch:
        batch.drop_column("close_reason")
