"""Jasmin, the open-source SMS gateway that speaks SMPP to Vietnamese carriers for a two-way short code.

Outbound: Jasmin's HTTP API (`POST /send`), with a delivery receipt asked for at the SMSC and the
handset level, posted back to our signed receipt URL. Inbound: Jasmin's HTTP client connector posts
every mobile-originated SMS to us (`intake.telephony.jasmin_webhooks`); both expect `ACK/Jasmin`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

import httpx

from core.settings import Settings, get_settings
from notifier.ports import (
    DeliveryReceipt,
    InboundSms,
    OutcomeUnknown,
    ProviderFailure,
    RecipientFailure,
    RejectedMessage,
    Sent,
)

ACK = "ACK/Jasmin"
_SUCCESS = re.compile(r'^Success "(?P<id>[^"]+)"')
# Jasmin's receipt states (SMPP stat:) in our outbox vocabulary; level 1 is the SMSC taking it.
RECEIPT_STATUS = {
    "ESME_ROK": "sent", "ACCEPTD": "sent", "ENROUTE": "sent",
    "DELIVRD": "delivered",
    "UNDELIV": "undelivered", "EXPIRED": "undelivered", "DELETED": "undelivered", "UNKNOWN": "undelivered",
    "REJECTD": "failed",
}


def to_jasmin_number(e164: str) -> str:
    """Jasmin and the carriers want digits with the country code, no plus."""
    return e164.lstrip("+")


def from_jasmin_number(raw: str) -> str:
    """A carrier hands over 84xxxxxxxxx or 0xxxxxxxxx; we keep E.164."""
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    return "+" + digits


class JasminSms:
    """OutboundSms over Jasmin's HTTP API, with a timeout on every request."""

    def __init__(self, settings: Settings | None = None, *, client: httpx.Client | None = None) -> None:
        s = settings or get_settings()
        self._url = s.jasmin_url + "/send"
        self._auth = {"username": s.jasmin_username, "password": s.jasmin_password.get_secret_value()}
        self._from = s.jasmin_from
        self._client = client or httpx.Client(timeout=s.jasmin_timeout_seconds)

    def send_sms(self, *, to: str, body: str, status_callback: str) -> Sent:
        form = {
            **self._auth, "to": to_jasmin_number(to), "content": body, "coding": "0",
            "dlr": "yes", "dlr-url": status_callback, "dlr-level": "3", "dlr-method": "POST",
        }
        if self._from:
            form["from"] = self._from
        try:
            answer = self._client.post(self._url, data=form)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # never reached Jasmin: nothing went out
            raise ProviderFailure(f"jasmin {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:  # Jasmin may have taken it: the outcome is unknown
            raise OutcomeUnknown(f"jasmin {type(exc).__name__}") from exc
        return parse_send_answer(answer.status_code, answer.text)

    def find_sent(
        self, *, channel: str, to: str, body: str, since: datetime, until: datetime, exclude: frozenset[str]
    ) -> Sent | None:
        """Jasmin keeps no list of what it accepted that we could ask: an attempt whose outcome is unknown
        counts as sent (at most once). If it was not, nobody acknowledges and the clock's ladder moves on;
        its delivery receipt, if one comes, confirms it."""
        return Sent(provider_sid=f"unconfirmed-{to_jasmin_number(to)}-{int(since.timestamp())}", status="accepted")


def parse_send_answer(status: int, text: str) -> Sent:
    """Jasmin answers `Success "<id>"`, or `Error "<why>"` with 400 (our request), 403 (credentials),
    412 (no route, no balance) or 5xx. Only a bad request about the recipient is the number's fault."""
    if status == 200 and (m := _SUCCESS.match(text.strip())):
        return Sent(provider_sid=m["id"], status="accepted")
    why = text.strip()[:120]
    if status == 400 and "[to]" in why:
        raise RecipientFailure(f"jasmin 400 {why}", reason="invalid_number")
    if status == 400:
        raise RejectedMessage(f"jasmin 400 {why}")
    raise ProviderFailure(f"jasmin {status} {why}")


def parse_receipt(outbox_id: int, form: Mapping[str, str]) -> DeliveryReceipt:
    """A receipt Jasmin posts to our dlr-url: id, level (1 = SMSC, 2 = handset), message_status."""
    status = RECEIPT_STATUS.get(form.get("message_status", "").strip().upper(), "")
    return DeliveryReceipt(outbox_id=outbox_id, status=status, provider_sid=form.get("id") or None)


def _coding(raw: str) -> int:
    """Jasmin posts the SMPP data_coding as its raw byte; a proxy or a test may send the number."""
    if raw.isdecimal():  # not isdigit: "²" is a digit int() cannot read
        return int(raw)
    return ord(raw) if len(raw) == 1 else 0


def parse_inbound(form: Mapping[str, str]) -> InboundSms:
    """A mobile-originated SMS from Jasmin's HTTP client connector."""
    text = form.get("content", "")
    binary = form.get("binary", "")
    if _coding(form.get("coding", "")) == 8 and binary:  # UCS-2: a phone that typed diacritics
        try:
            text = bytes.fromhex(binary).decode("utf-16-be")
        except ValueError:
            pass
    return InboundSms(provider="jasmin", external_id=form.get("id", ""), from_phone=from_jasmin_number(
        form.get("from", "")), to=form.get("to", ""), text=text)
