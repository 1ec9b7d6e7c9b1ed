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
from notifier.models import OutboxMessage
from notifier.outbox import (
    Attempt,
    DeliveryPolicy,
    claim_next,
    due_for_delivery,
    known_sids,
    lookup_window,
    record_outcome,
    status_callback_url,
)
from notifier.ports import DeliveryError, OutcomeUnknown, RecipientFailure, Sent
from notifier.provider_health import note_provider_failure, note_provider_success
from workflows.assignment import fail_over
from workflows.context import gateways
from workflows.effects import DELIVER_JOB
from workflows.escalation import on_timer
from workflows.models import Case, Timer
from workflows.timers import lock_due, lock_overdue

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


def deliver_next(*, only: int | None = None) -> str | None:
    """Claim the most urgent due message, send or reconcile it, record the outcome; None if nothing is due.

    Three steps, and the provider is called between two transactions, never inside one.
    """
    policy = DeliveryPolicy.from_settings()
    with unit_of_work() as uow:
        attempt = claim_next(uow.session, now=utcnow(), policy=policy, only=only)
        exclude = known_sids(uow.session, attempt.to) if attempt and attempt.action == "reconcile" else frozenset()
        uow.commit()  # the attempt is on record before the provider hears of it
    if attempt is None:
        return None
    result = _ask_provider(attempt, policy, exclude)
    with unit_of_work() as uow:
        outcome = record_outcome(uow.session, attempt, result, now=utcnow(), policy=policy)
        if outcome.provider_ok is False:
            note_provider_failure(uow.session, error=str(result), now=utcnow(), policy=policy)
        elif outcome.provider_ok:
            note_provider_success(uow.session, now=utcnow(), policy=policy)
        if outcome.kind in {"failed_recipient", "failed_rejected"}:
            failed = uow.session.get(OutboxMessage, attempt.outbox_id)
            if failed is not None:
                fail_over(uow, failed)
        uow.commit()
    return outcome.status


def _ask_provider(attempt: Attempt, policy: DeliveryPolicy, exclude: frozenset[str]) -> Sent | DeliveryError | None:
    sms, caller = gateways()
    try:
        if attempt.action == "flagged":
            return RecipientFailure("flagged earlier: not sent", reason="flagged")
        if attempt.action == "reconcile":
            ledger = sms if attempt.channel == "sms" else caller
            find = getattr(ledger, "find_sent", None)
            if find is None:
                return OutcomeUnknown("this gateway cannot list what it sent")
            since, until = lookup_window(attempt, policy)
            found: Sent | None = find(channel=attempt.channel, to=attempt.to, body=attempt.body, since=since,
                                      until=until, exclude=exclude)
            return found
        callback = status_callback_url(attempt.outbox_id)
        if attempt.channel == "voice":
            return caller.call(to=attempt.to, twiml=attempt.body, status_callback=callback)
        return sms.send_sms(to=attempt.to, body=attempt.body, status_callback=callback)
    except DeliveryError as exc:
        return exc


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
        due = due_for_delivery(uow.session, now=utcnow())
    # One job per row and state (attempt, next time): repeated sweeps, or sweeps during a Redis outage,
    # never pile up jobs for the same message.
    queued = sum(_wake_up(outbox_id, job_id("outbox", outbox_id, n, int(at.timestamp()))) for outbox_id, n, at in due)
    return {"timers_fired": fired, "messages_requeued": queued}


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
