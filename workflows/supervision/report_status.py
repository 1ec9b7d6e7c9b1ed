"""Who has handed in the statistics report, and who has not, deadline by deadline.

`submission_status` is the one function to ask (the statistics page `/thong-ke` shows it; the supervisor
board can show it too): for the units in a scope (a commune, a province and its communes, or every unit),
each open deadline of each level (the next one, and the last one that passed while anybody has still
not handed in) with the units that have submitted and those that have not, named as the roster names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.supervision.models import ReportSubmission
from workflows.supervision.report_reminders import Deadline, ProvinceRules, ReportConfig, Unit, load_config, load_units


@dataclass(frozen=True)
class UnitStatus:
    level: str  # commune | province
    code: str
    name: str
    submitted_at: datetime | None = None
    submitted_by: str | None = None


@dataclass(frozen=True)
class DeadlineStatus:
    level: str
    report: str  # "6 tháng" | "năm"
    due: date
    days_left: int  # 0 on the day itself; negative once it has passed
    submitted: tuple[UnitStatus, ...]
    missing: tuple[UnitStatus, ...]

    @property
    def late(self) -> bool:
        return self.days_left < 0 and bool(self.missing)


def unit_deadlines(rules: ProvinceRules, level: str, today: date) -> tuple[tuple[Deadline, date] | None,
                                                                           tuple[Deadline, date]]:
    """(the last deadline of this level before today or None, the first on or after today)."""
    dated = sorted(((d, d.on(year)) for d in rules.deadlines if d.level == level
                    for year in (today.year - 1, today.year, today.year + 1)), key=lambda pair: pair[1])
    upcoming = next(pair for pair in dated if pair[1] >= today)
    passed = [pair for pair in dated if pair[1] < today]
    return (passed[-1] if passed else None), upcoming


def in_scope(unit: Unit, *, province: str | None, commune: str | None) -> bool:
    if commune:
        return unit.level == "commune" and unit.code == commune
    return province is None or unit.province == province


def deadlines_owed(config: ReportConfig, unit: Unit, today: date, done: set[tuple[str, str, date]]
                   ) -> list[tuple[Deadline, date]]:
    """The deadlines a unit still owes a report for, oldest first: the last one that passed (if it was
    missed) and the next one (if not yet handed in)."""
    passed, upcoming = unit_deadlines(config.rules(unit.province), unit.level, today)
    owed = [pair for pair in (passed, upcoming) if pair is not None]
    return [(d, due) for d, due in owed if (unit.level, unit.code, due) not in done]


def status_of(units: list[Unit], config: ReportConfig, today: date,
              submissions: dict[tuple[str, str, date], tuple[datetime, str]]) -> list[DeadlineStatus]:
    """Pure: group the units by the deadlines they face, next deadlines first, then those passed."""
    groups: dict[tuple[str, str, date], tuple[list[UnitStatus], list[UnitStatus]]] = {}
    for unit in units:
        passed, upcoming = unit_deadlines(config.rules(unit.province), unit.level, today)
        for pair, show_if_done in ((upcoming, True), (passed, False)):
            if pair is None:
                continue
            deadline, due = pair
            handed = submissions.get((unit.level, unit.code, due))
            if handed is None or show_if_done:
                submitted, missing = groups.setdefault((unit.level, deadline.report, due), ([], []))
                if handed is None:
                    missing.append(UnitStatus(unit.level, unit.code, unit.name))
                else:
                    submitted.append(UnitStatus(unit.level, unit.code, unit.name, *handed))
    out = [DeadlineStatus(level, report, due, (due - today).days, tuple(submitted), tuple(missing))
           for (level, report, due), (submitted, missing) in groups.items()]
    # The next deadlines first (communes before the province), then what is late.
    return sorted(out, key=lambda s: (s.days_left < 0, abs(s.days_left), s.level != "commune", s.report))


def submissions_since(session: Session, since: date) -> dict[tuple[str, str, date], tuple[datetime, str]]:
    rows = session.execute(select(ReportSubmission.level, ReportSubmission.unit_code, ReportSubmission.deadline,
                                  ReportSubmission.submitted_at, ReportSubmission.submitted_by)
                           .where(ReportSubmission.deadline >= since))
    return {(level, code, due): (at, by) for level, code, due, at, by in rows}


def submission_status(session: Session, *, province: str | None = None, commune: str | None = None, today: date,
                      config: ReportConfig | None = None) -> list[DeadlineStatus]:
    """For the units in scope (a commune; a province and its communes; none: every unit): each open
    deadline with who has handed in and who has not."""
    units = [u for u in load_units(session) if in_scope(u, province=province, commune=commune)]
    since = date(today.year - 1, 1, 1)
    return status_of(units, config or load_config(), today, submissions_since(session, since))


def owed_deadlines(session: Session, *, level: str, code: str, today: date, config: ReportConfig | None = None
                   ) -> list[date]:
    """The deadlines a unit may mark as handed in now, oldest first (empty: it owes nothing)."""
    unit = next((u for u in load_units(session) if u.level == level and u.code == code), None)
    if unit is None:
        return []
    done = set(submissions_since(session, date(today.year - 1, 1, 1)))
    return [due for _d, due in deadlines_owed(config or load_config(), unit, today, done)]
