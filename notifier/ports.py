"""The narrow ports the rest of the system talks through; each adapter module knows one provider.

Three ports, because Vietnam splits them: outbound SMS (Twilio everywhere, or Jasmin), inbound
SMS (only through a two-way provider: Jasmin with a carrier short code; Twilio where it offers
inbound), and voice calls (Twilio). An inbound message or receipt reaches us as plain data.

A send ends in one of four ways, and each adapter (Twilio, Jasmin, ...) raises the same classes:

- it went out (`Sent`);
- the provider failed (`ProviderFailure`: timeout before sending, 5xx, 429, bad credentials): nothing went
  out; retry with backoff for hours, never move the contact chain, tell the shift lead;
- the recipient cannot get it (`RecipientFailure`: invalid number, landline, opted out): flag the
  number and go to the next contact;
- the provider refused this message for another reason (`RejectedMessage`): fail over too;
- nobody knows (`OutcomeUnknown`: the request may have reached the provider, e.g. a read timeout):
  it must be reconciled with the provider's own list before any retry, or it goes out twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Sent:
    provider_sid: str
    status: str


class DeliveryError(Exception):
    """A send that did not end in `Sent`; `code` is the provider's error code when it gave one."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class ProviderFailure(DeliveryError):
    """The provider is failing (timeouts, connection errors, 429, 5xx, authentication): nothing was sent."""


class OutcomeUnknown(ProviderFailure):
    """The request may have been accepted: reconcile with the provider before trying again."""


class RecipientFailure(DeliveryError):
    """This number cannot receive it (invalid, landline, opted out, unreachable): flag it, next contact."""

    def __init__(self, message: str, *, code: int | None = None, reason: str = "invalid_number") -> None:
        super().__init__(message, code=code)
        self.reason = reason


class RejectedMessage(DeliveryError):
    """Refused for another reason (a 4xx that names neither the provider nor the number)."""


# The names the first version used.
TransientDeliveryError = ProviderFailure
PermanentDeliveryError = RejectedMessage


class OutboundSms(Protocol):
    def send_sms(self, *, to: str, body: str, status_callback: str) -> Sent: ...


class VoiceCaller(Protocol):
    def call(self, *, to: str, twiml: str, status_callback: str) -> Sent: ...


class LiveCalls(Protocol):
    """A call in progress told to go on with other TwiML (a transfer into a conference)."""

    def redirect(self, *, call_sid: str, twiml: str) -> None: ...


@dataclass(frozen=True)
class InboundSms:
    """An SMS from a phone to one of our numbers, as any provider hands it over."""

    provider: str  # twilio | jasmin
    external_id: str  # the provider's id of this message: a retried webhook carries the same one
    from_phone: str  # E.164
    to: str  # our number or short code
    text: str


@dataclass(frozen=True)
class DeliveryReceipt:
    """What a provider says became of one outbox message."""

    outbox_id: int
    status: str  # our vocabulary: notifier.outbox.STATUS_RANK
    provider_sid: str | None


# The names the rest of the code grew up with.
SmsSender = OutboundSms
Caller = VoiceCaller
class SentLedger(Protocol):
    """What the provider says it accepted: how an attempt of unknown outcome is reconciled.

    Raises `ProviderFailure` when the provider cannot be asked (then the attempt stays unknown).
    """

    def find_sent(
        self, *, channel: str, to: str, body: str, since: datetime, until: datetime, exclude: frozenset[str]
    ) -> Sent | None: ...
