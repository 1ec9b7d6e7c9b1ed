"""line board: the channel kept on the case, the unsatisfied ladders ordered by deadline

Revision ID: board_channel
Revises: supervisor_board

A line's board (every province) counted its 20,000 open cases by channel by looking up each one's
ticket, and sorted every unsatisfied ladder to show the first 200. The channel a case came in by is now
kept on the case (a copy of its ticket's, which never changes), inside the open cases' covering index,
so the counts are one index-only scan; and the unsatisfied ladders' index is ordered by deadline, so
the default list reads the oldest clocks first and stops (workflows/supervision/board.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "board_channel"
down_revision = "supervisor_board"
branch_labels = None
depends_on = None

OPEN_CASE = "state NOT IN ('closed', 'merged', 'counselling', 'information', 'silent')"
UNSATISFIED = "stop_reason IS NULL OR stop_reason IN ('exhausted', 'taken_over')"
OPEN_BOARD = ["line", "state", "urgency", "category", "reference", "commune_name", "ticket_id"]


def _index(name: str, table: str, columns: list[str], include: list[str], where: str | None) -> None:
    predicate = None if where is None else sa.text(where)
    op.create_index(name, table, columns, postgresql_include=include, postgresql_where=predicate,
                    sqlite_where=predicate)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("channel", sa.String(16), nullable=True))
    op.execute("UPDATE cases SET channel = (SELECT tickets.channel FROM tickets WHERE tickets.id = cases.ticket_id)")
    op.drop_index("ix_cases_open_board", table_name="cases")
    _index("ix_cases_open_board", "cases", ["province_code", "commune_code", "id"], [*OPEN_BOARD, "channel"],
           OPEN_CASE)
    op.drop_index("ix_tickets_id_channel", table_name="tickets")
    op.drop_index("ix_ladders_unsatisfied", table_name="ladders")
    _index("ix_ladders_unsatisfied", "ladders", ["deadline_at", "case_id"], ["clock", "step", "next_at", "stop_reason"],
           UNSATISFIED)


def downgrade() -> None:
    op.drop_index("ix_ladders_unsatisfied", table_name="ladders")
    _index("ix_ladders_unsatisfied", "ladders", ["case_id"], ["clock", "deadline_at", "step", "next_at", "stop_reason"],
           UNSATISFIED)
    _index("ix_tickets_id_channel", "tickets", ["id"], ["channel"], None)
    op.drop_index("ix_cases_open_board", table_name="cases")
    _index("ix_cases_open_board", "cases", ["province_code", "commune_code", "id"], OPEN_BOARD, OPEN_CASE)
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("channel")
