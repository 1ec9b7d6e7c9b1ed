"""What a change leaves behind inside its transaction: a history line, an outbox message."""

from __future__ import annotations

from datetime import datetime

from core.db import UnitOfWork
from core.queue import enqueue
from notifier.models import PRIORITY
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
    msg = queue_message(uow.session, case_id=case.id, channel=channel, to_phone=to, body=body,
                        purpose=purpose, now=now, priority=PRIORITY.get(case.urgency, 2))
    outbox_id = msg.id
    uow.after_commit(lambda: enqueue(DELIVER_JOB, outbox_id, job_id=f"outbox-{outbox_id}-1", messages=True))
