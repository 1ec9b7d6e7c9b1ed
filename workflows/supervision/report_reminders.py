"""Report periods as data (workflows/supervision/report_periods.toml) and the reminders before each deadline.

`due_reminders` is pure: from the configuration, today's date in Vietnam, the units and their phones
and what was already submitted or sent, it says which SMS to send. `queue_reminders` runs it against the
database inside the caller's transaction and writes the SMS into the outbox, once per (period, recipient):
the worker's daily job (workflows.supervision.daily) calls it every morning, and calling it again sends nothing twice.
Each SMS names the level and the deadline, nothing else.
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

from core import i18n
from core.clock import local
from core.db import UnitOfWork
from core.settings import get_settings
from notifier.outbox import new_message
from notifier.templates import ascii_fold
from routing.directory import list_teams, load_supervisors
from workflows.case.effects import wake_delivery
from workflows.supervision.models import ReportReminder, ReportSubmission

DEFAULT_FILE = Path(__file__).with_name("report_periods.toml")
COMMUNE_RECIPIENTS = frozenset({"child_protection_officer", "commune_chair"})
LEVELS = ("commune", "province")
PRIORITY = 3  # after every message about a case (0-2)


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


def load_config(path: Path | None = None) -> ReportConfig:
    """The report periods: `path`, else HOTLINE_REPORT_PERIODS, else the shipped file."""
    return _read_config(path or get_settings().report_periods or DEFAULT_FILE)


@lru_cache(maxsize=4)
def _read_config(path: Path) -> ReportConfig:
    return parse_config(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Unit:
    """A commune or a province that reports, with the phones its reminders go to."""

    level: str
    code: str
    province: str
    phones: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class Reminder:
    level: str
    unit_code: str
    deadline: date
    phone: str
    body: str


def reminder_text(level: str, deadline: Deadline, due: date) -> str:
    who = i18n.gettext("vi", "sms.report_level_commune" if level == "commune" else "sms.report_level_province")
    return ascii_fold(i18n.gettext("vi", "sms.report_reminder", report=deadline.report, who=who,
                                   due=due.strftime("%d/%m/%Y")))


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
    """Every commune with a team in the roster, and every province with one (names from the roster)."""
    teams = list_teams(session)
    units = [Unit("commune", t.commune_code, t.province_code,
                  tuple(sorted({c.phone for c in t.contacts if c.role in COMMUNE_RECIPIENTS})), t.commune_name)
             for t in teams]
    provinces = {t.province_code: t.province_name for t in teams}
    for province in sorted(provinces):
        units.append(Unit("province", province, province,
                          tuple(sorted({s.phone for s in load_supervisors(session, province)})), provinces[province]))
    return units


def submitted_keys(session: Session, *, since: date | None = None) -> set[tuple[str, str, date]]:
    stmt = select(ReportSubmission.level, ReportSubmission.unit_code, ReportSubmission.deadline)
    if since is not None:
        stmt = stmt.where(ReportSubmission.deadline >= since)
    return {(level, code, deadline) for level, code, deadline in session.execute(stmt)}


def queue_reminders(uow: UnitOfWork, *, now: datetime, config: ReportConfig | None = None) -> int:
    """Write every reminder due today and not sent yet into the outbox, in the caller's transaction (which
    commits them with their `report_reminders` rows); returns how many. Deliveries are woken after commit
    in one Redis pipeline; were Redis down, the delivery threads read the outbox anyway."""
    s, today = uow.session, local(now).date()
    sent = {(level, code, deadline, phone) for level, code, deadline, phone in s.execute(
        select(ReportReminder.level, ReportReminder.unit_code, ReportReminder.deadline, ReportReminder.phone)
        .where(ReportReminder.deadline >= today))}
    due = due_reminders(config or load_config(), today=today, units=load_units(s),
                        submitted=submitted_keys(s, since=today), sent=sent)
    messages = [new_message(channel="sms", to_phone=r.phone, body=r.body, purpose="report_reminder", now=now,
                            priority=PRIORITY) for r in due]
    s.add_all([ReportReminder(level=r.level, unit_code=r.unit_code, deadline=r.deadline, phone=r.phone, sent_at=now)
               for r in due])
    s.add_all(messages)
    for msg in messages:
        wake_delivery(uow, msg)
    s.flush()
    return len(due)


def send_reminders(uow: UnitOfWork, *, now: datetime, config: ReportConfig | None = None) -> int:
    """`queue_reminders` in a transaction of its own."""
    with uow:
        queued = queue_reminders(uow, now=now, config=config)
        uow.commit()
        return queued


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
