"""The narrow ports the rest of the system talks through; each adapter module knows one provider.

Three ports, because Vietnam splits them: outbound SMS (Twilio everywhere, or Jasmin), inbound
SMS (only through a two-way provider: Jasmin with a carrier short code; Twilio where it offers
inbound), and voice calls (Twilio). An inbound message or receipt reaches us as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Sent:
    provider_sid: str
    status: str


class TransientDeliveryError(Exception):
    """Worth retrying: timeouts, connection errors, 429 and 5xx answers."""


class PermanentDeliveryError(Exception):
    """Not worth retrying: an invalid number, a blocked recipient, a 4xx answer."""


class OutboundSms(Protocol):
    def send_sms(self, *, to: str, body: str, status_callback: str) -> Sent: ...


class VoiceCaller(Protocol):
    def call(self, *, to: str, twiml: str, status_callback: str) -> Sent: ...


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
