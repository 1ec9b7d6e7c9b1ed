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


# The secrets a URL of ours can carry: Jasmin's inbound key and a receipt's signature in the query, the
# one-tap token in the path of /x/<token>. Only the access log prints URLs (off unless asked).
_URL_SECRET = re.compile(r"(?i)([?&](?:key|sig|signature|token|code|password)=)[^&\s\"]*")
_PATH_TOKEN = re.compile(r"(/x/)[^/?\s\"]+")


class MaskUrlSecrets(logging.Filter):
    """For the access log: a request line keeps its route, never a key or a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _PATH_TOKEN.sub(r"\1***", _URL_SECRET.sub(r"\1***", message))
        masked = _PHONE.sub(_mask, masked)
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
    # uvicorn's access log has its own handler (not ours): the filter sits on the logger itself.
    logging.getLogger("uvicorn.access").addFilter(MaskUrlSecrets())
    root._hotline_configured = True  # type: ignore[attr-defined]
