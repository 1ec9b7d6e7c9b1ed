"""SLA policy as data: the clocks, their reminders and escalation ladders, per urgency and per province.

`load_policy` reads one TOML file laid over the shipped default (workflows/clocks/sla_policy.toml): what the
file does not say, the default says. A broken file is refused with a PolicyError naming the file,
the line and the problem, so the service refuses to start rather than run with clocks nobody meant.
Pure: the reading and checking of a file is in workflows.clocks.policy_reader (`load_policy`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Literal

from core.clock import VIETNAM, as_utc, local
from workflows.clocks.calendar import add_working_days

DEFAULT_POLICY = Path(__file__).with_name("sla_policy.toml")
URGENCIES = ("emergency", "high", "normal")
CLOCKS = ("intake", "acknowledge", "assessment", "routing", "emergency_protection", "separation_decision",
          "emergency_plan", "separation_review", "plan_draft", "plan_approval", "plan_follow_up", "review",
          "closure_approval")
# The law's clocks (NĐ 56/2017): they never pause for quiet hours.
LEGAL_CLOCKS = frozenset({"emergency_protection", "separation_decision", "emergency_plan", "separation_review",
                          "plan_draft", "plan_approval"})
# Whatever a policy says, these ladders reach the commune chair, the commune police and the supervisor.
ALWAYS_TOLD: Mapping[str, frozenset[str]] = {
    "emergency_protection": frozenset({"chair", "police", "supervisor"}),
    "separation_decision": frozenset({"chair", "police", "supervisor"}),
    "separation_review": frozenset({"chair", "police", "supervisor"}),
}
# Who a ladder step can reach, by role (resolved against the case's team and the directory).
ROLES = ("chain", "assignee", "officer", "chair", "police", "supervisor", "shift_lead")
CHANNELS = ("sms", "call", "both")
# The single shared ladder of the old policy files: still accepted, it is what the defaults do.
LEGACY_ESCALATION = ("next_contact_sms", "voice_call", "supervisor")
# received: from T0; state_entered: from entering the state; first_armed: from the first time the clock was
# armed on the case (the 5 working days of Art. 28(1) start once, at the initial assessment: a rejected plan
# does not start them again).
COUNTS_FROM = ("received", "state_entered", "first_armed")
CountsFrom = Literal["received", "state_entered", "first_armed"]

_ISO = re.compile(r"P(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_WORKING_DAYS = re.compile(r"(\d+)WD")
_QUIET = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)")


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
class QuietHours:
    """A nightly window (Asia/Ho_Chi_Minh) in which a non-emergency operational step waits for the end."""

    text: str
    start: time
    end: time

    def covers(self, moment: datetime) -> bool:
        at = local(moment).time()
        if self.start < self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end  # across midnight, e.g. 22:00-06:00

    def defer(self, moment: datetime) -> datetime:
        """`moment`, or the end of the window it falls in."""
        if not self.covers(moment):
            return as_utc(moment)
        day = local(moment)
        end = datetime.combine(day.date(), self.end, tzinfo=VIETNAM)
        if end <= day:
            end += timedelta(days=1)
        return as_utc(end)


def parse_quiet_hours(text: str) -> QuietHours | None:
    m = _QUIET.fullmatch(text)
    if m is None:
        return None
    start, end = time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4]))
    return None if start == end else QuietHours(text, start, end)


@dataclass(frozen=True)
class Step:
    """One rung of a ladder: tell these roles through this channel, then wait before the next rung."""

    to: tuple[str, ...]
    channel: str = "sms"
    wait: Mapping[str, Span] | None = None  # urgency -> span; None: the clock's own span

    @property
    def walks_chain(self) -> bool:
        return self.to == ("chain",)


@dataclass(frozen=True)
class Clock:
    name: str
    spans: Mapping[str, Span]  # urgency -> span
    counts_from: CountsFrom = "state_entered"
    reminders: tuple[float, ...] | None = None  # None: the policy's default
    arm_urgencies: frozenset[str] = frozenset()
    arm_risk_levels: frozenset[str] = frozenset()
    steps: tuple[Step, ...] = ()
    waits_for: tuple[str, ...] = ("assignee",)  # who reminders go to: who the clock is waiting for
    quiet_hours: QuietHours | None = None
    arm_in_emergency: bool = False  # arm_if emergency = true: also armed for a case needing emergency protection
    not_in_emergency: bool = False  # the law exempts emergencies (Art. 28(1), 28(4)): never armed for one

    def armed_for(self, urgency: str, risk_level: str | None, emergency: bool = False) -> bool:
        if emergency and self.not_in_emergency:
            return False
        if not self.arm_urgencies and not self.arm_risk_levels and not self.arm_in_emergency:
            return True
        return urgency in self.arm_urgencies or risk_level in self.arm_risk_levels or (
            emergency and self.arm_in_emergency)

    @property
    def legal(self) -> bool:
        return self.name in LEGAL_CLOCKS


@dataclass(frozen=True)
class SlaPolicy:
    source: Path
    clocks: Mapping[str, Clock]
    states: Mapping[str, tuple[str, ...]]
    reminders: tuple[float, ...] = (0.5, 0.9)
    provinces: Mapping[str, Mapping[str, Clock]] = field(default_factory=dict)  # merged clocks
    version: str = "default"  # a digest of the effective policy, kept on each ladder row

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
        """Reminders at fractions of the clock's span, between `start` and the deadline.

        A reminder that quiet hours push to or past the deadline is dropped.
        """
        start = as_utc(start)
        due = self.deadline(clock, urgency=urgency, province_code=province_code, start=start)
        own = self.clock(clock, province_code).reminders
        times = []
        for f in self.reminders if own is None else own:
            at = self.defer(clock, urgency=urgency, province_code=province_code, at=start + (due - start) * f)
            if at < due and at not in times:
                times.append(at)
        return times

    def counts_from(self, clock: str) -> CountsFrom:
        return self.clock(clock).counts_from

    def clocks_for(
        self, state: str, *, urgency: str, risk_level: str | None = None, emergency: bool = False
    ) -> list[str]:
        """The clocks entering `state` arms for a case of this urgency (and risk level, once known); an
        `emergency` case is one that needs emergency protection (Art. 31(1)), whatever its urgency."""
        emergency = emergency or urgency == "emergency"
        return [c for c in self.states.get(state, ()) if self.clocks[c].armed_for(urgency, risk_level, emergency)]

    def steps(self, clock: str, province_code: str | None = None) -> tuple[Step, ...]:
        return self.clock(clock, province_code).steps

    def next_step_at(
        self, clock: str, step: Step, *, urgency: str, province_code: str | None, start: datetime
    ) -> datetime:
        """When the rung after `step` falls due, if `step` was taken at `start` (quiet hours applied)."""
        spans = step.wait if step.wait is not None else self.clock(clock, province_code).spans
        return self.defer(clock, urgency=urgency, province_code=province_code, at=spans[urgency].after(start))

    def defer(self, clock: str, *, urgency: str, province_code: str | None, at: datetime) -> datetime:
        """`at`, or the end of the clock's quiet hours; legal clocks and emergencies never pause."""
        quiet = self.clock(clock, province_code).quiet_hours
        if quiet is None or urgency == "emergency" or clock in LEGAL_CLOCKS:
            return as_utc(at)
        return quiet.defer(at)
