"""Writing messages into the outbox, delivering each at most once, and recording what the provider says.

Delivery is three short steps, and no row lock or transaction is held while the provider is called:

1. `claim_next`: lock the most urgent due row (`FOR UPDATE SKIP LOCKED`), check the per-phone throttle,
   and commit the attempt (`attempting`, attempt number, started_at, a lease) before any HTTP call;
2. the caller talks to the provider, outside any transaction;
3. `record_outcome`: a second short transaction records what happened.

A row still `attempting` when its lease runs out (a worker killed mid-send, a commit that failed after the
provider accepted, a provider slower than our timeout) has an unknown outcome. `claim_next` hands it back
as a reconciliation: the provider's own list is asked first, and it is sent again only if absent there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.crypto import blind_index
from core.db import for_update, try_hold
from core.settings import Settings, get_settings
from notifier.folding import fold_before_send
from notifier.models import OutboxMessage
from notifier.ports import (
    DeliveryError,
    OutcomeUnknown,
    ProviderFailure,
    RecipientFailure,
    Sent,
)
from notifier.recipient_flags import find_flag, flag

log = logging.getLogger(__name__)

# Twilio's statuses in the order they happen; a callback may only move a message forward.
STATUS_RANK = {
    "pending": 0, "attempting": 0, "accepted": 1, "scheduled": 1, "queued": 1, "initiated": 1, "sending": 2,
    "ringing": 2, "in-progress": 2, "sent": 3, "delivered": 4, "undelivered": 4, "failed": 4,
    "completed": 4, "busy": 4, "no-answer": 4, "canceled": 4, "read": 5,
}
FAILED = {"failed", "undelivered", "busy", "no-answer", "canceled"}
# What each channel's receipts may say: a call's status on an SMS row (or the reverse) is not a receipt for it.
CHANNEL_STATUSES = {
    "sms": frozenset({"accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered", "failed",
                      "read", "canceled"}),
    "voice": frozenset({"queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer",
                        "failed", "canceled"}),
}
FIRST_BACKOFF_SECONDS = 15
PUBLIC_PREFIX = "pub:"  # an outbox recipient who is a member of the public: only a keyed hash in to_phone


def public_address(to: str) -> str:
    """What the outbox keeps in clear for a member of the public's number or Zalo id: a keyed hash."""
    return PUBLIC_PREFIX + blind_index(to)[:56]


@dataclass(frozen=True)
class DeliveryPolicy:
    """The delivery settings a decision needs, read once (pure code takes this, not the environment)."""

    client_timeout: timedelta
    unknown_grace: timedelta
    min_interval: timedelta
    retry_window: timedelta
    backoff_cap: timedelta
    alert_after: int
    shift_leads: tuple[str, ...]

    @classmethod
    def from_settings(cls, s: Settings | None = None) -> DeliveryPolicy:
        s = s or get_settings()
        return cls(
            client_timeout=timedelta(seconds=s.twilio_timeout_seconds),
            unknown_grace=timedelta(seconds=s.delivery_unknown_grace_seconds),
            min_interval=timedelta(seconds=s.phone_min_interval_seconds),
            retry_window=timedelta(seconds=s.delivery_retry_window_seconds),
            backoff_cap=timedelta(seconds=s.delivery_backoff_cap_seconds),
            alert_after=s.provider_alert_after,
            shift_leads=s.shift_leads(),
        )

    @property
    def lease(self) -> timedelta:
        """How long an attempt may be in flight before its outcome counts as unknown."""
        return self.client_timeout + self.unknown_grace

    def backoff(self, failures: int) -> timedelta:
        seconds = FIRST_BACKOFF_SECONDS * 2 ** min(max(failures - 1, 0), 20)
        return min(timedelta(seconds=seconds), self.backoff_cap)


@dataclass(frozen=True)
class Attempt:
    """One claimed attempt: send it, or (reconcile) ask the provider whether attempt `number` went out."""

    outbox_id: int
    number: int
    channel: str
    to: str  # the real address, decrypted for the provider only (never logged)
    body: str
    started_at: datetime
    action: str  # send | reconcile | flagged
    stored_to: str = ""  # the row's to_phone (a keyed hash for the public): what other rows are matched by


