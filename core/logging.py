"""Logging: one line per event, never an identity (names, phones, descriptions stay out of logs)."""

from __future__ import annotations

import logging
import re

from core.settings import get_settings

_PHONE = re.compile(r"(?<![\w.])\+?\d[\d .-]{7,}\d(?![\w.])")  # a whole number, not digits inside an id


class RedactPhones(logging.Filter):
    """A last line of defence: digits that look like a phone number are masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _PHONE.sub(_mask, message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def _mask(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group())
    return "[redacted]" if 9 <= digits <= 15 else match.group()  # phones, not dates or counts


def configure_logging() -> None:
    root = logging.getLogger()
    if getattr(root, "_hotline_configured", False):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactPhones())
    root.addHandler(handler)
    root.setLevel(get_settings().log_level)
    logging.getLogger("transitions").setLevel(logging.WARNING)  # a line per transition is noise
    root._hotline_configured = True  # type: ignore[attr-defined]
