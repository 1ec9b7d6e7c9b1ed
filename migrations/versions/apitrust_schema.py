"""An Idempotency-Key answers only the same request: the hash of the first request's body.

Revision ID: apitrust
Revises: e7a19255f1ac
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "apitrust"
down_revision = "people"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("raw_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("raw_submissions", schema=None) as batch_op:
        batch_op.drop_column("request_hash")
