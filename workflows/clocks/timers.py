"""SLA timers as rows. Arming writes rows; firing locks the row and is a no-op if stale or fired.

Redis only wakes us up (a job per timer under a deterministic id, scheduled after commit); the
sweeper fires whatever is overdue whatever Redis did, so a FLUSHALL or a dead worker loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.db import UnitOfWork, for_update
from core.ids import job_id
from core.queue import WakeUp
from workflows.case.models import Case, Timer
from workflows.clocks.models import Ladder
from workflows.clocks.policy import SlaPolicy

FIRE_JOB = "workflows.jobs.fire_timer"


def arm(
    session: Session, case: Case, clock: str, *, policy: SlaPolicy, start: datetime, now: datetime
) -> list[Timer]:
    """The deadline of `clock` for this case and its reminders, as rows (not yet scheduled, not yet
    flushed: they go in with the case's next flush, and their wake-ups read the ids after the commit)."""
    urgency, province = case.urgency, case.province_code
    due = policy.deadline(clock, urgency=urgency, province_code=province, start=start)
    rows = [Timer(case_id=case.id, clock=clock, kind="deadline", armed_in_state=case.state, due_at=due)]
    for at in policy.reminder_times(clock, urgency=urgency, province_code=province, start=start):
        if at > now:
            rows.append(
                Timer(case_id=case.id, clock=clock, kind="reminder", armed_in_state=case.state, due_at=at)
            )
    case.timers.extend(rows)
    return rows


def wake_up_after_commit(uow: UnitOfWork, timers: Iterable[Timer]) -> None:
    for timer in timers:
        uow.wake_up(_wake_up_of(timer))


def _wake_up_of(timer: Timer) -> Callable[[], WakeUp | None]:
    # Built after the commit: the timer's id may come from the flush the commit itself made.
    return lambda: None if timer.id is None else WakeUp(
        FIRE_JOB, (timer.id,), job_id=timer_job_id(timer.id, timer.due_at), at=wake_up_at(timer.due_at))


def wake_up_at(due_at: datetime) -> datetime:
    """`due_at` rounded up to the second: RQ keeps whole seconds and would otherwise wake us up to a second
    early, when `lock_due` finds the timer not yet due and leaves it to the sweeper."""
    whole = due_at.replace(microsecond=0)
    return whole if whole == due_at else whole + timedelta(seconds=1)


def timer_job_id(timer_id: int, due_at: datetime) -> str:
    return job_id("timer", timer_id, int(due_at.timestamp()))


def cancel_open(session: Session, case: Case, *, now: datetime, keep: Sequence[str] = ()) -> int:
    """Moving on cancels what the case was waiting for, except the clocks in `keep`, and stops their
    ladders: a clock that is satisfied escalates no further."""
    count = 0
    for timer in case.timers:
        if timer.fired_at is None and timer.cancelled_at is None and timer.clock not in keep:
            timer.cancelled_at = now
            count += 1
    if not any(t.kind == "deadline" and t.fired_at is not None for t in case.timers):
        return count  # a ladder starts only when a deadline fires: none to stop (and no query at intake)
    # An exhausted ladder, or one a supervisor stopped by taking the case over, is still an unsatisfied
    # clock (the supervisor board lists it as breached) until the case moves on.
    unsatisfied = or_(Ladder.stopped_at.is_(None), ~Ladder.stop_reason.like("satisfied:%"))
    running = select(Ladder).where(Ladder.case_id == case.id, unsatisfied)
    for ladder in session.execute(running).scalars():
        if ladder.clock not in keep:
            ladder.stopped_at, ladder.next_at, ladder.stop_reason = now, None, f"satisfied:{case.state}"
    return count


def lock_due(session: Session, timer_id: int, *, now: datetime) -> Timer | None:
    """The timer, locked, if it is due and neither fired nor cancelled; else None (a no-op)."""
    timer = session.execute(
        for_update(session, select(Timer).where(Timer.id == timer_id))
    ).scalar_one_or_none()
    return _claim(timer, now=now)


def lock_overdue(session: Session, *, now: datetime, limit: int = 500) -> list[Timer]:
    """Up to `limit` overdue timers, locked with their cases and marked fired in one query; a timer another
    firer holds, or whose case another transaction holds (an answer, a supervisor), is skipped this round.

    The sweeper's batch form of `lock_due`: a row it returns was locked with the conditions re-checked on
    its latest version, so no other firer can have fired or cancelled it. The case is locked too, never
    waited for: an answer holding the case and cancelling this timer would deadlock with a batch that
    fires it on the case as it was before the answer.
    """
    stmt = (
        select(Timer)
        .join(Case, Case.id == Timer.case_id)  # FOR UPDATE without OF: the case's row is locked as well
        .where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at <= now)
        .order_by(Timer.due_at)
        .limit(limit)
    )
    locked = session.execute(for_update(session, stmt, skip_locked=True)).scalars()
    return [timer for timer in locked if _claim(timer, now=now) is not None]


def _claim(timer: Timer | None, *, now: datetime) -> Timer | None:
    if timer is None or timer.fired_at is not None or timer.cancelled_at is not None:
        return None
    if timer.due_at > now:
        return None
    timer.fired_at = now
    return timer
