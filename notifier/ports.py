"""The narrow port the rest of the system sends through; only notifier.twilio_adapter knows Twilio."""

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


class SmsSender(Protocol):
    def send_sms(self, *, to: str, body: str, status_callback: str) -> Sent: ...


class Caller(Protocol):
    def call(self, *, to: str, twiml: str, status_callback: str) -> Sent: ...
