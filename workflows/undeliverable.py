"""What happens when a message or call cannot reach its person: the next one is tried at once."""

from __future__ import annotations

from core.clock import utcnow
from core.db import UnitOfWork
from notifier.models import OutboxMessage
from workflows.assignment import fail_over
from workflows.voice_intake import ring_failed


def next_after_failure(uow: UnitOfWork, msg: OutboxMessage) -> None:
    """An assignment goes to the team's next contact; a waiting caller's ring goes to the next operator."""
    if msg.purpose == "operator_ring":
        ring_failed(uow, outbox_id=msg.id, now=utcnow())
    else:
        fail_over(uow, msg)
