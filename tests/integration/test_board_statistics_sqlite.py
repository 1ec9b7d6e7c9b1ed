"""The embedded default (SQLite) computes the same durations in Python that PostgreSQL's percentile_cont does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from core.db import Base
from migrations.tables import import_all
from workflows.case.models import Case, CaseHistory, Ticket
from workflows.supervision.statistics import Period, Scope, statistics


def test_sqlite_durations_and_counts() -> None:
    import_all()
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    t0 = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)
    with Session(engine) as s:
        for n, hours in enumerate((1, 3, 5), start=1):
            s.add(Ticket(id=n, reference=f"TK{n}", channel="phone", received_at=t0))
            s.add(Case(id=n, reference=f"TE{n}", ticket_id=n, state="assigned", urgency="high", received_at=t0,
                       description="x", child_sex="female", child_age=str(n * 5), province_code="01",
                       commune_code="00004", category="violence", line="111"))
            s.add(CaseHistory(case_id=n, at=t0 + timedelta(hours=hours), actor="t", via="system",
                              event="acknowledge"))
        s.commit()
        found = statistics(s, period=Period(date(2026, 1, 1), date(2026, 6, 30)), scope=Scope(province="01"))
    assert found.cases_total == 3 and found.cases_by_age_band == {"0-5": 1, "6-10": 1, "11-15": 1}
    ack = found.durations[0]
    assert (ack.count, ack.median_hours, ack.p90_hours) == (3, 3.0, 4.6)
    engine.dispose()
