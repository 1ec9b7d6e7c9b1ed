"""reporting: the child's age band in clear (backfilled from the encrypted age); the daily jobs' table

Revision ID: reporting
Revises: console

A year's statistics decrypted every child's age to count age bands (1.2 s of 2 s for a national year at
100,000 cases a year). A band is not an identity: `cases.child_age_band` keeps it in clear. The backfill
decrypts each stored age once, with the keys the application has (an age no key opens stays NULL, which
the statistics count as unknown, as they did before). `daily_runs` holds when each daily job (the report
reminders) runs next, so that one worker runs it once a day whatever Redis does.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from core.crypto import EncryptedText, Unreadable
from workflows.case.age_bands import UNKNOWN, age_band

revision = "reporting"
down_revision = "console"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
BATCH = 5000


def backfill_age_bands(conn: sa.Connection) -> tuple[int, int]:
    """Fill child_age_band from the encrypted age; (bands written, ages that could not be decrypted)."""
    cases = sa.table("cases", sa.column("id", sa.Integer()), sa.column("child_age", EncryptedText()),
                     sa.column("child_age_band", sa.String()))
    conn.execute(sa.update(cases).where(cases.c.child_age.is_(None), cases.c.child_age_band.is_(None))
                 .values(child_age_band=UNKNOWN))
    update = sa.update(cases).where(cases.c.id == sa.bindparam("case_id")).values(
        child_age_band=sa.bindparam("band"))
    written = unreadable = last = 0
    while True:  # keyset pages: no cursor held across the updates (SQLite cannot, PostgreSQL need not)
        rows = conn.execute(sa.select(cases.c.id, cases.c.child_age)
                            .where(cases.c.id > last, cases.c.child_age.is_not(None), cases.c.child_age_band.is_(None))
                            .order_by(cases.c.id).limit(BATCH)).all()
        if not rows:
            return written, unreadable
        last = rows[-1].id
        params = [{"case_id": row.id, "band": age_band(row.child_age)} for row in rows
                  if not isinstance(row.child_age, Unreadable)]
        unreadable += len(rows) - len(params)
        if params:
            conn.execute(update, params)
        written += len(params)


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("child_age_band", sa.String(length=8), nullable=True))
    written, unreadable = backfill_age_bands(op.get_bind())
    if written or unreadable:
        log.info("age bands: %d filled, %d ages could not be decrypted (left unknown)", written, unreadable)
    op.create_table(
        "daily_runs",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_daily_runs")),
    )


def downgrade() -> None:
    op.drop_table("daily_runs")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("child_age_band")
