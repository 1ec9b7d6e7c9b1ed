"""What a change leaves behind inside its transaction: a history line, an outbox message."""

from __future__ import annotations

from datetime import datetime

from core.db import UnitOfWork
from core.queue import WakeUp
from notifier.outbox import queue_message
from workflows.models import Case, CaseHistory

DELIVER_JOB = "workflows.jobs.deliver_message"


def record(
    case: Case, *, event: str, actor: str, via: str, now: datetime,
    reason: str | None = None, from_state: str | None = None, to_state: str | None = None,
) -> None:
    case.history.append(CaseHistory(at=now, actor=actor, via=via, event=event,
                                    from_state=from_state, to_state=to_state, reason=reason))


def message(
    uow: UnitOfWork, case: Case, *, to: str, body: str, purpose: str, now: datetime, channel: str = "sms"
) -> None:
    """Write a message into the outbox now; wake the deliverer once the transaction has committed."""
    if case.id is None:  # a case still pending its INSERT (open_ticket flushes once, late)
        uow.session.flush()
    msg = queue_message(uow.session, case_id=case.id, channel=channel, to_phone=to, body=body,
                        purpose=purpose, now=now)
    uow.wake_up(lambda: WakeUp(DELIVER_JOB, (msg.id,), job_id=f"outbox-{msg.id}-1", messages=True))
