"""The embedded default (SQLite, the demo) runs the supervisor board's queries too: the same rows and counts
(one GROUP BY each where PostgreSQL uses GROUPING SETS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from core.db import Base
from migrations.tables import import_all
from workflows.case.models import Case, Ticket, Timer
from workflows.clocks.models import Ladder
from workflows.supervision.board import BoardScope, change_counter
from workflows.supervision.board_view import board_view

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def test_sqlite_board_rows_summary_and_counts() -> None:
    import_all()
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        for n, state in enumerate(("assigned", "assigned", "closed"), start=1):
            channel = "web" if n == 1 else "voice"
            s.add(Ticket(id=n, reference=f"TK{n}", channel=channel, received_at=NOW))
            s.add(Case(id=n, reference=f"TE{n}", ticket_id=n, channel=channel, state=state, urgency="high",
                       received_at=NOW, description="x", province_code="44", commune_code="19597",
                       commune_name="Xã Cam Lộ", category="violence", line="111"))
        s.add(Timer(case_id=1, clock="acknowledge", kind="deadline", armed_in_state="assigned",
                    due_at=NOW + timedelta(minutes=30)))
        s.add(Ladder(case_id=2, clock="acknowledge", deadline_at=NOW - timedelta(hours=1), step=1, loop=0,
                     policy_version="t", told=[]))
        s.add(Ladder(case_id=3, clock="acknowledge", deadline_at=NOW - timedelta(hours=1), step=1, loop=0,
                     policy_version="t", told=[], stopped_at=NOW, stop_reason="exhausted"))  # closed: not shown
        s.commit()
        view = board_view(s, scope=BoardScope(line="111"), now=NOW)
        assert change_counter(s)[0] == 0
    assert [(r.reference, r.status) for r in view.rows] == [("TE2", "breached"), ("TE1", "hour")]
    assert view.summary.counts == {"44": {"breached": 1, "hour": 1, "today": 0, "later": 0}}
    assert view.counts.by_state == [("assigned", 2)] and sorted(view.counts.by_channel) == [("voice", 1), ("web", 1)]
    engine.dispose()
