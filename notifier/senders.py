"""One outbound port over several providers: a Zalo user gets a Zalo message, a phone an SMS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from notifier.ports import OutboundSms, Sent
from notifier.zalo_adapter import ADDRESS_PREFIX


class SendersByAddress:
    def __init__(self, sms: OutboundSms, zalo: Callable[[], OutboundSms]) -> None:
        self._sms, self._zalo_factory = sms, zalo
        self._zalo: OutboundSms | None = None

    def send_sms(self, *, to: str, body: str, status_callback: str) -> Sent:
        if to.startswith(ADDRESS_PREFIX):
            if self._zalo is None:
                self._zalo = self._zalo_factory()
            return self._zalo.send_sms(to=to, body=body, status_callback=status_callback)
        return self._sms.send_sms(to=to, body=body, status_callback=status_callback)

    def find_sent(
        self, *, channel: str, to: str, body: str, since: datetime, until: datetime, exclude: frozenset[str]
    ) -> Sent | None:
        """Ask the provider that would have sent it; one that cannot be asked (Zalo) counts it as sent."""
        target = self._zalo_factory() if to.startswith(ADDRESS_PREFIX) else self._sms
        find = getattr(target, "find_sent", None)
        if find is None:
            return Sent(provider_sid=f"unconfirmed-{int(since.timestamp())}", status="accepted")
        found: Sent | None = find(channel=channel, to=to, body=body, since=since, until=until, exclude=exclude)
        return found
