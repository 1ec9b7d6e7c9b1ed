"""Logging: one JSON line per event, with the request's id, never an identity (names, phones,
descriptions stay out of logs; a filter masks whatever looks like a phone number, tracebacks included)."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

from core.settings import get_settings

_PHONE = re.compile(r"(?<![\w.])\+?\d[\d .-]{7,}\d(?![\w.])")  # a whole number, not digits inside an id
# Set by the API's edge middleware (intake.api.metrics.Edge) for the time of a request.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class RedactPhones(logging.Filter):
    """A last line of defence: digits that look like a phone number are masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def redact(text: str) -> str:
    return _PHONE.sub(_mask, text)


def _mask(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group())
    return "[redacted]" if 9 <= digits <= 15 else match.group()  # phones, not dates or counts


class JsonLines(logging.Formatter):
    """`{"ts", "level", "logger", "message", "request_id"?, "error"?}`, one object a line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        if (rid := request_id_var.get()) is not None:
            line["request_id"] = rid
        if record.exc_info:
            # A driver's error can quote the values it was given: masked like the message.
            line["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure_logging() -> None:
    root = logging.getLogger()
    if getattr(root, "_hotline_configured", False):
        return
    handler = logging.StreamHandler()
    if get_settings().log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactPhones())
    root.addHandler(handler)
    root.setLevel(get_settings().log_level)
    logging.getLogger("transitions").setLevel(logging.WARNING)  # a line per transition is noise
    root._hotline_configured = True  # type: ignore[attr-defined]
