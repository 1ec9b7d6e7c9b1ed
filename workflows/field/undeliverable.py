"""What happens when a message or call cannot reach its person: the next one is tried at once."""

from __future__ import annotations

from core.clock import utcnow
from core.db import UnitOfWork
from notifier.models import OutboxMessage
from workflows.casework.transfers import transfer_call_status
from workflows.contacts.voice_steps import ring_failed
from workflows.escalation import ladders
from workflows.team.assignment import fail_over, lock_case_row


def next_after_failure(uow: UnitOfWork, msg: OutboxMessage) -> None:
    """An assignment goes to the team's next contact; an unanswered ladder call moves the ladder that
    placed it on; a waiting caller's ring goes to the next operator."""
    if msg.purpose == "operator_ring":
        ring_failed(uow, outbox_id=msg.id, now=utcnow())
    elif msg.purpose == "call_transfer":  # 113 did not answer: the operator still has the caller
        transfer_call_status(uow, outbox_id=msg.id, status="failed")
    elif msg.channel == "voice" and msg.purpose == "ladder" and msg.case_id is not None:  # a ladder's call
        case = lock_case_row(uow.session, msg.case_id)
        if case is not None:
            ladders.call_unanswered(uow, case, phone=msg.to_phone, placed_at=msg.created_at, now=utcnow())
    else:
        fail_over(uow, msg)
