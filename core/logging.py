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
    # uvicorn's access log has its own handler (not ours): the filter sits on the logger itself.
    logging.getLogger("uvicorn.access").addFilter(MaskUrlSecrets())
    root._hotline_configured = True  # type: ignore[attr-defined]
