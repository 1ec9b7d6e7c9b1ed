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


def _access_line(path: str) -> str:
    """A line as uvicorn's access logger writes it: client, method, path with query, version, status."""
    from core.logging import MaskUrlSecrets

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "POST", path, "1.1", 200), None)
    MaskUrlSecrets().filter(record)
    return record.getMessage()


def test_the_access_log_masks_the_jasmin_key_receipt_signatures_and_one_tap_tokens() -> None:
    line = _access_line("/jasmin/mo?key=s3cr3t-inbound-key-0123&lang=vi")
    assert "s3cr3t" not in line and "/jasmin/mo?key=***&lang=vi" in line
    line = _access_line("/jasmin/dlr?outbox=12&sig=0a1b2c3d4e5f6a7b8c9d0e1f")
    assert "0a1b2c3d" not in line and "/jasmin/dlr?outbox=12&sig=***" in line
    line = _access_line("/x/AbCdEf123456_-tok?lang=en")
    assert "AbCdEf" not in line and "/x/***?lang=en" in line
    assert _access_line("/xa/ca/TE4KM7XQ9") .endswith('"POST /xa/ca/TE4KM7XQ9 HTTP/1.1" 200')  # routes stay


def test_the_access_logger_carries_the_mask_once_logging_is_configured() -> None:
    from core.logging import MaskUrlSecrets, configure_logging

    configure_logging()
    assert any(isinstance(f, MaskUrlSecrets) for f in logging.getLogger("uvicorn.access").filters)
