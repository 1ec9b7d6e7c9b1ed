"""The report reminders as the worker runs them: a daily job of the sweeper, on real PostgreSQL, Redis and
an RQ worker, with a fixed clock. It goes out at the configured local hour, once a day however often the
sweeper asks, once per (deadline, person), to the communes' officers and chairs and to the province's
supervisors; a Redis outage loses nothing; a second worker holding the job makes the other skip it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from sqlalchemy import select

from core.clock import FrozenClock, set_clock
from core.db import UnitOfWork, for_update, unit_of_work
from core.queue import get_redis, work_queues
from core.settings import reset_settings
from tests.integration.test_board_reminders import report_roster  # noqa: F401 (a fixture)
from workflows.jobs import sweep
from workflows.supervision.daily import run_due_daily_jobs
from workflows.supervision.daily_models import DailyRun
from workflows.supervision.report_reminders import mark_submitted

VN = timedelta(hours=7)


def _vn(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - VN


@pytest.fixture
def clock(report_roster: None, redis_conn: object, gateway: object,  # noqa: F811 (the imported fixture)
          monkeypatch: pytest.MonkeyPatch) -> Iterator[FrozenClock]:
    monkeypatch.setenv("HOTLINE_REPORT_REMINDERS", "true")  # the test harness keeps them off elsewhere
    reset_settings()
    frozen = FrozenClock(_vn(date(2026, 5, 5), 7, 30))  # 07:30 in Vietnam, five days before 10/5
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)
    monkeypatch.undo()
    reset_settings()


def _deliver() -> None:
    """A real RQ worker drains the wake-ups (in this process, so it uses the fixed clock and the fake phones)."""
    redis = get_redis()
    SimpleWorker(work_queues(redis), connection=redis, serializer=JSONSerializer).work(burst=True)


def test_the_daily_job_reminds_at_its_hour_once_and_the_messages_go_out(clock: FrozenClock, gateway) -> None:
    assert run_due_daily_jobs() == {}  # 07:30: the job's hour (08:00) has not come
    clock.set(_vn(date(2026, 5, 5), 8) + timedelta(seconds=1))
    mark_submitted(UnitOfWork(), level="commune", unit_code="00008", deadline=date(2026, 5, 10), by="canbo",
                   now=clock.now())
    assert run_due_daily_jobs() == {"report_reminders": "2 reminders queued"}  # 00004's officer and chair
    assert run_due_daily_jobs() == {}  # the sweeper asks every second: once a day
    _deliver()
    assert sorted(to for _kind, to, _body in gateway.sent) == ["+8490000041", "+8490000042"]
    body = gateway.sent[0][2]
    assert body.isascii() and "10/05/2026" in body and "xa" in body and "TE" not in body
    with unit_of_work() as uow:
        row = uow.session.get(DailyRun, "report_reminders")
        assert row is not None and row.next_at == _vn(date(2026, 5, 6), 8)
    clock.set(_vn(date(2026, 5, 6), 9))  # the next morning: nothing twice
    assert run_due_daily_jobs() == {"report_reminders": "0 reminders queued"}
    clock.set(_vn(date(2026, 5, 15), 8, 5))  # the province's window (20/5) opens
    assert run_due_daily_jobs() == {"report_reminders": "1 reminders queued"}
    _deliver()
    assert [to for _kind, to, _body in gateway.sent[2:]] == ["+84909000001"]
    assert "tinh" in gateway.sent[2][2] and "20/05/2026" in gateway.sent[2][2]


def test_a_redis_outage_loses_no_reminder(clock: FrozenClock, gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    redis_url = os.environ["HOTLINE_REDIS_URL"]
    monkeypatch.setenv("HOTLINE_REDIS_URL", "redis://127.0.0.1:9/0")  # nothing listens there
    reset_settings()
    clock.set(_vn(date(2026, 5, 5), 8, 0))
    assert run_due_daily_jobs() == {"report_reminders": "4 reminders queued"}  # the wake-ups fail, logged
    monkeypatch.setenv("HOTLINE_REDIS_URL", redis_url)
    reset_settings()
    _deliver()
    assert gateway.sent == []  # Redis never heard of them
    clock.advance(timedelta(seconds=30))
    assert sweep()["messages_requeued"] == 4  # the sweeper reads the outbox
    _deliver()
    assert len(gateway.sent) == 4 and run_due_daily_jobs() == {}


def test_a_job_another_worker_is_running_is_skipped(clock: FrozenClock) -> None:
    clock.set(_vn(date(2026, 5, 5), 8, 0))
    run_due_daily_jobs(now=_vn(date(2026, 5, 5), 7))  # makes the row, not due yet
    with unit_of_work() as other:  # another worker holds the row while it runs the job
        held = other.session.scalar(for_update(other.session, select(DailyRun)))
        assert held is not None
        assert run_due_daily_jobs() == {}
    assert run_due_daily_jobs() == {"report_reminders": "4 reminders queued"}


def test_switched_off_it_sends_nothing(clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_REPORT_REMINDERS", "false")
    reset_settings()
    clock.set(_vn(date(2026, 5, 5), 8, 0))
    assert run_due_daily_jobs() == {}

