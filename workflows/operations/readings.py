"""What `/metrics` reads from the database at each scrape: the same answer from every process, since the
API runs several and the workers are processes of their own (counters kept in one process's memory would
say what that process saw). Each reading is one aggregate query on indexed columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import Session

from core.clock import as_utc
from notifier.models import OutboxMessage, ProviderAlert
from workflows.case.models import Ticket, Timer
from workflows.clocks.models import Ladder
from workflows.contacts.models import IntakeContact
from workflows.operations.models import SweeperRun

UNSENT = ("pending", "attempting")
UNTOLD_AFTER = timedelta(seconds=60)  # a breached clock's ladder that told nobody for this long


@dataclass
class Readings:
    reports: dict[str, int] = field(default_factory=dict)  # by channel, since the line started
    contacts: dict[str, int] = field(default_factory=dict)
    outbox_unsent: dict[str, int] = field(default_factory=dict)  # by channel (sms, voice)
    oldest_unsent_age: dict[str, float] = field(default_factory=dict)  # seconds, by channel
    failed: dict[str, int] = field(default_factory=dict)  # by failure kind (provider, recipient, ...)
    timers_overdue: int = 0
    timers_lateness: float = 0.0  # seconds past due of the oldest overdue timer
    sweeps: dict[str, float] = field(default_factory=dict)  # worker -> last round, Unix time
    breaches_untold: int = 0
    providers: dict[str, tuple[bool, int]] = field(default_factory=dict)  # provider -> (up, failures in a row)


def _age(now: datetime, moment: datetime | None) -> float:
    return max(0.0, (now - as_utc(moment)).total_seconds()) if moment is not None else 0.0


def read(session: Session, *, now: datetime, alert_after: int) -> Readings:
    out = Readings()
    out.reports = {str(ch): n for ch, n in session.execute(
        select(Ticket.channel, func.count()).group_by(Ticket.channel))}
    out.contacts = {str(ch): n for ch, n in session.execute(
        select(IntakeContact.channel, func.count()).group_by(IntakeContact.channel))}
    # Unsent: written and not yet taken by the provider. A row held on purpose and not yet due (a burst
    # folded into the next SMS, one SMS a minute to a phone) has not been tried: it is not late yet.
    held = and_(OutboxMessage.attempts == 0, OutboxMessage.next_attempt_at > now)
    for channel, count, oldest in session.execute(
            select(OutboxMessage.channel, func.count(), func.min(OutboxMessage.created_at))
            .where(OutboxMessage.status.in_(UNSENT), not_(held)).group_by(OutboxMessage.channel)):
        out.outbox_unsent[str(channel)] = count
        out.oldest_unsent_age[str(channel)] = _age(now, oldest)
    out.failed = {str(kind or "unknown"): n for kind, n in session.execute(
        select(OutboxMessage.failure_kind, func.count()).where(OutboxMessage.status == "failed")
        .group_by(OutboxMessage.failure_kind))}
    count, oldest = session.execute(select(func.count(), func.min(Timer.due_at)).where(
        Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at <= now)).one()
    out.timers_overdue, out.timers_lateness = count, _age(now, oldest)
    out.sweeps = {w: as_utc(at).timestamp() for w, at in session.execute(select(SweeperRun.worker,
                                                                                SweeperRun.swept_at))}
    out.breaches_untold = session.execute(select(func.count()).select_from(Ladder).where(
        Ladder.stopped_at.is_(None), Ladder.started_at <= now - UNTOLD_AFTER,
        or_(Ladder.next_at.is_(None), Ladder.next_at <= now),  # deferred past quiet hours: not yet due
        or_(Ladder.told.is_(None), func.json_array_length(Ladder.told) == 0))).scalar_one()
    out.providers = {"sms": (True, 0)}
    for provider, failures in session.execute(select(ProviderAlert.provider, ProviderAlert.failures)
                                              .where(ProviderAlert.open_slot.is_not(None))):
        out.providers[str(provider)] = (failures < alert_after, failures)
    return out
