"""Reading an SLA policy file: laid over the shipped default, checked, every problem at its `file:line`.

A file says only what it changes (`[clocks.acknowledge]` alone, `[reminders] at = [...]` alone...): it
is merged key by key over the default (a clock's `all` replaces the default's per-urgency values; a
list such as `steps` replaces the default's list). The merged result is then checked as a whole, and a
problem is reported at the line of the file that said it (or of the default, for what the file left).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from routing.gazetteer import province_codes
from workflows.case.machine import RISK_LEVELS, STATES, TERMINAL
from workflows.clocks.policy import (
    ALWAYS_TOLD,
    CHANNELS,
    CLOCKS,
    COUNTS_FROM,
    DEFAULT_POLICY,
    LEGACY_ESCALATION,
    LEGAL_CLOCKS,
    ROLES,
    URGENCIES,
    Clock,
    PolicyError,
    QuietHours,
    SlaPolicy,
    Span,
    Step,
    parse_quiet_hours,
    parse_span,
)

_CLOCK_KEYS = ("all", *URGENCIES, "reminders", "steps", "quiet_hours")
_BASE_ONLY_KEYS = ("from", "arm_if", "waits_for", "not_in_emergency")  # not per province
# No clock of the law or of ours runs longer than the 15 days of a temporary separation, or the working
# days of a plan: a span beyond these is a typo ("P3650D" for "PT365M"), never a deadline.
LONGEST = timedelta(days=90)
LONGEST_WORKING_DAYS = 60


def load_policy(path: Path | None = None) -> SlaPolicy:
    """The policy in `path`, else HOTLINE_SLA_POLICY, else the shipped default, laid over the default.

    Raises PolicyError (`file:line: problem`) for anything it cannot use.
    """
    if path is None:
        from core.settings import get_settings

        path = get_settings().sla_policy or DEFAULT_POLICY
    return read_policy(path, DEFAULT_POLICY)


def read_policy(path: Path, default: Path) -> SlaPolicy:
    top_text, top = _parse(path)
    if path.resolve() == default.resolve():
        return _Reader(path, top_text, top, None).policy(top)
    base_text, base = _parse(default)
    return _Reader(path, top_text, top, (default, base_text)).policy(overlay(base, top))


def _parse(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(path, 0, f"không đọc được tệp ({exc})", f"cannot read the file ({exc})") from exc
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m[1]) if m else len(text.splitlines())
        raise PolicyError(path, line, f"lỗi cú pháp TOML: {exc}", f"TOML syntax error: {exc}") from exc


def overlay(base: Mapping[str, Any], top: Mapping[str, Any], path: tuple[str, ...] = ()) -> dict[str, Any]:
    """`top` over `base`, key by key; lists and values replace; a clock's `all` replaces its urgencies."""
    out = dict(base)
    if _is_clock(path) and "all" in top:
        for urgency in URGENCIES:
            out.pop(urgency, None)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = overlay(out[key], value, (*path, key))
        else:
            out[key] = value
    return out


def _is_clock(path: tuple[str, ...]) -> bool:
    return (len(path) == 2 and path[0] == "clocks") or (len(path) == 4 and path[0] == "provinces")


def _has(data: Mapping[str, Any], keys: tuple[str, ...]) -> bool:
    node: Any = data
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


