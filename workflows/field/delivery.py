"""Sending one outbox message at most once: claim (committed), ask the provider (no transaction), record.

The notifier decides what each outcome means for the row; this module adds what only the workflow knows:
an assignment that cannot reach its recipient goes to the next contact of the chain.
"""

from __future__ import annotations

from core.clock import utcnow
from core.db import unit_of_work
from notifier.callbacks import status_callback_url
from notifier.models import OutboxMessage
from notifier.outbox import (
    Attempt,
    DeliveryPolicy,
    claim_next,
    known_sids,
    lookup_window,
    record_outcome,
)
from notifier.ports import DeliveryError, OutcomeUnknown, RecipientFailure, Sent
from notifier.provider_health import note_provider_failure, note_provider_success
from workflows.clocks.context import gateways
from workflows.field.undeliverable import next_after_failure
from workflows.team.assignment import keys_when_sent


def deliver_next(*, only: int | None = None) -> str | None:
    """Claim the most urgent due message, send or reconcile it, record the outcome; None if nothing is due.

    Three steps, and the provider is called between two transactions, never inside one.
    """
    policy = DeliveryPolicy.from_settings()
    with unit_of_work() as uow:
        attempt = claim_next(uow.session, now=utcnow(), policy=policy, only=only, before_send=keys_when_sent)
        reconciling = attempt is not None and attempt.action == "reconcile"
        exclude = known_sids(uow.session, attempt.stored_to or attempt.to) if attempt and reconciling else frozenset()
        uow.commit()  # the attempt is on record before the provider hears of it
    if attempt is None:
        return None
    result = _ask_provider(attempt, policy, exclude)
    with unit_of_work() as uow:
        outcome = record_outcome(uow.session, attempt, result, now=utcnow(), policy=policy)
        if outcome.provider_ok is False:
            note_provider_failure(uow.session, error=str(result), now=utcnow(), policy=policy)
        elif outcome.provider_ok:
            note_provider_success(uow.session, now=utcnow(), policy=policy)
        if outcome.kind in {"failed_recipient", "failed_rejected"}:
            failed = uow.session.get(OutboxMessage, attempt.outbox_id)
            if failed is not None:
                next_after_failure(uow, failed)
        uow.commit()
    return outcome.status


def _ask_provider(attempt: Attempt, policy: DeliveryPolicy, exclude: frozenset[str]) -> Sent | DeliveryError | None:
    sms, caller = gateways()
    try:
        if attempt.action == "flagged":
            return RecipientFailure("flagged earlier: not sent", reason="flagged")
        if attempt.action == "reconcile":
            ledger = sms if attempt.channel == "sms" else caller
            find = getattr(ledger, "find_sent", None)
            if find is None:
                return OutcomeUnknown("this gateway cannot list what it sent")
            since, until = lookup_window(attempt, policy)
            found: Sent | None = find(channel=attempt.channel, to=attempt.to, body=attempt.body, since=since,
                                      until=until, exclude=exclude)
            return found
        callback = status_callback_url(attempt.outbox_id, attempt.channel)
        if attempt.channel == "voice":
            return caller.call(to=attempt.to, twiml=attempt.body, status_callback=callback)
        return sms.send_sms(to=attempt.to, body=attempt.body, status_callback=callback)
    except DeliveryError as exc:
        return exc