def queue_message(
    session: Session, *, case_id: int | None, channel: str, to_phone: str, body: str, purpose: str,
    now: datetime, priority: int = 2, public: bool = False,
) -> OutboxMessage:
    msg = new_message(case_id=case_id, channel=channel, to_phone=to_phone, body=body, purpose=purpose, now=now,
                      priority=priority, public=public)
    session.add(msg)
    session.flush()
    return msg


def new_message(
    *, case_id: int | None = None, channel: str, to_phone: str, body: str, purpose: str, now: datetime,
    priority: int = 2, public: bool = False,
) -> OutboxMessage:
    """A pending message, not yet in any session (the caller adds it; its id comes with the flush).

    `public`: the recipient is a member of the public; their number is kept encrypted, never in clear."""
    return OutboxMessage(
        case_id=case_id, channel=channel, to_phone=public_address(to_phone) if public else to_phone,
        to_sealed=to_phone if public else None, body=body, purpose=purpose, priority=priority,
        status="pending", created_at=now, next_attempt_at=now, attempts=0, provider_failures=0,
    )


BeforeSend = Callable[[Session, OutboxMessage, datetime], None]


def claim_next(
    session: Session, *, now: datetime, policy: DeliveryPolicy, only: int | None = None,
    before_send: BeforeSend | None = None,
) -> Attempt | None:
    """The most urgent due row, claimed; the caller commits before doing anything with it.

    `before_send` completes a message marked `keys_at_send` (its reply code and link) in the claim's
    transaction, on its first send only: the body the provider gets is on record before it is called,
    and a retry or a reconciliation sends and looks for that same body."""
    stmt = select(OutboxMessage).where(
        OutboxMessage.status.in_(("pending", "attempting")), OutboxMessage.next_attempt_at <= now
    )
    if only is not None:
        stmt = stmt.where(OutboxMessage.id == only)
    stmt = stmt.order_by(OutboxMessage.priority, OutboxMessage.next_attempt_at, OutboxMessage.id).limit(8)
    for msg in session.execute(for_update(session, stmt, skip_locked=True)).scalars():
        if msg.status == "attempting":  # its lease ran out: the outcome of attempt `attempts` is unknown
            msg.next_attempt_at = now + policy.lease  # nobody else reconciles it while we ask
            return _attempt(msg, "reconcile")
        if msg.purpose == "ops_alert" and (ahead := _alert_ahead(session, msg)) is not None:
            # "Working again" never overtakes "failing" to the same shift lead (the first waits out its backoff).
            msg.next_attempt_at = max(now, ahead) + timedelta(seconds=1)
            continue
        if find_flag(session, msg.to_phone, msg.channel):
            msg.attempts += 1
            msg.attempt_started_at = msg.next_attempt_at = now
            msg.status = "attempting"
            return _attempt(msg, "flagged")
        if msg.channel == "sms" and policy.min_interval:
            # One decider per phone at a time (until commit), so two workers cannot both pass the throttle.
            if not try_hold(session, msg.to_phone):
                continue  # another worker is deciding for this phone right now
            last = _last_attempt_to(session, msg)
            if last is not None and last + policy.min_interval > now:
                msg.next_attempt_at = last + policy.min_interval  # queued behind it, never dropped
                continue
        # A held burst to this phone goes out as this one SMS (it names its cases by reference).
        if fold_before_send(session, msg, now=now) == 1 and msg.keys_at_send and before_send is not None:
            before_send(session, msg, now)
        msg.keys_at_send = False
        msg.status, msg.attempts = "attempting", msg.attempts + 1
        msg.attempt_started_at, msg.next_attempt_at = now, now + policy.lease
        return _attempt(msg, "send")
    return None


def _attempt(msg: OutboxMessage, action: str) -> Attempt:
    return Attempt(outbox_id=msg.id, number=msg.attempts, channel=msg.channel, to=msg.to_sealed or msg.to_phone,
                   body=msg.body, started_at=msg.attempt_started_at or msg.created_at, action=action,
                   stored_to=msg.to_phone)


def _alert_ahead(session: Session, msg: OutboxMessage) -> datetime | None:
    """When the earliest alert queued before `msg` to the same phone, and not yet out, is due; else None."""
    return session.execute(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.to_phone == msg.to_phone, OutboxMessage.purpose == "ops_alert",
            OutboxMessage.id < msg.id, OutboxMessage.status.in_(("pending", "attempting")),
        )
    ).scalar()


