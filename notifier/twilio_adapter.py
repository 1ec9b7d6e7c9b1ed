"""The one module that imports twilio: outbound SMS and calls, and webhook signature checks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ConnectTimeout
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from core.settings import Settings, get_settings
from notifier.ports import (
    DeliveryError,
    OutcomeUnknown,
    ProviderFailure,
    RecipientFailure,
    RejectedMessage,
    Sent,
)

TWILIO_API = "https://api.twilio.com"
# Twilio's error codes that say the number, not the provider, is the problem (REST and callback codes).
RECIPIENT_CODES = {
    21211: "invalid_number", 21217: "invalid_number", 21401: "invalid_number", 21407: "invalid_number",
    21614: "landline", 30006: "landline",
    21610: "opted_out", 30004: "opted_out",
    21612: "unreachable", 30003: "unreachable", 30005: "unreachable",
}
LOOKBACK = 200  # a number's most recent messages searched when reconciling (newest first)
# The SDK logs every request's query at INFO (a list request's query is a phone number): warnings only.
_SDK_LOG = logging.getLogger("notifier.twilio_sdk")
_SDK_LOG.setLevel(logging.WARNING)


class _RebasedHttpClient(TwilioHttpClient):
    """Sends the SDK's requests to HOTLINE_TWILIO_API_BASE (a local stand-in in tests and demos)."""

    def __init__(self, api_base: str, timeout: float) -> None:
        super().__init__(timeout=timeout, logger=_SDK_LOG)
        self._api_base = api_base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self._api_base != TWILIO_API and url.startswith(TWILIO_API):
            url = self._api_base + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class TwilioGateway:
    """SmsSender, Caller and SentLedger over the official SDK, with a timeout on every request."""

    def __init__(self, settings: Settings | None = None) -> None:
        s = settings or get_settings()
        self._from = s.twilio_from
        self._client = Client(
            s.twilio_account_sid,
            s.twilio_auth_token.get_secret_value(),
            http_client=_RebasedHttpClient(s.twilio_api_base, s.twilio_timeout_seconds),
        )

    def send_sms(self, *, to: str, body: str, status_callback: str) -> Sent:
        return _sent(self._client.messages.create, to=to, from_=self._from, body=body,
                     status_callback=status_callback)

    def call(self, *, to: str, twiml: str, status_callback: str) -> Sent:
        return _sent(self._client.calls.create, to=to, from_=self._from, twiml=twiml,
                     status_callback=status_callback)


    def redirect(self, *, call_sid: str, twiml: str) -> None:
        """A live call goes on with `twiml` (Calls/{sid} update); failures raise the port's errors."""
        try:
            self._client.calls(call_sid).update(twiml=twiml)
        except TwilioRestException as exc:
            raise classify(int(exc.status or 0), exc.code) from exc
        except (TwilioException, OSError) as exc:  # redirecting twice is harmless: no unknown outcome to keep
            raise ProviderFailure(f"twilio redirect {type(exc).__name__}") from exc

    def delete_recording(self, *, recording_sid: str) -> None:
        """A recording past its retention, deleted at Twilio (already gone counts as deleted)."""
        try:
            self._client.recordings(recording_sid).delete()
        except TwilioRestException as exc:
            if exc.status != 404:
                raise ProviderFailure(f"twilio recording delete {exc.status}", code=exc.code) from exc
        except (TwilioException, OSError) as exc:
            raise ProviderFailure(f"twilio recording delete {type(exc).__name__}") from exc

    def find_sent(
        self, *, channel: str, to: str, body: str, since: datetime, until: datetime, exclude: frozenset[str]
    ) -> Sent | None:
        """The message (or call) of an attempt whose outcome we do not know, if Twilio accepted it.

        Twilio's resources do not show the status-callback URL (where our outbox id is), so an attempt
        is matched on what Twilio does show: our sender, the recipient, the exact body (SMS), a creation
        time inside the attempt's window, and a SID no other outbox row owns. The per-phone throttle (one
        SMS a minute) leaves at most one attempt per phone in a window, so the match is unambiguous.
        """
        try:
            if channel == "voice":
                found: Iterable[Any] = self._client.calls.list(to=to, from_=self._from, limit=LOOKBACK)
            else:
                found = self._client.messages.list(to=to, from_=self._from, limit=LOOKBACK)
            matches = [
                item for item in found
                if item.sid not in exclude and item.date_created is not None
                and since <= item.date_created <= until and (channel == "voice" or item.body == body)
            ]
        except TwilioRestException as exc:
            raise ProviderFailure(f"twilio list {exc.status}", code=exc.code) from exc
        except (TwilioException, OSError) as exc:
            raise ProviderFailure(f"twilio list {type(exc).__name__}") from exc
        if not matches:
            return None
        first = min(matches, key=lambda item: item.date_created)
        return Sent(provider_sid=str(first.sid), status=str(first.status or "queued"))


def _sent(create: Callable[..., Any], **params: Any) -> Sent:
    """One REST call, its errors sorted: provider, recipient, rejected, or unknown outcome."""
    try:
        resource = create(**params)
    except TwilioRestException as exc:
        raise classify(int(exc.status or 0), exc.code) from exc
    except ConnectTimeout as exc:
        raise ProviderFailure("connect timeout") from exc
    except RequestsConnectionError as exc:
        if "NewConnectionError" in repr(exc.args):  # refused or unresolved: the request never left
            raise ProviderFailure("connection refused") from exc
        raise OutcomeUnknown(type(exc).__name__) from exc
    except (TwilioException, OSError) as exc:  # a read timeout, a reset, an unreadable answer
        raise OutcomeUnknown(type(exc).__name__) from exc
    return Sent(provider_sid=str(resource.sid), status=str(resource.status or "queued"))


def classify(status: int, code: int | None) -> DeliveryError:
    """Twilio's HTTP status and error code as one of the port's failures."""
    if code in RECIPIENT_CODES:
        return RecipientFailure(f"twilio {status} code {code}", code=code, reason=RECIPIENT_CODES[code])
    if status in (401, 403, 429) or status >= 500:
        return ProviderFailure(f"twilio {status} code {code}", code=code)
    return RejectedMessage(f"twilio {status} code {code}", code=code)


def recipient_reason(error_code: str | int | None) -> str | None:
    """For a delivery receipt's ErrorCode: why the number cannot get messages, or None if it is not the number."""
    try:
        return RECIPIENT_CODES.get(int(error_code or 0))
    except ValueError:
        return None


def signature_is_valid(url: str, params: dict[str, str], signature: str) -> bool:
    """Check X-Twilio-Signature with the SDK's own validator."""
    token = get_settings().twilio_auth_token.get_secret_value()
    return bool(RequestValidator(token).validate(url, params, signature))


def sign(url: str, params: dict[str, str], token: str | None = None) -> str:
    """The signature Twilio would send (the local stand-in signs its callbacks with it)."""
    secret = token or get_settings().twilio_auth_token.get_secret_value()
    return str(RequestValidator(secret).compute_signature(url, params))
