"""The board's delivery panel: the SMS provider failing now, bad numbers in the roster, failed messages.

A roster's phones are staff numbers (stored in clear, shown to whoever fixes the roster); a message to
anyone who is not in the roster (a member of the public answered by SMS) shows only its last three digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.clock import as_utc
from notifier.models import OutboxMessage, ProviderAlert, RecipientFlag
from routing.models import Contact, Supervisor, Team
from workflows.case.models import Case
from workflows.supervision.board import BoardScope

FAILED_DAYS = 7


@dataclass(frozen=True)
class Outage:
    since: datetime
    failures: int
    last_error: str | None
    announced: bool


@dataclass(frozen=True)
class BadNumber:
    phone: str
    channel: str
    reason: str
    flagged_at: datetime
    who: str  # the roster member's name
    role: str
    where: str  # the commune (or province) whose roster holds the number


@dataclass(frozen=True)
class FailedMessage:
    at: datetime
    reference: str | None
    purpose: str
    channel: str
    to: str  # a roster name and number, or the last three digits
    kind: str | None
    error: str | None


@dataclass(frozen=True)
class DeliveryProblems:
    outage: Outage | None
    bad_numbers: list[BadNumber]
    failed: list[FailedMessage]

    @property
    def any(self) -> bool:
        return self.outage is not None or bool(self.bad_numbers) or bool(self.failed)


def delivery_problems(session: Session, *, scope: BoardScope, now: datetime, limit: int = 50) -> DeliveryProblems:
    run = session.execute(select(ProviderAlert).where(ProviderAlert.open_slot.is_not(None))).scalar_one_or_none()
    outage = None if run is None else Outage(as_utc(run.opened_at), run.failures, run.last_error,
                                             run.notified_at is not None)
    return DeliveryProblems(outage, bad_numbers(session, scope=scope, limit=limit),
                            failed_messages(session, scope=scope, now=now, limit=limit))


def bad_numbers(session: Session, *, scope: BoardScope, limit: int = 50) -> list[BadNumber]:
    """Flagged phones that a commune team's roster (or the province's supervisors) still lists."""
    teams = select(RecipientFlag, Contact.full_name, Contact.role, Team.commune_name) \
        .join(Contact, Contact.phone == RecipientFlag.phone).join(Team, Team.id == Contact.team_id)
    if scope.province is not None:
        teams = teams.where(Team.province_code == scope.province)
    if scope.commune is not None:
        teams = teams.where(Team.commune_code == scope.commune)
    found = [BadNumber(f.phone, f.channel, f.reason, as_utc(f.flagged_at), name, role, where)
             for f, name, role, where in session.execute(teams.order_by(RecipientFlag.flagged_at.desc()).limit(limit))]
    if scope.commune is None:
        people = select(RecipientFlag, Supervisor.full_name, Supervisor.province_code) \
            .join(Supervisor, Supervisor.phone == RecipientFlag.phone)
        if scope.province is not None:
            people = people.where(Supervisor.province_code == scope.province)
        found += [BadNumber(f.phone, f.channel, f.reason, as_utc(f.flagged_at), name, "supervisor", province)
                  for f, name, province in session.execute(people.limit(limit))]
    return found[:limit]


def failed_messages(session: Session, *, scope: BoardScope, now: datetime, limit: int = 50) -> list[FailedMessage]:
    """Messages that failed for good in the last week: those of cases in scope (a line's board also sees
    the messages that belong to no case, such as alerts to the shift lead)."""
    since = now - timedelta(days=FAILED_DAYS)
    stmt = (select(OutboxMessage, Case.reference).outerjoin(Case, Case.id == OutboxMessage.case_id)
            .where(OutboxMessage.status.in_(("failed", "undelivered")), OutboxMessage.created_at >= since))
    if scope.province is not None or scope.commune is not None:
        stmt = stmt.where(OutboxMessage.case_id.is_not(None))
    if scope.line is not None:
        stmt = stmt.where(or_(OutboxMessage.case_id.is_(None), Case.line == scope.line))
    if scope.province is not None:
        stmt = stmt.where(Case.province_code == scope.province)
    if scope.commune is not None:
        stmt = stmt.where(Case.commune_code == scope.commune)
    rows = session.execute(stmt.order_by(OutboxMessage.id.desc()).limit(limit)).all()
    names = _roster_names(session, {m.to_phone for m, _ref in rows})
    return [FailedMessage(as_utc(m.status_at or m.created_at), ref, m.purpose, m.channel,
                          f"{names[m.to_phone]} {m.to_phone}" if m.to_phone in names else f"…{m.to_phone[-3:]}",
                          m.failure_kind, m.last_error) for m, ref in rows]


def _roster_names(session: Session, phones: set[str]) -> dict[str, str]:
    if not phones:
        return {}
    wanted = sorted(phones)
    found = dict(session.execute(select(Contact.phone, Contact.full_name).where(Contact.phone.in_(wanted))).all())
    found.update(session.execute(select(Supervisor.phone, Supervisor.full_name)
                                 .where(Supervisor.phone.in_(wanted))).all())
    return found