def _last_attempt_to(session: Session, msg: OutboxMessage) -> datetime | None:
    """The last SMS to this phone that holds `msg` back: only one at least as urgent does (an emergency is
    never delayed by a sign-in code or a reminder; a code waits behind everything)."""
    return session.execute(
        select(func.max(OutboxMessage.attempt_started_at)).where(
            OutboxMessage.to_phone == msg.to_phone, OutboxMessage.channel == "sms", OutboxMessage.id != msg.id,
            OutboxMessage.priority <= msg.priority,
        )
    ).scalar()


def lookup_window(attempt: Attempt, policy: DeliveryPolicy) -> tuple[datetime, datetime]:
    """When the provider may have created the attempt's message (seconds precision, clocks a little apart)."""
    slack = timedelta(seconds=5)
    return attempt.started_at - slack, attempt.started_at + policy.lease + slack


def known_sids(session: Session, to: str) -> frozenset[str]:
    """SIDs other rows already own: a reconciliation never takes another row's message for its own."""
    rows = session.execute(select(OutboxMessage.provider_sid).where(
        OutboxMessage.to_phone == to, OutboxMessage.provider_sid.is_not(None))).scalars()
    return frozenset(str(sid) for sid in rows)


@dataclass(frozen=True)
class Outcome:
    status: str  # the row's status after this step
    kind: str  # sent | retry | unknown | failed_provider | failed_recipient | failed_rejected | stale
    provider_ok: bool | None = None  # True: the provider answered; False: it failed; None: says nothing


def record_outcome(
    session: Session, attempt: Attempt, result: Sent | DeliveryError | None, *, now: datetime,
    policy: DeliveryPolicy,
) -> Outcome:
    """What one attempt (or reconciliation) came to; `None` means the provider has no such message."""
    msg = session.execute(
        for_update(session, select(OutboxMessage).where(OutboxMessage.id == attempt.outbox_id))
    ).scalar_one_or_none()
    if msg is None:
        return Outcome("gone", "stale")
    if msg.status != "attempting" or msg.attempts != attempt.number:
        # A delivery receipt got here first (it only ever moves a row forward): keep what it says.
        if isinstance(result, Sent) and msg.provider_sid is None:
            msg.provider_sid = result.provider_sid
        if isinstance(result, Sent) and msg.sent_at is None:
            msg.sent_at = now
        return Outcome(msg.status, "stale", provider_ok=True if isinstance(result, Sent) else None)
    if isinstance(result, Sent):
        msg.provider_sid, msg.sent_at, msg.status_at = result.provider_sid, now, now
        msg.status = result.status if STATUS_RANK.get(result.status, 0) > 0 else "queued"
        msg.failure_kind = None
        # The trace of a send whose outcome was unknown for a while (the first version kept none).
        msg.last_error = f"attempt {attempt.number}: outcome unknown, found at the provider" \
            if attempt.action == "reconcile" else None
        log.info("outbox %s sent (attempt %s%s)", msg.id, msg.attempts,
                 ", found at the provider" if attempt.action == "reconcile" else "")
        return Outcome(msg.status, "sent", provider_ok=True)
    if result is None:  # reconciled: the provider never got attempt n, so sending again is safe
        msg.status, msg.next_attempt_at = "pending", now
        msg.last_error = f"attempt {attempt.number} not found at the provider"
        log.warning("outbox %s attempt %s was never received by the provider; sending again", msg.id,
                    attempt.number)
        return Outcome("pending", "retry", provider_ok=True)
    msg.last_error, msg.error_code = str(result)[:200], result.code
    if isinstance(result, ProviderFailure):
        return _provider_failed(msg, attempt, result, now=now, policy=policy)
    msg.status, msg.status_at = "failed", now
    if isinstance(result, RecipientFailure):
        msg.failure_kind = "recipient"
        _flag(session, msg, result, now=now)
        log.warning("outbox %s: the recipient cannot get it (%s); flagged", msg.id, result.reason)
        return Outcome("failed", "failed_recipient", provider_ok=True)
    msg.failure_kind = "rejected"
    log.warning("outbox %s rejected: %s", msg.id, msg.last_error)
    return Outcome("failed", "failed_rejected", provider_ok=True)


