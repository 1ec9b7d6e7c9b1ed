"""A line's board reads its clocks in order from the ordered indexes and stops at the page's end
(workflows.supervision.board._first_due); a province's joins every clock in scope and sorts them. Both must give the
same page: checked here on real PostgreSQL, for every status and clock filter and page size, with ties,
closed cases, another line's cases and clocks in every bucket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from core.db import unit_of_work
from devtools.bench_board import NOW, load
from workflows.case.models import Case, Timer
from workflows.clocks.models import Ladder
from workflows.supervision import board
from workflows.supervision.board import BoardFilter, BoardScope, Horizon, board_rows


@pytest.fixture
def clocks(db: str) -> None:
    load(2000, echo=lambda _line: None)
    with unit_of_work() as uow:
        s = uow.session
        open_ids = list(s.scalars(select(Case.id).where(Case.state != "closed").order_by(Case.id)))
        # Deadlines in every bucket, two of them due at the same moment (the reference breaks the tie).
        due = [NOW - timedelta(minutes=5), NOW + timedelta(minutes=20), NOW + timedelta(minutes=20),
               NOW + timedelta(minutes=50), NOW + timedelta(hours=3), NOW + timedelta(hours=9)]
        s.execute(insert(Timer), [{"case_id": open_ids[i], "clock": clock, "kind": "deadline",
                                   "armed_in_state": "acknowledged", "due_at": at}
                                  for i, at in enumerate(due) for clock in ("plan", "assessment")])
        s.execute(update(Ladder).where(Ladder.case_id == open_ids[7], Ladder.clock == "acknowledge")
                  .values(stop_reason="taken_over"))
        s.execute(update(Case).where(Case.id.in_(open_ids[-3:])).values(line="222"))  # another line's
        uow.commit()


def _page(rows: list[object]) -> list[tuple[object, ...]]:
    return [(r["reference"], r["clock"], r["status"], r["due_at"], r["ladder"]) for r in rows]  # type: ignore[index]


@pytest.mark.parametrize("status", [None, "breached", "hour", "today", "nonsense"])
def test_a_lines_first_clocks_read_in_order_are_the_sorted_join(clocks: None, status: str | None) -> None:
    scope, horizon = BoardScope(line="111"), Horizon.at(NOW)
    with unit_of_work() as uow:
        s = uow.session
        everything = board._sorted_rows(s, scope=scope, horizon=horizon, filters=BoardFilter(status=status),
                                        limit=100_000)
        assert {r["status"] for r in everything} <= {"breached", "hour", "today"} and everything
        for clock in (None, "acknowledge", "assessment", "plan"):
            filters = BoardFilter(status=status, clock=clock)
            for limit in (1, 2, 7, 40, 100_000):
                read_in_order = board._first_due(s, scope=scope, horizon=horizon, filters=filters, limit=limit)
                joined = board._sorted_rows(s, scope=scope, horizon=horizon, filters=filters, limit=limit)
                assert _page(read_in_order) == _page(joined), (clock, limit)
        shown = board_rows(s, scope=scope, now=NOW, filters=BoardFilter(status=status))
    assert [(r.reference, r.clock, r.status) for r in shown] == [(r[0], r[1], r[2]) for r in _page(everything)][:200]
    assert not any(r["reference"] in {"TE000001900", "TE000001950", "TE000002000"} for r in everything)  # line 222
