"""What a change leaves behind inside its transaction: a history line, an outbox message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.db import UnitOfWork
from core.queue import WakeUp, enqueue
from notifier.folding import FoldInfo, hold_for_burst
from notifier.models import PRIORITY, OutboxMessage
from notifier.outbox import new_message, queue_message
from workflows.case.models import Case, CaseHistory

DELIVER_JOB = "workflows.jobs.deliver_message"


def record(
    case: Case, *, event: str, actor: str, via: str, now: datetime,
    reason: str | None = None, from_state: str | None = None, to_state: str | None = None,
    facts: dict[str, Any] | None = None,
) -> None:
    case.history.append(CaseHistory(at=now, actor=actor, via=via, event=event,
                                    from_state=from_state, to_state=to_state, reason=reason, facts=facts or None))


def message(
    uow: UnitOfWork, case: Case, *, to: str, body: str, purpose: str, now: datetime, channel: str = "sms",
    fold: FoldInfo | None = None, keys_at_send: bool = False,
) -> None:
    """Write a message into the outbox with the transaction; wake the deliverer once it has committed.

    Nothing is flushed here (the message goes in with the case's next flush, a new case's too, and the
    wake-up reads its id after the commit); a foldable assignment's fold row goes in with it: a burst of
    them to one phone is held and sent as one SMS (notifier.folding), its wake-up at the window's end.
    """
    msg = new_message(channel=channel, to_phone=to, body=body, purpose=purpose, now=now,
                      priority=PRIORITY.get(case.urgency, 2))
    msg.keys_at_send = keys_at_send
    held_until = hold_for_burst(uow.session, msg, fold, now=now) if fold is not None else None
    case.messages.add(msg)
    if held_until is not None:
        uow.wake_up(lambda: None if msg.id is None else
                    WakeUp(DELIVER_JOB, (msg.id,), job_id=f"outbox-{msg.id}-fold", at=held_until, messages=True))
        return
    wake_delivery(uow, msg)


def wake_delivery(uow: UnitOfWork, msg: OutboxMessage) -> None:
    """Once committed, wake the deliverer for `msg` (in the transaction's one Redis pipeline)."""
    uow.wake_up(lambda: None if msg.id is None else
                WakeUp(DELIVER_JOB, (msg.id,), job_id=f"outbox-{msg.id}-1", messages=True))


def reply(uow: UnitOfWork, *, to: str, body: str, now: datetime) -> None:
    """An answer to someone who wrote to us (no case to hang it on: a wrong reference, a help text)."""
    send(uow, to=to, body=body, purpose="reply", now=now)


def reply_to_public(uow: UnitOfWork, *, to: str, body: str, now: datetime) -> None:
    """An answer to a member of the public who wrote to the line: their number is stored only encrypted."""
    send(uow, to=to, body=body, purpose="reply", now=now, public=True)


def send(
    uow: UnitOfWork, *, to: str, body: str, purpose: str, now: datetime, channel: str = "sms",
    case_id: int | None = None, priority: int = 2, public: bool = False,
) -> int:
    """Write any message into the outbox; its delivery is queued once the transaction has committed.

    `priority` 0 goes first (a caller waiting now, an alert to the shift lead), 2 is a normal answer."""
    msg = queue_message(uow.session, case_id=case_id, channel=channel, to_phone=to, body=body, purpose=purpose,
                        now=now, priority=priority, public=public)
    outbox_id = msg.id
    uow.after_commit(lambda: enqueue(DELIVER_JOB, outbox_id, job_id=f"outbox-{outbox_id}-1", messages=True))
    return outbox_id
