"""Statistics for a period and a scope (national, a province or a commune): plain numbers, no I/O besides
the queries. Counting happens in SQL wherever the data is in clear, the child's age band included (kept in
clear beside the encrypted age, `Case.child_age_band`). One thing is encrypted at rest and read per row in
Python instead: a breach's clock (the history reason; a few per hundred cases). Percentiles use
PostgreSQL's percentile_cont; other databases (SQLite, the demo) compute them in Python over the same rows.

Contacts carry only their line until they become a case, so a province's or a commune's contacts are
those that became (or joined) one of its cases; the national figures count every contact.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import VIETNAM
from workflows.case.age_bands import BAND_NAMES, UNKNOWN
from workflows.case.models import Case, CaseHistory
from workflows.contacts.models import IntakeContact
from workflows.referrals.queries import referral_figures

# (history event, the step's name in vi, en): time from T0 (received_at) to the first such event.
STEPS: tuple[tuple[str, str, str], ...] = (
    ("acknowledge", "Xác nhận", "Acknowledge"),
    ("report_assessment", "Đánh giá ban đầu", "Assess"),
    ("draft_plan", "Lập kế hoạch", "Plan"),
    ("approve_plan", "Phê duyệt kế hoạch", "Approve"),
    ("approve_closure", "Đóng ca", "Close"),
)
# Not a history event: the time from a referral's SMS to the agency's acceptance (workflows.referrals).
REFERRAL_STEP = ("referral_accept", "Cơ sở nhận đề nghị dịch vụ", "Agency accepts a referral")


@dataclass(frozen=True)
class Period:
    """Inclusive local (Asia/Ho_Chi_Minh) dates."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        """[from, to) in UTC."""
        lo = datetime.combine(self.start, time(0), VIETNAM).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time(0), VIETNAM).astimezone(UTC)
        return lo, hi


@dataclass(frozen=True)
class Scope:
    province: str | None = None
    commune: str | None = None

    @property
    def label(self) -> str:
        return self.commune or self.province or "national"


@dataclass(frozen=True)
class Duration:
    step: str
    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass
class Statistics:
    period: Period
    scope: Scope
    contacts_by_line: dict[str, int] = field(default_factory=dict)
    contacts_by_channel: dict[str, int] = field(default_factory=dict)
    contacts_by_outcome: dict[str, int] = field(default_factory=dict)
    cases_total: int = 0
    cases_by_category: dict[str, int] = field(default_factory=dict)
    cases_by_risk: dict[str, int] = field(default_factory=dict)
    cases_by_sex: dict[str, int] = field(default_factory=dict)
    cases_by_age_band: dict[str, int] = field(default_factory=dict)
    cases_by_commune: dict[str, int] = field(default_factory=dict)
    durations: list[Duration] = field(default_factory=list)
    breaches_by_clock: dict[str, int] = field(default_factory=dict)
    referrals_by_service: dict[str, int] = field(default_factory=dict)  # issue 19: services asked, by type
    referrals_by_outcome: dict[str, int] = field(default_factory=dict)  # "<service>/<state>"

    @property
    def contacts_total(self) -> int:
        return sum(self.contacts_by_channel.values())

    def tables(self) -> list[tuple[str, str, dict[str, int]]]:
        """(key, Vietnamese title, counts): what the page, the CSV and the XLSX all show."""
        return [
            ("contacts_by_line", "Liên hệ theo đường dây", self.contacts_by_line),
            ("contacts_by_channel", "Liên hệ theo kênh", self.contacts_by_channel),
            ("contacts_by_outcome", "Liên hệ theo kết quả", self.contacts_by_outcome),
            ("cases_by_category", "Ca theo loại", self.cases_by_category),
            ("cases_by_risk", "Ca theo mức nguy cơ", self.cases_by_risk),
            ("cases_by_sex", "Ca theo giới tính", self.cases_by_sex),
            ("cases_by_age_band", "Ca theo nhóm tuổi", self.cases_by_age_band),
            ("cases_by_commune", "Ca theo xã", self.cases_by_commune),
            ("breaches_by_clock", "Vi phạm thời hạn theo đồng hồ", self.breaches_by_clock),
            ("referrals_by_service", "Dịch vụ đề nghị theo loại", self.referrals_by_service),
            ("referrals_by_outcome", "Dịch vụ đề nghị theo kết quả", self.referrals_by_outcome),
        ]


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks: PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    lo, hi = math.floor(rank), math.ceil(rank)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def _scoped_cases(stmt: Any, period: Period, scope: Scope) -> Any:
    lo, hi = period.bounds()
    stmt = stmt.where(Case.received_at >= lo, Case.received_at < hi)
    if scope.province:
        stmt = stmt.where(Case.province_code == scope.province)
    if scope.commune:
        stmt = stmt.where(Case.commune_code == scope.commune)
    return stmt


def _counts(session: Session, stmt: Any) -> dict[str, int]:
    """Counts by key; a NULL key counts as unknown (added to an 'unknown' value if there is one too)."""
    out: dict[str, int] = {}
    for key, n in session.execute(stmt).all():
        name = UNKNOWN if key is None else str(key)
        out[name] = out.get(name, 0) + int(n)
    return out


def _contacts(session: Session, column: Any, period: Period, scope: Scope) -> dict[str, int]:
    lo, hi = period.bounds()
    stmt = select(column, func.count()).where(IntakeContact.started_at >= lo, IntakeContact.started_at < hi)
    if scope.province or scope.commune:
        stmt = stmt.join(Case, Case.id == IntakeContact.case_id)
        if scope.province:
            stmt = stmt.where(Case.province_code == scope.province)
        if scope.commune:
            stmt = stmt.where(Case.commune_code == scope.commune)
    return _counts(session, stmt.group_by(column).order_by(column))


def _case_counts(session: Session, column: Any, period: Period, scope: Scope) -> dict[str, int]:
    stmt = _scoped_cases(select(column, func.count()), period, scope)
    return _counts(session, stmt.group_by(column).order_by(column))


def _durations(session: Session, period: Period, scope: Scope) -> list[Duration]:
    first = (
        _scoped_cases(select(CaseHistory.event, Case.received_at, func.min(CaseHistory.at).label("first_at")),
                      period, scope)
        .join(CaseHistory, CaseHistory.case_id == Case.id)
        .where(CaseHistory.event.in_([step for step, _, _ in STEPS]))
        .group_by(CaseHistory.case_id, CaseHistory.event, Case.received_at)
    ).subquery()
    found: dict[str, Duration] = {}
    if session.get_bind().dialect.name == "postgresql":
        hours = func.extract("epoch", first.c.first_at - first.c.received_at) / 3600.0
        rows = session.execute(
            select(first.c.event, func.count(), func.percentile_cont(0.5).within_group(hours),
                   func.percentile_cont(0.9).within_group(hours)).group_by(first.c.event)
        ).all()
        for event, n, median, p90 in rows:
            found[event] = Duration(event, int(n), _round(median), _round(p90))
    else:
        per_step: dict[str, list[float]] = {}
        for event, received, first_at in session.execute(select(first.c.event, first.c.received_at, first.c.first_at)):
            per_step.setdefault(event, []).append((_utc(first_at) - _utc(received)).total_seconds() / 3600)
        for event, values in per_step.items():
            found[event] = Duration(event, len(values), _round(percentile(values, 0.5)),
                                    _round(percentile(values, 0.9)))
    return [found.get(step, Duration(step, 0, None, None)) for step, _, _ in STEPS]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _breaches(session: Session, period: Period, scope: Scope) -> dict[str, int]:
    lo, hi = period.bounds()
    stmt = select(CaseHistory.reason).join(Case, Case.id == CaseHistory.case_id).where(
        CaseHistory.event == "sla_breached", CaseHistory.at >= lo, CaseHistory.at < hi)
    if scope.province:
        stmt = stmt.where(Case.province_code == scope.province)
    if scope.commune:
        stmt = stmt.where(Case.commune_code == scope.commune)
    clocks = Counter(str(reason or UNKNOWN) for reason in session.execute(stmt).scalars())  # reason is encrypted
    return dict(sorted(clocks.items()))


def statistics(session: Session, *, period: Period, scope: Scope) -> Statistics:
    # A case whose band was never computed (its age could not be decrypted when the column was filled) is
    # NULL, counted as unknown, as the age itself would have been.
    ages = _case_counts(session, Case.child_age_band, period, scope)
    found = Statistics(
        period=period, scope=scope,
        contacts_by_line=_contacts(session, IntakeContact.line, period, scope),
        contacts_by_channel=_contacts(session, IntakeContact.channel, period, scope),
        contacts_by_outcome=_contacts(session, IntakeContact.outcome, period, scope),
        cases_by_category=_case_counts(session, Case.category, period, scope),
        cases_by_risk=_case_counts(session, Case.risk_level, period, scope),
        cases_by_sex=_case_counts(session, Case.child_sex, period, scope),
        cases_by_age_band={name: ages[name] for name in BAND_NAMES if ages.get(name)},
        cases_by_commune=_case_counts(session, Case.commune_code, period, scope),
        durations=_durations(session, period, scope),
        breaches_by_clock=_breaches(session, period, scope),
    )
    found.cases_total = sum(found.cases_by_sex.values())
    _add_referrals(session, found)
    return found


def _add_referrals(session: Session, found: Statistics) -> None:
    since, until = found.period.bounds()
    figures = referral_figures(session, since=since, until=until, province=found.scope.province,
                               commune=found.scope.commune)
    found.referrals_by_service, found.referrals_by_outcome = figures.by_service, figures.by_outcome
    if figures.accept_hours:
        found.durations.append(Duration(REFERRAL_STEP[0], len(figures.accept_hours),
                                        _round(percentile(figures.accept_hours, 0.5)),
                                        _round(percentile(figures.accept_hours, 0.9))))
