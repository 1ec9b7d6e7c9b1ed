"""Everything one render of the supervisor board reads, in one place: the page, its live stream and
`hotline bench board` call this, so the benchmark times what the page runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.db import without_parallel_workers
from workflows.supervision.board import (
    BoardFilter,
    BoardRow,
    BoardScope,
    OpenCounts,
    Summary,
    Waiting,
    board_rows,
    board_summary,
    open_counts,
    waiting_for_approval,
)
from workflows.supervision.board_delivery import DeliveryProblems, delivery_problems


@dataclass(frozen=True)
class BoardView:
    now: datetime
    rows: list[BoardRow]
    summary: Summary
    counts: OpenCounts
    waiting: list[Waiting]
    delivery: DeliveryProblems


def board_view(
    session: Session, *, scope: BoardScope, now: datetime, filters: BoardFilter = BoardFilter()
) -> BoardView:
    without_parallel_workers(session)  # every read below is at most a few tens of thousands of rows
    return BoardView(now=now, rows=board_rows(session, scope=scope, now=now, filters=filters),
                     summary=board_summary(session, scope=scope, now=now), counts=open_counts(session, scope=scope),
                     waiting=waiting_for_approval(session, scope=scope),
                     delivery=delivery_problems(session, scope=scope, now=now))
