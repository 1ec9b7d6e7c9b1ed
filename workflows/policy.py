"""SLA policy as data: the clocks, their reminders and escalation, per urgency and per province.

`load_policy` reads one TOML file (syntax in workflows/sla_policy.toml, the shipped default) and
refuses a broken one with a PolicyError naming the file, the line and the problem, so the service
refuses to start rather than run with clocks nobody meant. Pure apart from reading that file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from core.clock import as_utc
from workflows.calendar import add_working_days
from workflows.machine import RISK_LEVELS, STATES

DEFAULT_POLICY = Path(__file__).with_name("sla_policy.toml")
URGENCIES = ("emergency", "high", "normal")
CLOCKS = ("acknowledge", "assessment", "emergency_protection", "separation_review", "plan_draft",
          "plan_approval")
ESCALATION_STEPS = ("next_contact_sms", "voice_call", "supervisor")
COUNTS_FROM = ("received", "state_entered")
CountsFrom = Literal["received", "state_entered"]

_ISO = re.compile(r"P(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_WORKING_DAYS = re.compile(r"(\d+)WD")


class PolicyError(Exception):
    """A policy file that cannot be used: `path:line: problem` (Vietnamese, then English)."""

    def __init__(self, path: Path, line: int, vi: str, en: str) -> None:
        super().__init__(f"{path}:{line}: {vi} / {en}")
        self.path, self.line, self.vi, self.en = path, line, vi, en


@dataclass(frozen=True)
class Span:
    """How long a clock runs: a fixed duration, or a number of Vietnamese working days."""

    text: str
    delta: timedelta | None = None
    working_days: int | None = None

    def after(self, start: datetime) -> datetime:
        if self.working_days is not None:
            return add_working_days(start, self.working_days)
        assert self.delta is not None
        return as_utc(start) + self.delta


def parse_span(text: str) -> Span | None:
    """'PT15M', 'P15D', 'P1DT2H' or '5WD'; None when unparsable or not positive."""
    if m := _WORKING_DAYS.fullmatch(text):
        return Span(text, working_days=int(m[1])) if int(m[1]) > 0 else None
    m = _ISO.fullmatch(text)
    if m is None or text in ("P", "PT"):
        return None
    days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return Span(text, delta=delta) if delta > timedelta(0) else None


@dataclass(frozen=True)
class Clock:
    name: str
    spans: Mapping[str, Span]  # urgency -> span
    counts_from: CountsFrom = "state_entered"
    reminders: tuple[float, ...] | None = None  # None: the policy's default
    arm_urgencies: frozenset[str] = frozenset()
    arm_risk_levels: frozenset[str] = frozenset()

    def armed_for(self, urgency: str, risk_level: str | None) -> bool:
        if not self.arm_urgencies and not self.arm_risk_levels:
            return True
        return urgency in self.arm_urgencies or risk_level in self.arm_risk_levels


@dataclass(frozen=True)
class SlaPolicy:
    source: Path
    clocks: Mapping[str, Clock]
    states: Mapping[str, tuple[str, ...]]
    reminders: tuple[float, ...] = (0.5, 0.9)
    escalation_steps: tuple[str, ...] = ESCALATION_STEPS
    provinces: Mapping[str, Mapping[str, Clock]] = field(default_factory=dict)  # merged clocks

    def clock(self, name: str, province_code: str | None = None) -> Clock:
        if province_code is not None and name in self.provinces.get(province_code, {}):
            return self.provinces[province_code][name]
        if name not in self.clocks:
            raise ValueError(f"unknown clock {name!r} (policy {self.source})")
        return self.clocks[name]

    def deadline(self, clock: str, *, urgency: str, province_code: str | None, start: datetime) -> datetime:
        spans = self.clock(clock, province_code).spans
        if urgency not in spans:
            raise ValueError(f"unknown urgency {urgency!r} (expected one of {', '.join(URGENCIES)})")
        return spans[urgency].after(as_utc(start))

    def reminder_times(
        self, clock: str, *, urgency: str, province_code: str | None, start: datetime
    ) -> list[datetime]:
        """Reminders at fractions of the clock's span, between `start` and the deadline."""
        start = as_utc(start)
        span = self.deadline(clock, urgency=urgency, province_code=province_code, start=start) - start
        own = self.clock(clock, province_code).reminders
        return [start + span * f for f in (self.reminders if own is None else own)]

    def counts_from(self, clock: str) -> CountsFrom:
        return self.clock(clock).counts_from

    def clocks_for(self, state: str, *, urgency: str, risk_level: str | None = None) -> list[str]:
        """The clocks entering `state` arms for a case of this urgency (and risk level, once known)."""
        return [c for c in self.states.get(state, ()) if self.clocks[c].armed_for(urgency, risk_level)]