class _Reader:
    """Turns merged TOML into an SlaPolicy, failing at the first problem with its file and line."""

    def __init__(self, path: Path, text: str, top: dict[str, Any], base: tuple[Path, str] | None) -> None:
        self.path, self.text, self.top, self.base = path, text, top, base

    def fail(self, keys: tuple[str, ...], vi: str, en: str) -> PolicyError:
        # The file that said it: the policy file when it has this key (or its table), else the default.
        said_here = self.base is None or _has(self.top, keys[:2])
        path, text = (self.path, self.text) if said_here or self.base is None else self.base
        return PolicyError(path, find_line(text, keys), vi, en)

    def policy(self, data: dict[str, Any]) -> SlaPolicy:
        self.only(data, (), ("reminders", "escalation", "clocks", "states", "provinces"))
        reminder_table = self.table(data, ("reminders",))
        self.only(reminder_table, ("reminders",), ("at",))
        reminders = self.fractions(reminder_table.get("at", [0.5, 0.9]), ("reminders", "at"))
        self.legacy_escalation(self.table(data, ("escalation",)))
        clocks_raw = self.table(data, ("clocks",))
        clocks = {name: self.clock(name, body, ("clocks", name)) for name, body in clocks_raw.items()}
        states = self.states(self.table(data, ("states",)), clocks)
        provinces = {
            code: self.province(code, body, clocks)
            for code, body in self.table(data, ("provinces",)).items()
        }
        version = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:12]
        return SlaPolicy(self.path, clocks, states, reminders, provinces, version)

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

    def legacy_escalation(self, escalation: dict[str, Any]) -> None:
        """`[escalation] steps` of the old single ladder: accepted only as the old default, which the
        shipped per-clock ladders do; anything else must be said per clock."""
        self.only(escalation, ("escalation",), ("steps",))
        steps = escalation.get("steps", list(LEGACY_ESCALATION))
        if steps != list(LEGACY_ESCALATION):
            raise self.fail(("escalation", "steps"),
                            f"[escalation] steps = {steps!r} không còn dùng: ghi bậc leo thang cho từng đồng hồ "
                            "([clocks.TÊN] steps = [...])",
                            f"[escalation] steps = {steps!r} is no longer used: give each clock its own ladder "
                            "([clocks.NAME] steps = [...])")

    def clock(self, name: str, body: Any, keys: tuple[str, ...], base: Clock | None = None) -> Clock:
        if name not in CLOCKS:
            raise self.fail(keys, f"đồng hồ không rõ '{name}' (cho phép: {', '.join(CLOCKS)})",
                            f"unknown clock '{name}' (allowed: {', '.join(CLOCKS)})")
        if not isinstance(body, dict):
            raise self.fail(keys, f"đồng hồ '{name}' phải là một bảng", f"clock '{name}' must be a table")
        self.only(body, keys, _CLOCK_KEYS + (() if base else _BASE_ONLY_KEYS))
        spans = dict(base.spans) if base else {}
        if base and "all" in body:
            spans = {}
        for urgency in URGENCIES:
            text = body.get(urgency, body.get("all"))
            if text is not None:
                spans[urgency] = self.span(text, (*keys, urgency if urgency in body else "all"))
            elif urgency not in spans:
                raise self.fail(keys, f"đồng hồ '{name}' thiếu thời hạn cho '{urgency}' (hoặc 'all')",
                                f"clock '{name}' has no duration for '{urgency}' (nor 'all')")
        reminders = base.reminders if base else None
        if "reminders" in body:
            reminders = self.fractions(body["reminders"], (*keys, "reminders"))
        steps = self.steps(name, body["steps"], (*keys, "steps")) if "steps" in body else base.steps if base else ()
        if not steps:
            raise self.fail(keys, f"đồng hồ '{name}' cần bậc leo thang: steps = [...]",
                            f"clock '{name}' needs an escalation ladder: steps = [...]")
        quiet = self.quiet(name, body["quiet_hours"], (*keys, "quiet_hours")) if "quiet_hours" in body else (
            base.quiet_hours if base else None)
        if base:
            return Clock(name, spans, base.counts_from, reminders, base.arm_urgencies, base.arm_risk_levels,
                         steps, base.waits_for, quiet, base.arm_in_emergency, base.not_in_emergency)
        counts_from = body.get("from", "state_entered")
        if counts_from not in COUNTS_FROM:
            raise self.fail((*keys, "from"), f"'from' phải là {COUNTS_FROM}, không phải {counts_from!r}",
                            f"'from' must be one of {COUNTS_FROM}, not {counts_from!r}")
        urgencies, risks, emergency = self.arm_if(body.get("arm_if", {}), (*keys, "arm_if"))
        waits_for = self.roles(body.get("waits_for", ["assignee"]), (*keys, "waits_for"), chain=False)
        not_in_emergency = body.get("not_in_emergency", False)
        if not isinstance(not_in_emergency, bool):
            raise self.fail((*keys, "not_in_emergency"), "'not_in_emergency' phải là true hoặc false",
                            "'not_in_emergency' must be true or false")
        return Clock(name, spans, counts_from, reminders, urgencies, risks, steps, waits_for, quiet, emergency,
                     not_in_emergency)

    def span(self, text: Any, keys: tuple[str, ...]) -> Span:
        try:
            span = parse_span(text) if isinstance(text, str) else None
        except OverflowError:  # more days than a date can hold: too long, like any span past LONGEST
            span = Span(text, delta=timedelta.max)
        if span is None:
            raise self.fail(keys, f"thời hạn không hợp lệ {text!r} (ví dụ: \"PT15M\", \"P15D\", \"5WD\")",
                            f"invalid duration {text!r} (e.g. \"PT15M\", \"P15D\", \"5WD\")")
        if _too_long(span):
            raise self.fail(keys, f"thời hạn {text!r} quá dài (tối đa {LONGEST.days} ngày, "
                                  f"{LONGEST_WORKING_DAYS} ngày làm việc)",
                            f"duration {text!r} is too long (at most {LONGEST.days} days, "
                            f"{LONGEST_WORKING_DAYS} working days)")
        return span

    def quiet(self, clock: str, text: Any, keys: tuple[str, ...]) -> QuietHours:
        if clock in LEGAL_CLOCKS:
            raise self.fail(keys, f"đồng hồ luật định '{clock}' không được tạm dừng (quiet_hours)",
                            f"the legal clock '{clock}' never pauses: no quiet_hours")
        quiet = parse_quiet_hours(text) if isinstance(text, str) else None
        if quiet is None:
            raise self.fail(keys, f"giờ yên lặng không hợp lệ {text!r} (ví dụ: \"22:00-06:00\")",
                            f"invalid quiet_hours {text!r} (e.g. \"22:00-06:00\", Asia/Ho_Chi_Minh)")
        return quiet

    def roles(self, value: Any, keys: tuple[str, ...], *, chain: bool) -> tuple[str, ...]:
        known = ROLES if chain else tuple(r for r in ROLES if r != "chain")
        if not isinstance(value, list) or not value:
            raise self.fail(keys, "cần danh sách vai trò", "a list of roles is required")
        for role in value:
            if role not in known:
                raise self.fail(keys, f"vai trò không rõ {role!r} (cho phép: {', '.join(known)})",
                                f"unknown role {role!r} (allowed: {', '.join(known)})")
        return tuple(dict.fromkeys(value))

    def steps(self, clock: str, value: Any, keys: tuple[str, ...]) -> tuple[Step, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(keys, "cần danh sách bậc leo thang", "a non-empty list of escalation steps is required")
        steps = tuple(self.step(clock, body, keys, index) for index, body in enumerate(value))
        told = {role for step in steps for role in step.to}
        missing = sorted(ALWAYS_TOLD.get(clock, frozenset()) - told)
        if missing:
            raise self.fail(keys, f"đồng hồ luật định '{clock}' phải báo chủ tịch, công an và giám sát "
                                  f"(thiếu {missing})",
                            f"the legal clock '{clock}' must reach the chair, the police and the supervisor "
                            f"(missing {missing})")
        return steps

    def step(self, clock: str, body: Any, keys: tuple[str, ...], index: int) -> Step:
        line = find_item_line(self.text if _has(self.top, keys[:2]) else self._base_text(), keys, index)

        def bad(vi: str, en: str) -> PolicyError:
            error = self.fail(keys, f"bậc {index + 1}: {vi}", f"step {index + 1}: {en}")
            return PolicyError(error.path, line, error.vi, error.en)

        if not isinstance(body, dict):
            raise bad("phải là một bảng { to = [...], channel = ..., wait = ... }",
                      "must be a table { to = [...], channel = ..., wait = ... }")
        for key in body:
            if key not in ("to", "channel", "wait"):
                raise bad(f"khoá không rõ '{key}' (cho phép: to, channel, wait)",
                          f"unknown key '{key}' (allowed: to, channel, wait)")
        try:
            to = self.roles(body.get("to"), keys, chain=True)
        except PolicyError as exc:
            raise bad(exc.vi, exc.en) from None
        channel = body.get("channel", "sms")
        if channel not in CHANNELS:
            raise bad(f"kênh không rõ {channel!r} (cho phép: {', '.join(CHANNELS)})",
                      f"unknown channel {channel!r} (allowed: {', '.join(CHANNELS)})")
        if "chain" in to and (to != ("chain",) or channel != "sms" or clock != "acknowledge"):
            raise bad("'chain' (chuyển ca cho người kế tiếp) chỉ dùng một mình, qua sms, cho đồng hồ acknowledge",
                      "'chain' (hand the case to the next contact) stands alone, by sms, on the acknowledge clock")
        wait = None
        if "wait" in body:
            raw = body["wait"]
            table = raw if isinstance(raw, dict) else {"all": raw}
            wait = {}
            for urgency in URGENCIES:
                text = table.get(urgency, table.get("all"))
                try:
                    span = parse_span(text) if isinstance(text, str) else None
                except OverflowError:
                    span = None
                if span is None or any(k not in ("all", *URGENCIES) for k in table):
                    raise bad(f"'wait' không hợp lệ {raw!r} (một thời hạn, hoặc theo mức khẩn)",
                              f"invalid wait {raw!r} (a duration, or one per urgency)")
                if _too_long(span):
                    raise bad(f"'wait' {raw!r} quá dài (tối đa {LONGEST.days} ngày)",
                              f"'wait' {raw!r} is too long (at most {LONGEST.days} days)")
                wait[urgency] = span
        return Step(to, channel, wait)

    def _base_text(self) -> str:
        return self.base[1] if self.base else self.text

    def arm_if(self, body: Any, keys: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str], bool]:
        if not isinstance(body, dict):
            raise self.fail(keys, "'arm_if' phải là một bảng", "'arm_if' must be a table")
        self.only(body, keys, ("urgency", "risk_level", "emergency"))
        emergency = body.get("emergency", False)
        if not isinstance(emergency, bool):
            raise self.fail((*keys, "emergency"), "'emergency' phải là true hoặc false",
                            "'emergency' must be true or false")
        found = []
        for key, known in (("urgency", URGENCIES), ("risk_level", tuple(sorted(RISK_LEVELS)))):
            values = body.get(key, [])
            bad = [v for v in values if v not in known] if isinstance(values, list) else [values]
            if bad:
                allowed = ", ".join(known)
                raise self.fail((*keys, key), f"giá trị không rõ {bad!r} cho '{key}' (cho phép: {allowed})",
                                f"unknown {key} {bad!r} (allowed: {allowed})")
            found.append(frozenset(values))
        return found[0], found[1], emergency

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
        armed = {name for names in out.values() for name in names}
        for name in clocks:
            if name not in armed:  # a clock nobody starts would be a deadline nobody keeps
                where: tuple[str, ...] = ("clocks", name) if _has(self.top, ("clocks", name)) else ("states",)
                raise self.fail(where, f"không trạng thái nào bật đồng hồ '{name}' (thêm vào [states])",
                                f"no state arms the clock '{name}' (add it under [states])")
        self.every_open_state_has_a_clock(out, clocks)
        return out

    def every_open_state_has_a_clock(self, states: Mapping[str, tuple[str, ...]], clocks: Mapping[str, Clock]) -> None:
        """No open case without a running clock: every state but the terminal ones arms a clock for every
        case that can be in it (each urgency, risk level, emergency or not)."""
        for state in STATES:
            if state in TERMINAL:
                continue
            for urgency in URGENCIES:
                for risk in (None, *sorted(RISK_LEVELS)):
                    for emergency in (False, True):
                        in_emergency = emergency or urgency == "emergency"
                        if any(clocks[c].armed_for(urgency, risk, in_emergency) for c in states.get(state, ())):
                            continue
                        case = f"urgency={urgency}, risk_level={risk or '-'}, emergency={str(emergency).lower()}"
                        raise self.fail(("states", state) if _has(self.top, ("states", state)) else ("states",),
                                        f"ca ở trạng thái '{state}' không có đồng hồ nào chạy ({case}): "
                                        "mọi ca chưa đóng phải có thời hạn",
                                        f"a case in state '{state}' would have no clock running ({case}): "
                                        "every open case needs one")

    def province(self, code: str, body: Any, clocks: Mapping[str, Clock]) -> dict[str, Clock]:
        keys = ("provinces", code)
        if not re.fullmatch(r"\d{2}", code) or not isinstance(body, dict):
            raise self.fail(keys, f"mã tỉnh '{code}' phải gồm 2 chữ số, với một bảng [clocks]",
                            f"province code '{code}' must be 2 digits, with a [clocks] table")
        if code not in province_codes():
            raise self.fail(keys, f"không có tỉnh mã '{code}' trên bản đồ 2025 (34 tỉnh, thành phố)",
                            f"no province has the code '{code}' on the 2025 map (34 provinces)")
        self.only(body, keys, ("clocks",))
        out = {}
        for name, override in self.table(body, (*keys, "clocks")).items():
            ckeys = (*keys, "clocks", name)
            if name not in clocks:
                raise self.fail(ckeys, f"đồng hồ không rõ '{name}' (chưa có trong [clocks])",
                                f"unknown clock '{name}' (not defined under [clocks])")
            out[name] = self.clock(name, override, ckeys, base=clocks[name])
        return out


def _too_long(span: Span) -> bool:
    return (span.delta or timedelta(0)) > LONGEST or (span.working_days or 0) > LONGEST_WORKING_DAYS


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


def find_item_line(text: str, keys: tuple[str, ...], index: int) -> int:
    """The line of the `index`-th item of the list at `keys`: `[[a.b]]` tables, or `{...}` in `b = [...]`."""
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines, 1) if (h := _HEADER.fullmatch(line)) and
               line.lstrip().startswith("[[") and _parts(h[1]) == keys]
    if headers:
        return headers[min(index, len(headers) - 1)]
    start = find_line(text, keys)
    depth, seen = 0, -1
    for number in range(start, len(lines) + 1):
        line = lines[number - 1].split("=", 1)[1] if number == start and "=" in lines[number - 1] else lines[number - 1]
        for char in line.split("#", 1)[0]:
            if char == "{":
                seen += depth == 0
                depth += 1
                if depth == 1 and seen == index:
                    return number
            elif char == "}":
                depth -= 1
    return start
