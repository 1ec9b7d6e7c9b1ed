"""Zalo Official Account: the public's messages arrive on a signed webhook; our answers go out through
the OA's customer-service message API (httpx), with an access token refreshed before it expires.

Zalo signs a webhook as `mac=` sha256(app_id + raw body + timestamp + OA secret key). Its refresh
tokens are single-use, so the current pair lives in the database and a refresh locks the row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from core.clock import utcnow
from core.crypto import same_secret
from core.db import unit_of_work
from core.settings import Settings, get_settings
from notifier.ports import InboundSms, PermanentDeliveryError, Sent, TransientDeliveryError
from notifier.zalo_models import ZaloToken

ADDRESS_PREFIX = "zalo:"  # an outbox recipient that is a Zalo user, not a phone
REFRESH_BEFORE = timedelta(minutes=10)
TOKEN_ERRORS = {-216, -124, -230}  # invalid or expired access token


def webhook_signature(*, app_id: str, body: bytes, timestamp: str, oa_secret: str) -> str:
    material = app_id.encode() + body + timestamp.encode() + oa_secret.encode()
    return hashlib.sha256(material).hexdigest()


def signature_is_valid(body: bytes, header: str, settings: Settings | None = None) -> bool:
    s = settings or get_settings()
    secret = s.zalo_oa_secret.get_secret_value()
    if not secret or not s.zalo_app_id:
        return False
    try:
        timestamp = str(json.loads(body).get("timestamp", ""))
    except (ValueError, AttributeError):
        return False
    expected = webhook_signature(app_id=s.zalo_app_id, body=body, timestamp=timestamp, oa_secret=secret)
    given = header.strip().removeprefix("mac=")
    return same_secret(given, expected)


def event_is_recent(body: bytes, *, now: datetime, window: timedelta) -> bool:
    """The event's own `timestamp` (milliseconds) within `window` of now, either side (clocks drift)."""
    try:
        stamp = json.loads(body).get("timestamp")
        at = datetime.fromtimestamp(int(str(stamp)) / 1000, tz=now.tzinfo)
    except (ValueError, AttributeError, TypeError, OverflowError, OSError):
        return False
    return abs(at - now) <= window


@dataclass(frozen=True)
class ZaloEvent:
    name: str
    message: InboundSms | None  # a text from a user, when the event is one


def parse_event(body: bytes) -> ZaloEvent:
    data: dict[str, Any] = json.loads(body)
    name = str(data.get("event_name", ""))
    if name != "user_send_text":
        return ZaloEvent(name, None)
    sender = str((data.get("sender") or {}).get("id", ""))
    message = data.get("message") or {}
    recipient = str((data.get("recipient") or {}).get("id", ""))
    return ZaloEvent(name, InboundSms(provider="zalo", external_id=str(message.get("msg_id", "")),
                                      from_phone=ADDRESS_PREFIX + sender, to=recipient,
                                      text=str(message.get("text", ""))))


class ZaloOa:
    """Sends a text to a Zalo user who wrote to the OA; `send_sms` so the outbox can use it as a port."""

    def __init__(self, settings: Settings | None = None, *, client: httpx.Client | None = None) -> None:
        self._s = settings or get_settings()
        self._client = client or httpx.Client(timeout=self._s.twilio_timeout_seconds)

    def send_sms(self, *, to: str, body: str, status_callback: str) -> Sent:
        user_id = to.removeprefix(ADDRESS_PREFIX)
        answer = self._post_message(user_id, body, self.access_token())
        if answer.get("error") in TOKEN_ERRORS:
            answer = self._post_message(user_id, body, self.access_token(force=True))
        error = answer.get("error", -1)
        if error == 0:
            data = answer.get("data") or {}
            return Sent(provider_sid=str(data.get("message_id", "")), status="sent")
        if error in TOKEN_ERRORS or error == -32:  # token trouble, rate limit: Zalo's side, retried
            raise TransientDeliveryError(f"zalo {error}")
        raise PermanentDeliveryError(f"zalo {error} {str(answer.get('message', ''))[:80]}")

    def _post_message(self, user_id: str, text: str, token: str) -> dict[str, Any]:
        try:
            response = self._client.post(f"{self._s.zalo_api_base}/v3.0/oa/message/cs",
                                         headers={"access_token": token},
                                         json={"recipient": {"user_id": user_id}, "message": {"text": text}})
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(f"zalo {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientDeliveryError(f"zalo http {response.status_code}")
        try:
            return dict(response.json())
        except ValueError as exc:
            raise TransientDeliveryError("zalo: not JSON") from exc

    def access_token(self, *, force: bool = False, now: datetime | None = None) -> str:
        """The current access token, refreshed first when it expires within ten minutes (or `force`)."""
        moment = now or utcnow()
        with unit_of_work() as uow:
            s = uow.session
            row = s.execute(select(ZaloToken).where(ZaloToken.id == 1).with_for_update()).scalar_one_or_none()
            if row is None:
                row = ZaloToken(id=1, access_token="", refresh_token=self._s.zalo_refresh_token.get_secret_value(),
                                expires_at=moment)
                s.add(row)
            if force or not row.access_token or row.expires_at - REFRESH_BEFORE <= moment:
                fresh = self._refresh(row.refresh_token)
                row.access_token, row.refresh_token = fresh["access_token"], fresh["refresh_token"]
                row.expires_at = moment + timedelta(seconds=int(fresh.get("expires_in", 3600)))
            token = row.access_token
            uow.commit()
            return token

    def _refresh(self, refresh_token: str) -> dict[str, Any]:
        try:
            response = self._client.post(
                f"{self._s.zalo_oauth_base}/v4/oa/access_token",
                headers={"secret_key": self._s.zalo_app_secret.get_secret_value()},
                data={"refresh_token": refresh_token, "app_id": self._s.zalo_app_id, "grant_type": "refresh_token"})
            body = dict(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            raise TransientDeliveryError(f"zalo token refresh {type(exc).__name__}") from exc
        if "access_token" not in body or "refresh_token" not in body:
            raise TransientDeliveryError(f"zalo token refresh refused ({body.get('error', '?')})")
        return body
