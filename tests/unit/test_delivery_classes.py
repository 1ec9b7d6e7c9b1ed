"""Sorting a provider's answer into provider, recipient and other failures; the retry schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.settings import Settings
from notifier.outbox import DeliveryPolicy
from notifier.ports import ProviderFailure, RecipientFailure, RejectedMessage
from notifier.twilio_adapter import classify


@pytest.mark.parametrize(("status", "code", "kind", "reason"), [
    (400, 21211, RecipientFailure, "invalid_number"),
    (400, 21614, RecipientFailure, "landline"),
    (400, 21610, RecipientFailure, "opted_out"),
    (400, 21612, RecipientFailure, "unreachable"),
    (401, 20003, ProviderFailure, None),
    (403, 20005, ProviderFailure, None),
    (429, 20429, ProviderFailure, None),
    (500, 20500, ProviderFailure, None),
    (503, None, ProviderFailure, None),
    (400, 21602, RejectedMessage, None),
])
def test_twilio_answers_are_sorted(status: int, code: int | None, kind: type, reason: str | None) -> None:
    error = classify(status, code)
    assert type(error) is kind and error.code == code
    if reason:
        assert isinstance(error, RecipientFailure) and error.reason == reason


def test_provider_failures_back_off_to_a_cap_and_the_lease_covers_the_timeout() -> None:
    policy = DeliveryPolicy.from_settings(Settings(twilio_timeout_seconds=10, delivery_unknown_grace_seconds=30,
                                                   delivery_backoff_cap_seconds=600,
                                                   shift_lead_phones=" +84987000111, ,+84987000222"))
    assert [policy.backoff(n).total_seconds() for n in (1, 2, 3, 6, 50)] == [15, 30, 60, 480, 600]
    assert policy.lease == timedelta(seconds=40)
    assert policy.shift_leads == ("+84987000111", "+84987000222")
