"""Logging: one line per event, never an identity (names, phones, descriptions stay out of logs)."""

from __future__ import annotations

import logging
import re

from core.settings import get_settings

_PHONE = re.compile(r"\+?\d[\d .-]{7,}\d")


class RedactPhones(logging.Filter):
    """A last line of defence: digits that look like a phone number are masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _PHONE.search(message):
            record.msg, record.args = _PHONE.sub("[redacted]", message), ()
        return True


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
