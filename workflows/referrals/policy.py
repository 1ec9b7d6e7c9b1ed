"""The referral clocks as policy data (ladder.toml, or the file HOTLINE_REFERRAL_POLICY names). Pure."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

_FILE = Path(__file__).with_name("ladder.toml")
ROLES = ("agency_next", "commune_chair", "supervisor", "officer")
URGENCIES = ("emergency", "high", "normal")


@dataclass(frozen=True)
class LadderStep:
    role: str
    wait: dict[str, timedelta]


@dataclass(frozen=True)
class ReferralPolicy:
    version: str
    respond: dict[str, timedelta]
    steps: tuple[LadderStep, ...]

    def respond_by(self, urgency: str, *, now: datetime) -> datetime:
        return now + self.respond.get(urgency, self.respond["normal"])

    def wait_after(self, step: int, urgency: str) -> timedelta:
        wait = self.steps[step].wait
        return wait.get(urgency, wait["normal"])


def parse_policy(text: str) -> ReferralPolicy:
    data = tomllib.loads(text)
    respond = {u: timedelta(hours=float(data["respond_hours"][u])) for u in URGENCIES}
    steps = []
    for step in data["step"]:
        if step["role"] not in ROLES:
            raise ValueError(f"unknown referral ladder role {step['role']!r}")
        steps.append(LadderStep(step["role"], {u: timedelta(hours=float(step["wait_hours"][u])) for u in URGENCIES}))
    if not steps:
        raise ValueError("a referral ladder needs at least one step")
    return ReferralPolicy(str(data["version"]), respond, tuple(steps))


@cache
def _load(path: str) -> ReferralPolicy:
    return parse_policy(Path(path).read_text(encoding="utf-8"))


def referral_policy() -> ReferralPolicy:
    return _load(os.environ.get("HOTLINE_REFERRAL_POLICY") or str(_FILE))
