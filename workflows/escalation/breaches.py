"""When a timer fires: a reminder before a deadline, a breach that starts the clock's ladder, or the
ladder's next step (workflows.escalation.ladders). Every breach and every step is written into the case history.
"""

from __future__ import annotations

from datetime import datetime

from core import i18n
from core.db import UnitOfWork
from notifier.templates import clock_reminder_sms, plan_approval_sms, shift_lead_sms, supervisor_sms
from routing.directory import load_supervisors
from workflows.case.effects import message, record
from workflows.case.models import Case, Timer
from workflows.clocks.context import active_policy
from workflows.escalation import ladders
from workflows.team.assignment import open_deadline

label = ladders.label


def on_timer(uow: UnitOfWork, case: Case, timer: Timer, *, now: datetime) -> str:
    if timer.armed_in_state != case.state and timer.clock not in _still_running(case):
        return "stale"  # the case has moved on; leaving the state should have cancelled it
    if timer.kind == "reminder":
        return remind(uow, case, timer, now=now)
    if timer.kind == "step":
        return ladders.fire_step(uow, case, timer, now=now)
    return breach(uow, case, timer, now=now)


def _still_running(case: Case) -> list[str]:
    return active_policy().clocks_for(case.state, urgency=case.urgency, risk_level=case.risk_level)


def remind(uow: UnitOfWork, case: Case, timer: Timer, *, now: datetime) -> str:
    """Before the deadline, to whoever the clock is waiting for (plan approval: the chair)."""
    deadline = open_deadline(case, timer.clock)
    clock = active_policy().clock(timer.clock, case.province_code)
    told = ladders.people(uow, case, clock.waits_for)
    if deadline is None or not told:
        return "reminder_skipped"
    deadline.reminded_at = now
    for person in told:
        message(uow, case, to=person.phone, purpose="reminder", now=now,
                body=reminder_text(case, timer.clock, person.role, deadline.due_at))
    record(case, event="reminder_sent", actor="system", via="system", now=now,
           reason=f"{timer.clock}: {'+'.join(sorted({p.role for p in told}))}")
    return "reminder_sent"


def reminder_text(case: Case, clock: str, role: str, due_at: datetime) -> str:
    ref, commune = case.reference, case.commune_name or "xa chua ro"
    if clock == "plan_approval" and role == "chair":
        return plan_approval_sms(reference=ref, commune=commune, due_at=due_at, overdue=False)
    if role == "shift_lead":
        what = i18n.gettext("vi", "sms.due_before", what=label(clock), time=_hhmm(due_at))
        return shift_lead_sms(reference=ref, what=what, since=case.received_at)
    return clock_reminder_sms(reference=ref, commune=commune, what=label(clock), due_at=due_at)


def _hhmm(moment: datetime) -> str:
    from core.clock import local

    return local(moment).strftime("%H:%M")


def breach(uow: UnitOfWork, case: Case, timer: Timer, *, now: datetime) -> str:
    """The clock's deadline passed: record it and start the clock's own ladder."""
    record(case, event="sla_breached", actor="system", via="system", now=now, reason=timer.clock)
    return ladders.start(uow, case, timer.clock, deadline_at=timer.due_at, now=now)


def tell_supervisors(
    uow: UnitOfWork, case: Case, *, what: str, now: datetime, since: datetime | None = None
) -> None:
    supervisors = load_supervisors(uow.session, case.province_code) if case.province_code else []
    for supervisor in supervisors:
        message(uow, case, to=supervisor.phone, purpose="supervisor", now=now,
                body=supervisor_sms(reference=case.reference, commune=case.commune_name or "?",
                                    what=what, since=since or now))
