"""board: report submissions and reminders; indexes for the board's and the statistics' queries

Revision ID: board
Revises: answers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "board"
down_revision = "delivery"
branch_labels = None
depends_on = None

# Indexes on existing tables, for queries over years of data (see devtools/bench_board.py).
INDEXES = (
    ("ix_cases_province_received", "cases", ["province_code", "received_at"]),
    ("ix_cases_commune_received", "cases", ["commune_code", "received_at"]),
    ("ix_cases_received_at", "cases", ["received_at"]),
    ("ix_case_history_case_event_at", "case_history", ["case_id", "event", "at"]),
    ("ix_case_history_event_at", "case_history", ["event", "at"]),
)
OPEN_CASE = "state NOT IN ('closed', 'merged', 'counselling', 'information', 'silent')"
# Partial indexes, wide enough for index-only scans: the board looks only at open cases and at timers
# still running or breached.
PARTIAL = (
    ("ix_cases_open_place", "cases", ["province_code", "commune_code", "id"], OPEN_CASE),
    ("ix_timers_running_due", "timers", ["due_at", "kind", "clock", "case_id"],
     "fired_at IS NULL AND cancelled_at IS NULL"),
    ("ix_timers_breached_case", "timers", ["case_id", "clock", "kind"],
     "fired_at IS NOT NULL AND cancelled_at IS NULL"),
)


def upgrade() -> None:
    op.create_table(
        "report_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("unit_code", sa.String(length=5), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_submissions")),
        sa.UniqueConstraint("level", "unit_code", "deadline", name="uq_report_submissions_unit"),
    )
    op.create_table(
        "report_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("unit_code", sa.String(length=5), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_reminders")),
        sa.UniqueConstraint("level", "unit_code", "deadline", "phone", name="uq_report_reminders_once"),
    )
    op.create_index("ix_report_reminders_deadline", "report_reminders", ["deadline"])
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    for name, table, columns, where in PARTIAL:
        op.create_index(name, table, columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade() -> None:
    for name, table, _columns, _where in reversed(PARTIAL):
        op.drop_index(name, table_name=table)
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_index("ix_report_reminders_deadline", table_name="report_reminders")
    op.drop_table("report_reminders")
    op.drop_table("report_submissions")
