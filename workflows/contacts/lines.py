"""Hotline lines as data: each with its number, province, greeting, opening hours and queue.

Several lines share one system (the national 111 and, say, a province's social-work centre line).
A lines file (HOTLINE_LINES, TOML) names them; without one, the number in HOTLINE_TWILIO_FROM is
the 111 line, open 24/7. Pure apart from reading that file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.clock import local
from workflows.clocks.calendar import is_working_day

DEFAULT_LINE = "111"


class LinesError(Exception):
    """A lines file that cannot be used (Vietnamese, then English)."""


@dataclass(frozen=True)
class Line:
    code: str
    name: str
    number: str  # E.164; "" means HOTLINE_TWILIO_FROM
    province_code: str | None
    greeting: str  # spoken first, Vietnamese
    opens: time | None = None  # None: 24 hours
    closes: time | None = None
    weekdays_only: bool = False
    closed_on_holidays: bool = False
    voicemail_after_seconds: int = 120  # no operator within this: voicemail and a call-back task
    reply_within_minutes: int = 15  # a message from the public unanswered this long alerts the shift lead
    no_operator_alert_seconds: int = 60  # a waiting call nobody is free for (a danger call: at once)
    record_calls: bool = False  # the IVR says so first; recordings are encrypted and audited
    recording_retention_days: int = 30  # then deleted by the daily job

    def is_open(self, when: datetime) -> bool:
        """Open at `when` (UTC), by Vietnam's clock and calendar (Tết included)."""
        moment = local(when)
        if self.weekdays_only and moment.weekday() >= 5 and not is_working_day(moment.date()):
            return False
        if self.closed_on_holidays and moment.weekday() < 5 and not is_working_day(moment.date()):
            return False
        if self.opens is None or self.closes is None:
            return True
        return self.opens <= moment.time() < self.closes

    def queue(self, *, priority: bool) -> str:
        return f"{self.code}-{'priority' if priority else 'general'}"


def national_line(number: str = "") -> Line:
    return Line(code=DEFAULT_LINE, name="Tổng đài quốc gia bảo vệ trẻ em 111", number=number,
                province_code=None, greeting="Tổng đài quốc gia bảo vệ trẻ em 111 xin chào.")


def _time(value: Any, where: str) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise LinesError(f"{where}: giờ không hợp lệ {value!r} (ví dụ \"07:30\") / invalid time") from exc


def _positive(body: dict[str, Any], key: str, default: int, where: str) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise LinesError(f"{where}: '{key}' phải là số nguyên dương / must be a positive whole number")
    return value


def parse_lines(data: dict[str, Any], *, source: str = "lines") -> dict[str, Line]:
    lines: dict[str, Line] = {}
    for code, body in (data.get("lines") or {}).items():
        where = f"{source}: [lines.{code}]"
        if not isinstance(body, dict):
            raise LinesError(f"{where} phải là một bảng / must be a table")
        unknown = set(body) - {"name", "number", "province", "greeting", "opens", "closes", "weekdays_only",
                               "closed_on_holidays", "voicemail_after_seconds", "reply_within_minutes",
                               "no_operator_alert_seconds", "record_calls", "recording_retention_days"}
        if unknown:
            raise LinesError(f"{where}: khoá không rõ / unknown keys {sorted(unknown)}")
        opens = _time(body["opens"], where) if "opens" in body else None
        closes = _time(body["closes"], where) if "closes" in body else None
        if (opens is None) != (closes is None):
            raise LinesError(f"{where}: cần cả 'opens' và 'closes' / both opens and closes are needed")
        lines[str(code)] = Line(
            code=str(code), name=str(body.get("name", code)), number=str(body.get("number", "")),
            province_code=str(body["province"]) if body.get("province") else None,
            greeting=str(body.get("greeting", f"{body.get('name', code)} xin chào.")),
            opens=opens, closes=closes, weekdays_only=bool(body.get("weekdays_only", False)),
            closed_on_holidays=bool(body.get("closed_on_holidays", False)),
            voicemail_after_seconds=int(body.get("voicemail_after_seconds", 120)),
            reply_within_minutes=_positive(body, "reply_within_minutes", 15, where),
            no_operator_alert_seconds=_positive(body, "no_operator_alert_seconds", 60, where),
            record_calls=bool(body.get("record_calls", False)),
            recording_retention_days=_positive(body, "recording_retention_days", 30, where),
        )
    return lines


@lru_cache(maxsize=1)
def configured_lines() -> dict[str, Line]:
    from core.settings import get_settings

    settings = get_settings()
    lines: dict[str, Line] = {}
    if settings.lines_file is not None:
        path = Path(settings.lines_file)
        try:
            lines = parse_lines(tomllib.loads(path.read_text(encoding="utf-8")), source=str(path))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise LinesError(f"{path}: {exc}") from exc
    national = lines.get(DEFAULT_LINE) or national_line()
    if not national.number:
        national = Line(**{**national.__dict__, "number": settings.twilio_from})
    lines[DEFAULT_LINE] = national
    return lines


def reset_lines() -> None:
    configured_lines.cache_clear()


def line_for_number(number: str) -> Line:
    """The line a caller dialled; an unknown number is the 111 line (it must never fail a call)."""
    lines = configured_lines()
    for line in lines.values():
        if line.number and line.number == number:
            return line
    return lines[DEFAULT_LINE]
