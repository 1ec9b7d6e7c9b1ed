"""supervisor board: covering indexes for the board's reads of open cases, unsatisfied ladders, channels

Revision ID: supervisor_board
Revises: commune
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Not "board": that revision id already names the statistics' migration (board_schema.py).
revision = "supervisor_board"
down_revision = "commune"
branch_labels = None
depends_on = None

OPEN_CASE = "state NOT IN ('closed', 'merged', 'counselling', 'information', 'silent')"
UNSATISFIED = "stop_reason IS NULL OR stop_reason IN ('exhausted', 'taken_over')"
# Everything the board reads of an open case, so its queries are index-only scans (workflows/supervision/board.py);
# the ladders still climbing, exhausted or taken over (a handful among years of satisfied ones).
INDEXES = (
    ("ix_cases_open_board", "cases", ["province_code", "commune_code", "id"],
     ["line", "state", "urgency", "category", "reference", "commune_name", "ticket_id"], OPEN_CASE),
    ("ix_ladders_unsatisfied", "ladders", ["case_id"], ["clock", "deadline_at", "step", "next_at", "stop_reason"],
     UNSATISFIED),
    # The open cases by the channel they came in by: the channel is the ticket's (one ticket per case).
    ("ix_tickets_id_channel", "tickets", ["id"], ["channel"], None),
)


def upgrade() -> None:
    for name, table, columns, include, where in INDEXES:
        predicate = None if where is None else sa.text(where)
        op.create_index(name, table, columns, postgresql_include=include, postgresql_where=predicate,
                        sqlite_where=predicate)


def downgrade() -> None:
    for name, table, _columns, _include, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
