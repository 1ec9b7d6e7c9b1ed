"""Daily jobs, run from the worker's sweeper: today, the reminders before each statistics deadline.

The database decides, as for timers: a `daily_runs` row per job holds when it runs next (a local hour,
HOTLINE_REPORT_REMINDER_HOUR). Every sweep asks for the rows that are due, locked with SKIP LOCKED, so of
many workers exactly one runs a job, in the same transaction that moves its row to the next day: a crash
rolls both back and the next sweep runs it again; a worker that was down makes up the day when it is back;
Redis plays no part (the messages it writes are in the outbox, which the deliverers read anyway). A job
that fails is tried again after RETRY, not every second.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.clock import VIETNAM, local, utcnow
from core.db import UnitOfWork, for_update
from core.settings import get_settings
from workflows.contacts.recordings import any_line_records, delete_expired_recordings
from workflows.supervision.daily_models import DailyRun
from workflows.supervision.report_reminders import queue_reminders

log = logging.getLogger(__name__)

RETRY = timedelta(minutes=10)
Job = Callable[[UnitOfWork, datetime], str]


def _report_reminders(uow: UnitOfWork, now: datetime) -> str:
    return f"{queue_reminders(uow, now=now)} reminders queued"


def daily_jobs() -> dict[str, Job]:
    """The jobs this installation runs (the report reminders can be switched off; recordings are deleted
    after their retention where a line records calls)."""
    jobs: dict[str, Job] = {"report_reminders": _report_reminders} if get_settings().report_reminders else {}
    if any_line_records():
        jobs["recordings_retention"] = delete_expired_recordings
    return jobs


def run_at(day: datetime, hour: int) -> datetime:
    """`hour`:00 in Vietnam on the local day of `day`, in UTC."""
    return datetime.combine(local(day).date(), time(hour), VIETNAM).astimezone(UTC)


def next_run(after: datetime, hour: int) -> datetime:
    """The first `hour`:00 in Vietnam strictly after `after`."""
    today = run_at(after, hour)
    return today if today > after else run_at(today + timedelta(days=1), hour)


def first_run(now: datetime, hour: int) -> datetime:
    """A job seen for the first time runs at today's hour, or at once when that has passed."""
    return max(run_at(now, hour), now)


def _ensure(uow_factory: Callable[[], UnitOfWork], name: str, now: datetime, hour: int) -> None:
    with uow_factory() as uow:
        if uow.session.get(DailyRun, name) is not None:
            return
        uow.session.add(DailyRun(name=name, next_at=first_run(now, hour)))
        try:
            uow.commit()
        except IntegrityError:
            pass  # another worker made it meanwhile


def run_due_daily_jobs(*, now: datetime | None = None, uow_factory: Callable[[], UnitOfWork] = UnitOfWork
                       ) -> dict[str, str]:
    """Run each daily job that is due; {name: outcome} of those that ran (or failed) in this call."""
    now = now or utcnow()
    hour = get_settings().report_reminder_hour
    done: dict[str, str] = {}
    for name, job in daily_jobs().items():
        _ensure(uow_factory, name, now, hour)
        try:
            with uow_factory() as uow:
                row = uow.session.scalar(for_update(uow.session, select(DailyRun).where(
                    DailyRun.name == name, DailyRun.next_at <= now), skip_locked=True))
                if row is None:
                    continue  # not due, or another worker is running it now
                outcome = job(uow, now)
                row.last_run_at, row.last_outcome, row.next_at = now, outcome[:200], next_run(now, hour)
                uow.commit()
                done[name] = outcome
        except Exception as exc:
            log.exception("daily job %s failed; trying again in %s", name, RETRY)
            done[name] = f"failed: {type(exc).__name__}"
            _postpone(uow_factory, name, now, done[name])
    return done


def _postpone(uow_factory: Callable[[], UnitOfWork], name: str, now: datetime, outcome: str) -> None:
    try:
        with uow_factory() as uow:
            row = uow.session.get(DailyRun, name)
            if row is not None:
                row.next_at, row.last_outcome = now + RETRY, outcome
                uow.commit()
    except Exception:
        log.exception("could not postpone daily job %s; the next sweep tries it again", name)
