"""supervisor board: covering partial indexes for the board's reads of open cases and unsatisfied ladders

Revision ID: supervisor_board
Revises: console
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Not "board": that revision id already names the statistics' migration (board_schema.py).
revision = "supervisor_board"
down_revision = "console"
branch_labels = None
depends_on = None

OPEN_CASE = "state NOT IN ('closed', 'merged', 'counselling', 'information', 'silent')"
UNSATISFIED = "stop_reason IS NULL OR stop_reason IN ('exhausted', 'taken_over')"
# Everything the board reads of an open case, so its queries are index-only scans (workflows/board.py);
# the ladders still climbing, exhausted or taken over (a handful among years of satisfied ones).
INDEXES = (
    ("ix_cases_open_board", "cases", ["province_code", "commune_code", "id"],
     ["line", "state", "urgency", "category", "reference", "commune_name", "ticket_id"], OPEN_CASE),
    ("ix_ladders_unsatisfied", "ladders", ["case_id"], ["clock", "deadline_at", "step", "next_at", "stop_reason"],
     UNSATISFIED),
)


def upgrade() -> None:
    for name, table, columns, include, where in INDEXES:
        op.create_index(name, table, columns, postgresql_include=include, postgresql_where=sa.text(where),
                        sqlite_where=sa.text(where))


def downgrade() -> None:
    for name, table, _columns, _include, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
