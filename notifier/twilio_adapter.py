"""The one module that imports twilio: outbound SMS and calls, and webhook signature checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from core.settings import Settings, get_settings
from notifier.ports import PermanentDeliveryError, Sent, TransientDeliveryError

TWILIO_API = "https://api.twilio.com"


class _RebasedHttpClient(TwilioHttpClient):
    """Sends the SDK's requests to HOTLINE_TWILIO_API_BASE (a local stand-in in tests and demos)."""

    def __init__(self, api_base: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._api_base = api_base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self._api_base != TWILIO_API and url.startswith(TWILIO_API):
            url = self._api_base + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class TwilioGateway:
    """SmsSender and Caller over the official SDK, with a timeout on every request."""

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


def _sent(create: Callable[..., Any], **params: Any) -> Sent:
    """One REST call, its errors sorted into worth-retrying and not."""
    try:
        resource = create(**params)
    except TwilioRestException as exc:
        raise _classify(exc) from exc
    except (TwilioException, OSError) as exc:
        raise TransientDeliveryError(type(exc).__name__) from exc
    return Sent(provider_sid=str(resource.sid), status=str(resource.status or "queued"))


def _classify(exc: TwilioRestException) -> Exception:
    status = int(exc.status or 0)
    if status == 429 or status >= 500:
        return TransientDeliveryError(f"twilio {status}")
    return PermanentDeliveryError(f"twilio {status} code {exc.code}")


def signature_is_valid(url: str, params: dict[str, str], signature: str) -> bool:
    """Check X-Twilio-Signature with the SDK's own validator."""
    token = get_settings().twilio_auth_token.get_secret_value()
    return bool(RequestValidator(token).validate(url, params, signature))


def sign(url: str, params: dict[str, str], token: str | None = None) -> str:
    """The signature Twilio would send (the local stand-in signs its callbacks with it)."""
    secret = token or get_settings().twilio_auth_token.get_secret_value()
    return str(RequestValidator(secret).compute_signature(url, params))
