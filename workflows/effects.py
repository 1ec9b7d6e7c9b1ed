"""What a change leaves behind inside its transaction: a history line, an outbox message."""

from __future__ import annotations

from datetime import datetime

from core.db import UnitOfWork
from core.queue import WakeUp
from notifier.outbox import new_message
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
    """Write a message into the outbox with the transaction; wake the deliverer once it has committed.

    Nothing is flushed here: the message goes in with the case's next flush (a new case's too), and
    the wake-up reads its id after the commit."""
    msg = new_message(channel=channel, to_phone=to, body=body, purpose=purpose, now=now)
    case.messages.add(msg)
    uow.wake_up(lambda: None if msg.id is None else
                WakeUp(DELIVER_JOB, (msg.id,), job_id=f"outbox-{msg.id}-1", messages=True))
