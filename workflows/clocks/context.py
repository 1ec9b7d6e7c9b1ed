"""Process-wide collaborators the service layer needs: the SLA policy and the outbound gateway."""

from __future__ import annotations

from functools import lru_cache

from notifier.ports import Caller, SmsSender
from workflows.clocks.policy import SlaPolicy
from workflows.clocks.policy_reader import load_policy


@lru_cache(maxsize=1)
def active_policy() -> SlaPolicy:
    """Loaded once; a broken policy file stops the service at start (see intake.app / cli)."""
    return load_policy()


def reset_policy() -> None:
    active_policy.cache_clear()


class _Gateways:
    sms: SmsSender | None = None
    caller: Caller | None = None


def gateways() -> tuple[SmsSender, Caller]:
    """Voice always goes through Twilio; SMS through the provider the settings name."""
    if _Gateways.sms is None or _Gateways.caller is None:
        from core.settings import get_settings
        from notifier.twilio_adapter import TwilioGateway

        twilio = TwilioGateway()
        sms: SmsSender = twilio
        if get_settings().sms_provider == "jasmin":
            from notifier.jasmin_adapter import JasminSms

            sms = JasminSms()
        from notifier.senders import SendersByAddress
        from notifier.zalo_adapter import ZaloOa

        _Gateways.sms, _Gateways.caller = SendersByAddress(sms, ZaloOa), twilio
    return _Gateways.sms, _Gateways.caller


def use_gateways(sms: SmsSender, caller: Caller) -> None:
    """Send through these instead of Twilio (tests; a province's other SMS provider)."""
    _Gateways.sms, _Gateways.caller = sms, caller


def reset_gateways() -> None:
    _Gateways.sms = _Gateways.caller = None
