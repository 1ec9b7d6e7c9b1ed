"""sealed recipients: the public's numbers in the outbox only as a keyed hash, the number encrypted

Revision ID: sealed_recipients
Revises: referrals

An answer to a member of the public who wrote to the line (through Jasmin's short code, or a Zalo user's
id) kept their number in `outbox.to_phone`, in clear, in every dump and backup. It now keeps
"pub:<keyed hash>" there (the per-recipient throttle needs equality only) and the number, encrypted, in
`to_sealed`. The rows already written are converted here: a Zalo address, or an answer ("reply") to a
number that is on no roster.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "sealed_recipients"
down_revision = "referrals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from core.crypto import encrypt
    from notifier.outbox import public_address

    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("to_sealed", sa.Text(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, to_phone FROM outbox WHERE to_phone LIKE 'zalo:%' OR (purpose = 'reply' AND to_phone NOT LIKE "
        "'pub:%' AND to_phone NOT IN (SELECT phone FROM contacts) AND to_phone NOT IN (SELECT phone FROM supervisors))"
    )).all()
    for outbox_id, to_phone in rows:
        bind.execute(sa.text("UPDATE outbox SET to_phone = :hashed, to_sealed = :sealed WHERE id = :id"),
                     {"hashed": public_address(to_phone), "sealed": encrypt(to_phone), "id": outbox_id})


def downgrade() -> None:
    # The numbers stay sealed: a downgrade does not write the public's numbers back in clear.
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("to_sealed")
