"""Report periods as data (workflows/report_periods.toml) and the reminders before each deadline.

`due_reminders` is pure: from the configuration, today's date in Vietnam, the units and their phones
and what was already submitted or sent, it says which SMS to send. `send_reminders` runs it against the
database and queues the SMS in the outbox, once per (period, recipient), so a daily timer or the
sweeper may call it as often as it likes. Each SMS names the level and the deadline, nothing else.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import local
from core.db import UnitOfWork
from notifier.outbox import queue_message
from notifier.templates import ascii_fold
from routing.directory import list_teams, load_supervisors
from workflows.board_models import ReportReminder, ReportSubmission

DEFAULT_FILE = Path(__file__).with_name("report_periods.toml")
COMMUNE_RECIPIENTS = frozenset({"child_protection_officer", "commune_chair"})
LEVELS = ("commune", "province")


@dataclass(frozen=True)
class Deadline:
    level: str  # commune | province
    day: int
    month: int
    report: str  # "6 tháng" | "năm"

    def on(self, year: int) -> date:
        return date(year, self.month, self.day)


@dataclass(frozen=True)
class ProvinceRules:
    reminder_days_before: int
    deadlines: tuple[Deadline, ...]


@dataclass(frozen=True)
class ReportConfig:
    default: ProvinceRules
    provinces: dict[str, ProvinceRules]

    def rules(self, province: str) -> ProvinceRules:
        return self.provinces.get(province, self.default)


def _deadlines(level: str, items: Iterable[dict[str, Any]]) -> tuple[Deadline, ...]:
    out = []
    for item in items:
        day, month = (int(part) for part in str(item["deadline"]).split("/"))
        date(2024, month, day)  # a date that does not exist stops loading here
        out.append(Deadline(level, day, month, str(item.get("report", ""))))
    return tuple(out)


def _rules(raw: dict[str, Any], base: ProvinceRules | None) -> ProvinceRules:
    days = int(raw.get("reminder_days_before", base.reminder_days_before if base else 5))
    if not 0 <= days <= 60:
        raise ValueError(f"reminder_days_before must be 0-60, not {days}")
    deadlines: list[Deadline] = []
    for level in LEVELS:
        if level in raw:
            deadlines.extend(_deadlines(level, raw[level]))
        elif base:
            deadlines.extend(d for d in base.deadlines if d.level == level)
    return ProvinceRules(days, tuple(deadlines))


def parse_config(text: str) -> ReportConfig:
    raw = tomllib.loads(text)
    default = _rules(raw.get("default", {}), None)
    provinces = {str(code): _rules(rules, default) for code, rules in raw.get("provinces", {}).items()}
    return ReportConfig(default, provinces)


@lru_cache(maxsize=4)
def load_config(path: Path = DEFAULT_FILE) -> ReportConfig:
    return parse_config(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Unit:
    """A commune or a province that reports, with the phones its reminders go to."""

    level: str
    code: str
    province: str
    phones: tuple[str, ...]


@dataclass(frozen=True)
class Reminder:
    level: str
    unit_code: str
    deadline: date
    phone: str
    body: str


def reminder_text(level: str, deadline: Deadline, due: date) -> str:
    who = "xa" if level == "commune" else "tinh"
    return ascii_fold(f"111 NHAC: Bao cao thong ke {deadline.report} cua {who} can nop truoc "
                      f"{due.strftime('%d/%m/%Y')}.")


def open_deadlines(rules: ProvinceRules, level: str, today: date) -> list[tuple[Deadline, date]]:
    """The deadlines of this level whose reminder window (N days before, up to the day) holds today."""
    found = []
    for deadline in (d for d in rules.deadlines if d.level == level):
        for year in (today.year, today.year + 1):
            due = deadline.on(year)
            if due - timedelta(days=rules.reminder_days_before) <= today <= due:
                found.append((deadline, due))
    return found


def due_reminders(config: ReportConfig, *, today: date, units: Iterable[Unit],
                  submitted: set[tuple[str, str, date]], sent: set[tuple[str, str, date, str]]) -> list[Reminder]:
    out = []
    for unit in units:
        for deadline, due in open_deadlines(config.rules(unit.province), unit.level, today):
            if (unit.level, unit.code, due) in submitted:
                continue
            for phone in unit.phones:
                if (unit.level, unit.code, due, phone) not in sent:
                    out.append(Reminder(unit.level, unit.code, due, phone, reminder_text(unit.level, deadline, due)))
    return out


def load_units(session: Session) -> list[Unit]:
    teams = list_teams(session)
    units = [Unit("commune", t.commune_code, t.province_code,
                  tuple(sorted({c.phone for c in t.contacts if c.role in COMMUNE_RECIPIENTS}))) for t in teams]
    for province in sorted({t.province_code for t in teams}):
        units.append(Unit("province", province, province,
                          tuple(sorted({s.phone for s in load_supervisors(session, province)}))))
    return units


def submitted_keys(session: Session) -> set[tuple[str, str, date]]:
    rows = session.execute(select(ReportSubmission.level, ReportSubmission.unit_code, ReportSubmission.deadline))
    return {(level, code, deadline) for level, code, deadline in rows}


def send_reminders(uow: UnitOfWork, *, now: datetime, config: ReportConfig | None = None) -> int:
    """Queue every reminder due today that was not sent yet; returns how many were queued."""
    with uow:
        s = uow.session
        sent = {tuple(r) for r in s.execute(select(ReportReminder.level, ReportReminder.unit_code,
                                                   ReportReminder.deadline, ReportReminder.phone))}
        due = due_reminders(config or load_config(), today=local(now).date(), units=load_units(s),
                            submitted=submitted_keys(s), sent=sent)  # type: ignore[arg-type]
        for r in due:
            s.add(ReportReminder(level=r.level, unit_code=r.unit_code, deadline=r.deadline, phone=r.phone,
                                 sent_at=now))
            queue_message(s, case_id=None, channel="sms", to_phone=r.phone, body=r.body,
                          purpose="report_reminder", now=now)
        uow.commit()
        return len(due)


def mark_submitted(uow: UnitOfWork, *, level: str, unit_code: str, deadline: date, by: str, now: datetime) -> bool:
    """Record that a unit handed in a period's report; False when it already had."""
    with uow:
        found = uow.session.scalar(select(ReportSubmission).where(
            ReportSubmission.level == level, ReportSubmission.unit_code == unit_code,
            ReportSubmission.deadline == deadline))
        if found is not None:
            return False
        uow.session.add(ReportSubmission(level=level, unit_code=unit_code, deadline=deadline, submitted_by=by,
                                         submitted_at=now))
        uow.commit()
        return True


def next_deadline(config: ReportConfig, province: str | None, level: str, today: date) -> date:
    """The first deadline of this level on or after today (the default rules when no province)."""
    rules = config.rules(province) if province else config.default
    dates = sorted(d.on(y) for d in rules.deadlines if d.level == level for y in (today.year, today.year + 1))
    return next(d for d in dates if d >= today)


def not_submitted(session: Session, *, province: str | None, commune: str | None, today: date
                  ) -> list[tuple[str, str, date]]:
    """(level, code, deadline) of the units in scope that have not handed in their next report."""
    config, done = load_config(), submitted_keys(session)
    out = []
    for unit in load_units(session):
        if commune and not (unit.level == "commune" and unit.code == commune):
            continue
        if province and unit.province != province:
            continue
        due = next_deadline(config, unit.province, unit.level, today)
        if (unit.level, unit.code, due) not in done:
            out.append((unit.level, unit.code, due))
    return out