def load_policy(path: Path | None = None) -> SlaPolicy:
    """The policy in `path`, else HOTLINE_SLA_POLICY, else the shipped default; PolicyError if broken."""
    if path is None:
        from core.settings import get_settings

        path = get_settings().sla_policy or DEFAULT_POLICY
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(path, 0, f"không đọc được tệp ({exc})", f"cannot read the file ({exc})") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m[1]) if m else len(text.splitlines())
        raise PolicyError(path, line, f"lỗi cú pháp TOML: {exc}", f"TOML syntax error: {exc}") from exc
    return _Reader(path, text).policy(data)


class _Reader:
    """Turns parsed TOML into an SlaPolicy, failing at the first problem with its line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, keys: tuple[str, ...], vi: str, en: str) -> PolicyError:
        return PolicyError(self.path, find_line(self.text, keys), vi, en)

    def policy(self, data: dict[str, Any]) -> SlaPolicy:
        self.only(data, (), ("reminders", "escalation", "clocks", "states", "provinces"))
        reminder_table = self.table(data, ("reminders",))
        self.only(reminder_table, ("reminders",), ("at",))
        reminders = self.fractions(reminder_table.get("at", [0.5, 0.9]), ("reminders", "at"))
        escalation = self.table(data, ("escalation",))
        self.only(escalation, ("escalation",), ("steps",))
        steps = self.escalation(escalation.get("steps", list(ESCALATION_STEPS)))
        clocks_raw = self.table(data, ("clocks",))
        clocks = {name: self.clock(name, body, ("clocks", name)) for name, body in clocks_raw.items()}
        states = self.states(self.table(data, ("states",)), clocks)
        provinces = {
            code: self.province(code, body, clocks)
            for code, body in self.table(data, ("provinces",)).items()
        }
        return SlaPolicy(self.path, clocks, states, reminders, steps, provinces)

    def table(self, data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
        value = data.get(keys[-1], {})
        if not isinstance(value, dict):
            where = ".".join(keys)
            raise self.fail(keys, f"'{where}' phải là một bảng", f"'{where}' must be a table")
        return value

    def only(self, data: dict[str, Any], keys: tuple[str, ...], allowed: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                where = ".".join((*keys, key))
                raise self.fail((*keys, key), f"khoá không rõ '{where}' (cho phép: {', '.join(allowed)})",
                                f"unknown key '{where}' (allowed: {', '.join(allowed)})")

    def fractions(self, value: Any, keys: tuple[str, ...]) -> tuple[float, ...]:
        ok = isinstance(value, list) and all(
            isinstance(f, int | float) and not isinstance(f, bool) and 0 < f < 1 for f in value)
        if not ok:
            raise self.fail(keys, f"nhắc việc phải là danh sách số trong khoảng (0, 1), không phải {value!r}",
                            f"reminders must be a list of numbers in (0, 1), not {value!r}")
        return tuple(sorted(set(map(float, value))))

    def escalation(self, value: Any) -> tuple[str, ...]:
        keys = ("escalation", "steps")
        if not isinstance(value, list) or not value:
            raise self.fail(keys, "cần danh sách bước leo thang", "a list of escalation steps is required")
        for step in value:
            if step not in ESCALATION_STEPS:
                allowed = ", ".join(ESCALATION_STEPS)
                raise self.fail(keys, f"bước leo thang không rõ {step!r} (cho phép: {allowed})",
                                f"unknown escalation step {step!r} (allowed: {allowed})")
        return tuple(value)

    def clock(self, name: str, body: Any, keys: tuple[str, ...], base: Clock | None = None) -> Clock:
        if name not in CLOCKS:
            raise self.fail(keys, f"đồng hồ không rõ '{name}' (cho phép: {', '.join(CLOCKS)})",
                            f"unknown clock '{name}' (allowed: {', '.join(CLOCKS)})")
        if not isinstance(body, dict):
            raise self.fail(keys, f"đồng hồ '{name}' phải là một bảng", f"clock '{name}' must be a table")
        allowed = ("all", *URGENCIES, "reminders") + (() if base else ("from", "arm_if"))
        self.only(body, keys, allowed)
        spans = dict(base.spans) if base else {}
        default = body.get("all")
        for urgency in URGENCIES:
            text = body.get(urgency, default)
            if text is not None:
                spans[urgency] = self.span(text, (*keys, urgency if urgency in body else "all"))
            elif urgency not in spans:
                raise self.fail(keys, f"đồng hồ '{name}' thiếu thời hạn cho '{urgency}' (hoặc 'all')",
                                f"clock '{name}' has no duration for '{urgency}' (nor 'all')")
        reminders = base.reminders if base else None
        if "reminders" in body:
            reminders = self.fractions(body["reminders"], (*keys, "reminders"))
        if base:
            return Clock(name, spans, base.counts_from, reminders, base.arm_urgencies, base.arm_risk_levels)
        counts_from = body.get("from", "state_entered")
        if counts_from not in COUNTS_FROM:
            raise self.fail((*keys, "from"), f"'from' phải là {COUNTS_FROM}, không phải {counts_from!r}",
                            f"'from' must be one of {COUNTS_FROM}, not {counts_from!r}")
        urgencies, risks = self.arm_if(body.get("arm_if", {}), (*keys, "arm_if"))
        return Clock(name, spans, counts_from, reminders, urgencies, risks)

    def span(self, text: Any, keys: tuple[str, ...]) -> Span:
        span = parse_span(text) if isinstance(text, str) else None
        if span is None:
            raise self.fail(keys, f"thời hạn không hợp lệ {text!r} (ví dụ: \"PT15M\", \"P15D\", \"5WD\")",
                            f"invalid duration {text!r} (e.g. \"PT15M\", \"P15D\", \"5WD\")")
        return span

    def arm_if(self, body: Any, keys: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
        if not isinstance(body, dict):
            raise self.fail(keys, "'arm_if' phải là một bảng", "'arm_if' must be a table")
        self.only(body, keys, ("urgency", "risk_level"))
        found = []
        for key, known in (("urgency", URGENCIES), ("risk_level", tuple(sorted(RISK_LEVELS)))):
            values = body.get(key, [])
            bad = [v for v in values if v not in known] if isinstance(values, list) else [values]
            if bad:
                allowed = ", ".join(known)
                raise self.fail((*keys, key), f"giá trị không rõ {bad!r} cho '{key}' (cho phép: {allowed})",
                                f"unknown {key} {bad!r} (allowed: {allowed})")
            found.append(frozenset(values))
        return found[0], found[1]

    def states(self, body: dict[str, Any], clocks: Mapping[str, Clock]) -> dict[str, tuple[str, ...]]:
        out = {}
        for state, names in body.items():
            keys = ("states", state)
            if state not in STATES:
                raise self.fail(keys, f"trạng thái không rõ '{state}'", f"unknown state '{state}'")
            if not isinstance(names, list):
                raise self.fail(keys, "cần một danh sách đồng hồ", "a list of clocks is required")
            for name in names:
                if name not in clocks:
                    raise self.fail(keys, f"đồng hồ '{name}' chưa được khai báo trong [clocks]",
                                    f"clock '{name}' is not defined under [clocks]")
            out[state] = tuple(names)
        return out

    def province(self, code: str, body: Any, clocks: Mapping[str, Clock]) -> dict[str, Clock]:
        keys = ("provinces", code)
        if not re.fullmatch(r"\d{2}", code) or not isinstance(body, dict):
            raise self.fail(keys, f"mã tỉnh '{code}' phải gồm 2 chữ số, với một bảng [clocks]",
                            f"province code '{code}' must be 2 digits, with a [clocks] table")
        self.only(body, keys, ("clocks",))
        out = {}
        for name, override in self.table(body, (*keys, "clocks")).items():
            ckeys = (*keys, "clocks", name)
            if name not in clocks:
                raise self.fail(ckeys, f"đồng hồ không rõ '{name}' (chưa có trong [clocks])",
                                f"unknown clock '{name}' (not defined under [clocks])")
            out[name] = self.clock(name, override, ckeys, base=clocks[name])
        return out


_BARE = r"[A-Za-z0-9_-]+|\"(?:[^\"\\]|\\.)*\"|'[^']*'"
_HEADER = re.compile(rf"\s*\[\[?\s*((?:{_BARE})(?:\s*\.\s*(?:{_BARE}))*)\s*\]\]?\s*(?:#.*)?")
_ASSIGN = re.compile(rf"\s*((?:{_BARE})(?:\s*\.\s*(?:{_BARE}))*)\s*=")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip("\"'") for p in re.findall(_BARE, dotted))


def find_line(text: str, keys: tuple[str, ...]) -> int:
    """The line (1-based) that defines `keys`, or the closest enclosing table or key; 1 if none.

    tomllib reports lines only for syntax errors, so a bad value is found again in the source.
    """
    best_line, best_depth = 1, 0
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _HEADER.fullmatch(line):
            table = _parts(header[1])
            path: tuple[str, ...] = table
        elif assign := _ASSIGN.match(line):
            path = (*table, *_parts(assign[1]))
        else:
            continue
        # The key itself, else the deepest enclosing table or key, else the first deeper table.
        depth = len(path) if path == keys[: len(path)] else len(keys) if path[: len(keys)] == keys else 0
        if depth > best_depth:
            best_line, best_depth = number, depth
    return best_line
