"""What comes back from the field: delivery receipts. (An officer's answers: workflows.field.commands.)"""

from __future__ import annotations

from core.clock import utcnow
from core.db import UnitOfWork
from notifier.models import OutboxMessage
from notifier.outbox import record_status
from workflows.casework.transfers import transfer_call_status
from workflows.field.undeliverable import next_after_failure

CALL_PROGRESS = frozenset({"in-progress", "answered", "completed"})


def record_delivery(
    uow: UnitOfWork, *, outbox_id: int, status: str, provider_sid: str | None,
    recipient_reason: str | None = None, error_code: int | None = None,
) -> bool:
    """A delivery receipt; an assignment that cannot be delivered falls over to the next contact."""
    with uow:
        failed: list[OutboxMessage] = []
        moved = record_status(uow.session, outbox_id=outbox_id, status=status, provider_sid=provider_sid,
                              now=utcnow(), on_failed=failed.append, recipient_reason=recipient_reason,
                              error_code=error_code)
        for msg in failed:
            next_after_failure(uow, msg)
        if status in CALL_PROGRESS:  # a call's progress, never an SMS's: a transfer's target answered or hung up
            transfer_call_status(uow, outbox_id=outbox_id, status=status)
        uow.commit()
        return moved
