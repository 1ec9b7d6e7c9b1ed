"""RQ jobs: thin, JSON arguments (ids only); each opens a unit of work and calls a service."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from core.clock import utcnow
from core.db import UnitOfWork, unit_of_work
from core.ids import job_id
from core.queue import enqueue, schedule
from notifier.models import OutboxMessage
from notifier.outbox import deliver, due_for_delivery
from workflows.context import gateways
from workflows.effects import DELIVER_JOB
from workflows.escalation import on_timer
from workflows.models import Case, Timer
from workflows.timers import lock_due, lock_overdue
from workflows.undeliverable import next_after_failure

log = logging.getLogger(__name__)


def fire_timer(timer_id: int) -> str:
    """Fire one timer if it is due and not yet fired; a repeat or a stale wake-up does nothing."""
    with unit_of_work() as uow:
        outcome = fire_timer_in(uow, timer_id)
        uow.commit()
        return outcome


def fire_timer_in(uow: UnitOfWork, timer_id: int) -> str:
    timer = lock_due(uow.session, timer_id, now=utcnow())
    if timer is None:
        return "noop"
    case = uow.session.execute(select(Case).where(Case.id == timer.case_id)).scalar_one()
    return on_timer(uow, case, timer, now=utcnow())


def deliver_message(outbox_id: int) -> str:
    sms, caller = gateways()
    with unit_of_work() as uow:
        status = deliver(uow.session, outbox_id=outbox_id, sms=sms, caller=caller, now=utcnow())
        retry_at = _retry_time(uow, outbox_id) if status == "pending" else None
        if status == "failed":
            failed = uow.session.get(OutboxMessage, outbox_id)
            if failed is not None:
                next_after_failure(uow, failed)
        uow.commit()
    if retry_at is not None:
        schedule(DELIVER_JOB, retry_at, outbox_id, job_id=job_id("outbox", outbox_id, int(retry_at.timestamp())),
                 messages=True)
    return status


def _retry_time(uow: UnitOfWork, outbox_id: int) -> datetime | None:
    msg = uow.session.get(OutboxMessage, outbox_id)
    return msg.next_attempt_at if msg is not None else None


def _cases_of(uow: UnitOfWork, timers: list[Timer]) -> dict[int, Case]:
    """A batch's cases in one query (a query per timer capped the sweeper at a few hundred a second)."""
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
    with unit_of_work() as uow:
        pending = due_for_delivery(uow.session, now=utcnow())
        uow.commit()
    for outbox_id in pending:
        enqueue(DELIVER_JOB, outbox_id, messages=True)
    return {"timers_fired": fired, "messages_requeued": len(pending)}
