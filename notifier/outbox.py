"""Writing messages into the outbox, delivering them, and recording what Twilio says of them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import for_update
from core.settings import get_settings
from notifier.models import OutboxMessage
from notifier.ports import Caller, PermanentDeliveryError, SmsSender, TransientDeliveryError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Twilio's statuses in the order they happen; a callback may only move a message forward.
STATUS_RANK = {
    "pending": 0, "accepted": 1, "scheduled": 1, "queued": 1, "initiated": 1, "sending": 2,
    "ringing": 2, "in-progress": 2, "sent": 3, "delivered": 4, "undelivered": 4, "failed": 4,
    "completed": 4, "busy": 4, "no-answer": 4, "canceled": 4, "read": 5,
}
FAILED = {"failed", "undelivered", "busy", "no-answer", "canceled"}


def queue_message(
    session: Session, *, case_id: int | None, channel: str, to_phone: str, body: str, purpose: str,
    now: datetime,
) -> OutboxMessage:
    msg = new_message(case_id=case_id, channel=channel, to_phone=to_phone, body=body, purpose=purpose, now=now)
    session.add(msg)
    session.flush()
    return msg


def new_message(
    *, case_id: int | None = None, channel: str, to_phone: str, body: str, purpose: str, now: datetime
) -> OutboxMessage:
    """A pending message, not yet in any session (the caller adds it; its id comes with the flush)."""
    return OutboxMessage(
        case_id=case_id, channel=channel, to_phone=to_phone, body=body, purpose=purpose,
        status="pending", created_at=now, next_attempt_at=now,
    )


def status_callback_url(outbox_id: int) -> str:
    # The outbox id is our idempotency key: Twilio has none for outbound messages.
    return f"{get_settings().public_base_url}/twilio/status?outbox={outbox_id}"


def deliver(
    session: Session, *, outbox_id: int, sms: SmsSender, caller: Caller, now: datetime
) -> str:
    """Send one pending message. Returns its status; a transient error leaves it pending, later."""
    msg = session.execute(
        for_update(session, select(OutboxMessage).where(OutboxMessage.id == outbox_id))
    ).scalar_one_or_none()
    if msg is None or msg.status != "pending" or msg.next_attempt_at > now:
        return "skipped"
    msg.attempts += 1
    try:
        callback = status_callback_url(msg.id)
        if msg.channel == "voice":
            sent = caller.call(to=msg.to_phone, twiml=msg.body, status_callback=callback)
        else:
            sent = sms.send_sms(to=msg.to_phone, body=msg.body, status_callback=callback)
    except TransientDeliveryError as exc:
        msg.last_error = str(exc)[:200]
        if msg.attempts >= MAX_ATTEMPTS:
            msg.status, msg.status_at = "failed", now
        else:
            msg.next_attempt_at = now + timedelta(seconds=15 * 2 ** (msg.attempts - 1))
        log.warning("outbox %s attempt %s failed: %s", msg.id, msg.attempts, msg.last_error)
        return msg.status
    except PermanentDeliveryError as exc:
        msg.last_error = str(exc)[:200]
        msg.status, msg.status_at = "failed", now
        log.warning("outbox %s failed for good: %s", msg.id, msg.last_error)
        return msg.status
    msg.provider_sid, msg.sent_at, msg.status_at = sent.provider_sid, now, now
    msg.status = sent.status if sent.status in STATUS_RANK else "queued"
    return msg.status


def record_status(
    session: Session, *, outbox_id: int, status: str, provider_sid: str | None, now: datetime,
    on_failed: Callable[[OutboxMessage], None] | None = None,
) -> bool:
    """Apply a delivery receipt. Repeats and late, older statuses change nothing. True if it moved."""
    msg = session.execute(
        for_update(session, select(OutboxMessage).where(OutboxMessage.id == outbox_id))
    ).scalar_one_or_none()
    if msg is None or status not in STATUS_RANK:
        return False
    if provider_sid and msg.provider_sid and provider_sid != msg.provider_sid:
        return False
    if STATUS_RANK[status] <= STATUS_RANK.get(msg.status, 0):
        return False
    msg.status, msg.status_at = status, now
    if provider_sid and not msg.provider_sid:
        msg.provider_sid = provider_sid
    if status in FAILED and on_failed is not None:
        on_failed(msg)
    return True


def due_for_delivery(
    session: Session, *, now: datetime, grace: timedelta = timedelta(seconds=20), limit: int = 200
) -> list[int]:
    """Pending messages whose wake-up Redis may have lost (left alone for `grace` first)."""
    stmt = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now - grace)
        .order_by(OutboxMessage.next_attempt_at)
        .limit(limit)
    )
    return list(session.execute(for_update(session, stmt, skip_locked=True)).scalars())
