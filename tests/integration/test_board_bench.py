"""`hotline bench board` at a tiny size on the test database: the loader's rows and the measured queries
(the supervisor board's are the product's own, workflows.supervision.board)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.db import unit_of_work
from devtools.bench_board import NOW, load, measure
from workflows.case.models import Case, Timer
from workflows.clocks.models import Ladder
from workflows.supervision.board import BoardScope
from workflows.supervision.board_view import board_view
from workflows.supervision.statistics import Period, Scope, statistics


def test_the_bench_loads_cases_with_history_and_timers_and_times_the_queries(db: str) -> None:
    load(500, echo=lambda _line: None)
    with unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Case)) == 500
        assert uow.session.scalar(select(func.count()).select_from(Timer)) == 1000
        assert uow.session.scalar(select(func.count()).select_from(Ladder)) == 50  # 2 for each of 25 breached
        year = statistics(uow.session, period=Period(date(2025, 1, 1), date(2025, 12, 31)), scope=Scope())
    assert 45 <= year.cases_total <= 55 and sum(year.cases_by_age_band.values()) == year.cases_total
    assert year.durations[0].count == year.cases_total and year.breaches_by_clock.get("acknowledge", 0) > 0
    with unit_of_work() as uow:  # what the bench times has rows to find: open breached cases, both kinds
        view = board_view(uow.session, scope=BoardScope(line="111"), now=NOW)
    assert view.summary.totals["breached"] > 0 and {r.ladder for r in view.rows} >= {"running", "exhausted"}
    results = measure(board_runs=2, stats_runs=1)
    assert len(results) == 8 and all(p95 >= 0 for _median, p95 in results.values())
