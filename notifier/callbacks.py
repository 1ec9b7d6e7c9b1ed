"""Where a provider reports what became of a message: Twilio signs its callbacks, Jasmin cannot.

The outbox id is our idempotency key (no provider has one for outbound messages), so it rides in
the callback URL; for Jasmin the URL also carries our own signature of that id.
"""

from __future__ import annotations

import hashlib
import hmac

from core.crypto import same_secret, signing_key
from core.settings import get_settings


def status_callback_url(outbox_id: int, channel: str = "sms") -> str:
    settings = get_settings()
    if channel == "sms" and settings.sms_provider == "jasmin":
        return f"{settings.public_base_url}/jasmin/dlr?outbox={outbox_id}&sig={receipt_signature(outbox_id)}"
    return f"{settings.public_base_url}/twilio/status?outbox={outbox_id}"


def receipt_signature(outbox_id: int) -> str:
    return hmac.new(signing_key(), f"jasmin-dlr:{outbox_id}".encode(), hashlib.sha256).hexdigest()[:24]


def receipt_signature_is_valid(outbox_id: int, signature: str) -> bool:
    return same_secret(signature, receipt_signature(outbox_id))


def inbound_key_is_valid(key: str) -> bool:
    """The secret in the URL Jasmin posts mobile-originated SMS to (its HTTP connector cannot sign)."""
    expected = get_settings().jasmin_inbound_key.get_secret_value()
    return bool(expected) and same_secret(key, expected)
