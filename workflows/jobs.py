"""RQ jobs: thin, JSON arguments (ids only); each opens a unit of work and calls a service."""

from __future__ import annotations

import logging
from collections.abc import Callable

from rq.exceptions import DuplicateJobError
from sqlalchemy import select

from core.clock import utcnow
from core.db import UnitOfWork, unit_of_work
from core.ids import job_id
from core.queue import get_queue
from notifier.outbox import due_for_delivery
from workflows.case.effects import DELIVER_JOB
from workflows.case.models import Case, Timer
from workflows.clocks.timers import lock_due, lock_overdue
from workflows.contacts.alerts import climb_contact_alerts
from workflows.escalation.breaches import on_timer
from workflows.field.delivery import deliver_next
from workflows.referrals import ladder as referral_ladder
from workflows.team.assignment import lock_case_row

log = logging.getLogger(__name__)


def fire_timer(timer_id: int) -> str:
    """Fire one timer if it is due and not yet fired; a repeat or a stale wake-up does nothing."""
    with unit_of_work() as uow:
        outcome = fire_timer_in(uow, timer_id)
        uow.commit()
        return outcome


def fire_timer_in(uow: UnitOfWork, timer_id: int) -> str:
    # The case's row first, then the timer's: the order an answer takes (it locks the case, then cancels its
    # timers). Timer first, an acknowledgement at the same moment deadlocked with the firing; now one waits
    # for the other, and the timer fires (or finds itself cancelled) on the case as the answer left it.
    s = uow.session
    case_id = s.execute(select(Timer.case_id).where(Timer.id == timer_id)).scalar_one_or_none()
    case = None if case_id is None else lock_case_row(s, case_id)
    if case is None:
        return "noop"
    timer = lock_due(s, timer_id, now=utcnow())
    if timer is None:
        return "noop"
    return on_timer(uow, case, timer, now=utcnow())


def fire_referral(referral_id: int) -> str:
    """A referral's ladder rung (workflows.referrals.ladder); a stale or repeated wake-up does nothing."""
    with unit_of_work() as uow:
        outcome = referral_ladder.fire(uow, referral_id, now=utcnow())
        uow.commit()
        return outcome


def deliver_message(outbox_id: int) -> str:
    """The RQ wake-up for a message: in a worker with delivery threads, wake them (they pick the most
    urgent due row, whichever it is); elsewhere (burst mode, tests) deliver this row here."""
    if _Waker.wake is not None:
        _Waker.wake()
        return "woken"
    return deliver_next(only=outbox_id) or "skipped"


class _Waker:
    wake: Callable[[], None] | None = None


def use_delivery_waker(wake: Callable[[], None] | None) -> None:
    """The worker's delivery threads take over message jobs (intake.runtime)."""
    _Waker.wake = wake


def _cases_of(uow: UnitOfWork, timers: list[Timer]) -> dict[int, Case]:
    """A batch's cases in one query (a query per timer capped the sweeper at a few hundred a second); their
    rows are already locked (`lock_overdue`)."""
    ids = {timer.case_id for timer in timers}
    if not ids:
        return {}
    return {case.id: case for case in uow.session.execute(select(Case).where(Case.id.in_(ids))).scalars()}


def _fire_one(uow: UnitOfWork, case: Case, timer: Timer) -> bool:
    """One timer's effects in a savepoint: a failing one is retried next round, the rest of the batch goes on."""
    try:
        with uow.session.begin_nested():
            on_timer(uow, case, timer, now=utcnow())
    except Exception:
        log.exception("timer %s failed; it stays due and is tried again next round", timer.id)
        timer.fired_at = None
        return False
    return True


def sweep(limit: int = 500) -> dict[str, int]:
    """Fire every overdue timer and re-send every pending message, whatever Redis did."""
    fired = 0
    while True:
        with unit_of_work() as uow:
            timers = lock_overdue(uow.session, now=utcnow(), limit=limit)
            cases = _cases_of(uow, timers)
            done = sum(_fire_one(uow, cases[timer.case_id], timer) for timer in timers)
            uow.commit()
        fired += done
        # A short batch means nothing is left; a batch where nothing fired would come back the same.
        if len(timers) < limit or done == 0:
            break
    referrals = 0
    try:  # a referral that fails to climb must not keep the messages below from being re-sent
        with unit_of_work() as uow:
            referrals = referral_ladder.sweep(uow, now=utcnow())
            uow.commit()
    except Exception:
        log.exception("referral ladders not swept this round; tried again next round")
    with unit_of_work() as uow:
        alerts = climb_contact_alerts(uow, now=utcnow())  # the public waiting on us: unanswered, call-backs
        uow.commit()
    with unit_of_work() as uow:
        due = due_for_delivery(uow.session, now=utcnow())
    # One job per row and state (attempt, next time): repeated sweeps, or sweeps during a Redis outage,
    # never pile up jobs for the same message.
    queued = sum(_wake_up(outbox_id, job_id("outbox", outbox_id, n, int(at.timestamp()))) for outbox_id, n, at in due)
    if referrals:
        log.info("referral ladders: %d rungs fired", referrals)
    return {"timers_fired": fired, "messages_requeued": queued, "contact_alerts": alerts}


def _wake_up(outbox_id: int, job: str) -> bool:
    try:
        get_queue(messages=True).enqueue(DELIVER_JOB, outbox_id, job_id=job, unique=True, result_ttl=600,
                                         failure_ttl=86400)
    except DuplicateJobError:
        return False
    except Exception as exc:  # Redis down: the delivery threads read the database anyway
        log.warning("wake-up for a message not queued (%s)", type(exc).__name__)
        return False
    return True
