"""The outbox: every outgoing message is a row written in the same transaction as the change.

A row's delivery is a small state machine: `pending` → `attempting` (the attempt is committed before the
provider is called) → a provider status (`queued`, `sent`, `delivered`, ...) or `failed`. A row left in
`attempting` past its lease has an unknown outcome and is reconciled with the provider before any retry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.crypto import EncryptedText
from core.db import Base, UtcDateTime

PRIORITY = {"emergency": 0, "high": 1, "normal": 2}
OPS_PRIORITY = 0  # alerts to the shift lead go first
# A sign-in code goes after any case's message to the same phone, and never takes a case message's slot:
# the per-phone throttle only counts messages at least as urgent as the one it holds back.
SIGNIN_PRIORITY = 3
MAX_OUTBOX_ID = 2**31 - 1  # the id column is a 32-bit integer: a receipt's id above it names no row


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms | voice
    purpose: Mapped[str] = mapped_column(String(32))  # assignment | escalation | ladder | reminder | ops_alert ...
    # A staff phone in clear (it is on the roster anyway), or, for an answer to a member of the public who
    # wrote to the line, "pub:<keyed hash>" with the number (or "zalo:<user id>") encrypted in `to_sealed`:
    # the public's numbers are in no dump or backup in clear. The hash keeps the per-recipient throttle.
    to_phone: Mapped[str] = mapped_column(String(64), index=True)
    to_sealed: Mapped[str | None] = mapped_column(EncryptedText)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # 0 emergency (and ops alerts), 1 high, 2 normal, 3 sign-in code
    priority: Mapped[int] = mapped_column(Integer, default=2)
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # attempts started (committed before the call)
    attempt_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    provider_failures: Mapped[int] = mapped_column(Integer, default=0)
    failure_kind: Mapped[str | None] = mapped_column(String(16))  # provider | recipient | rejected | unknown
    error_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When to act next: send a pending row; reconcile an `attempting` one whose lease has run out.
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # An assignment SMS written by reference, whose reply code and one-tap link are issued when it is first
    # sent (the deliverer's `before_send`), not in the transaction that wrote it: the report path stays short.
    keys_at_send: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RecipientFlag(Base):
    """A roster phone the provider says cannot get this channel (invalid, landline, opted out)."""

    __tablename__ = "recipient_flags"
    __table_args__ = (UniqueConstraint("phone", "channel", name="uq_recipient_flags_phone_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(32))  # invalid_number | landline | opted_out | unreachable
    error_code: Mapped[int | None] = mapped_column(Integer)
    flagged_at: Mapped[datetime] = mapped_column(UtcDateTime)
    outbox_id: Mapped[int | None] = mapped_column(Integer)  # the message that found it out


class ProviderAlert(Base):
    """A run of provider failures; the shift lead is told once it reaches the threshold.

    `open_slot` holds the provider's name while the run is open (unique), NULL once closed, so two
    workers failing at once extend the same run instead of opening two.
    """

    __tablename__ = "provider_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    open_slot: Mapped[str | None] = mapped_column(String(32), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
