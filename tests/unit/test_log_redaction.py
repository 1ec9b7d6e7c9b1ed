"""The last line of defence: what looks like a phone number never reaches a log line."""

import logging

from core.logging import RedactPhones


def _filtered(message: str, *args: object) -> str:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, args, None)
    RedactPhones().filter(record)
    return record.getMessage()


def test_phone_numbers_are_masked() -> None:
    assert _filtered("sent to %s", "+84912345678") == "sent to [redacted]"
    assert _filtered("goi 0912 345 678 ngay") == "goi [redacted] ngay"


def test_ids_and_times_are_left_alone() -> None:
    assert _filtered("worker 41e968356d2b4d51b0853b17 started") == "worker 41e968356d2b4d51b0853b17 started"
    assert _filtered("outbox 12 attempt 2 failed at 2026-11-24") == "outbox 12 attempt 2 failed at 2026-11-24"