def _provider_failed(
    msg: OutboxMessage, attempt: Attempt, error: ProviderFailure, *, now: datetime, policy: DeliveryPolicy
) -> Outcome:
    """Retry with backoff for the whole window; the contact chain does not move for a provider's fault."""
    msg.provider_failures += 1
    msg.failure_kind = "provider"
    unknown = isinstance(error, OutcomeUnknown) or attempt.action == "reconcile"
    if now - msg.created_at > policy.retry_window and not unknown:
        msg.status, msg.status_at = "failed", now
        log.error("outbox %s: the provider failed for the whole retry window; given up", msg.id)
        return Outcome("failed", "failed_provider", provider_ok=False)
    if unknown:
        # Still unknown (a timeout, or the provider cannot be asked): reconcile later, never resend blind.
        # A send that timed out is asked about when its lease ends; a provider that cannot be asked, later.
        msg.next_attempt_at = attempt.started_at + policy.lease if attempt.action == "send" \
            else now + policy.backoff(msg.provider_failures)
        log.warning("outbox %s attempt %s: outcome unknown (%s); reconciling later", msg.id, msg.attempts, error)
        return Outcome("attempting", "unknown", provider_ok=False)
    msg.status, msg.next_attempt_at = "pending", now + policy.backoff(msg.provider_failures)
    log.warning("outbox %s attempt %s: provider failure (%s); retry at %s", msg.id, msg.attempts, error,
                msg.next_attempt_at.isoformat(timespec="seconds"))
    return Outcome("pending", "retry", provider_ok=False)


def _flag(session: Session, msg: OutboxMessage, error: RecipientFailure, *, now: datetime) -> None:
    if msg.to_phone.startswith(PUBLIC_PREFIX):
        return  # flags are for roster numbers, which someone can fix; a member of the public is not on one
    flag(session, phone=msg.to_phone, channel=msg.channel, reason=error.reason, error_code=error.code,
         now=now, outbox_id=msg.id)


def record_status(
    session: Session, *, outbox_id: int, status: str, provider_sid: str | None, now: datetime,
    on_failed: Callable[[OutboxMessage], None] | None = None, recipient_reason: str | None = None,
    error_code: int | None = None,
) -> bool:
    """Apply a delivery receipt. Repeats and late, older statuses change nothing. True if it moved.

    A failure the receipt blames on the number (`recipient_reason`, e.g. a landline) flags the number.
    """
    msg = session.execute(
        for_update(session, select(OutboxMessage).where(OutboxMessage.id == outbox_id))
    ).scalar_one_or_none()
    if msg is None or status not in STATUS_RANK:
        return False
    if status not in CHANNEL_STATUSES.get(msg.channel, STATUS_RANK):
        log.warning("outbox %s: a %s receipt cannot say %r; ignored", msg.id, msg.channel, status)
        return False
    if provider_sid and msg.provider_sid and provider_sid != msg.provider_sid:
        return False
    if STATUS_RANK[status] <= STATUS_RANK.get(msg.status, 0):
        return False
    msg.status, msg.status_at = status, now
    if provider_sid and not msg.provider_sid:
        msg.provider_sid = provider_sid
    if status in FAILED and recipient_reason:
        msg.failure_kind, msg.error_code = "recipient", error_code
        _flag(session, msg, RecipientFailure(status, code=error_code, reason=recipient_reason), now=now)
    if status in FAILED and on_failed is not None:
        on_failed(msg)
    return True


def due_for_delivery(
    session: Session, *, now: datetime, grace: timedelta = timedelta(seconds=20), limit: int = 200
) -> list[tuple[int, int, datetime]]:
    """(id, attempts, next_attempt_at) of rows due to be sent or reconciled for `grace` already."""
    stmt = (
        select(OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.next_attempt_at)
        .where(OutboxMessage.status.in_(("pending", "attempting")), OutboxMessage.next_attempt_at <= now - grace)
        .order_by(OutboxMessage.priority, OutboxMessage.next_attempt_at)
        .limit(limit)
    )
    return [(int(i), int(n), at) for i, n, at in session.execute(stmt).all()]
