"""When a timer fires: a reminder before the deadline, or a breach that climbs the escalation chain.

The chain comes from the SLA policy (`[escalation] steps`): the next contact of the team by SMS
(one after another while the chain has people), then a voice call, then the province supervisor.
Every breach is written into the case history.
"""

from __future__ import annotations

from datetime import datetime

from core.db import UnitOfWork
from notifier.templates import escalation_call_twiml, reminder_sms, supervisor_sms
from workflows.assignment import current_recipient, notify_assignee, open_deadline
from workflows.context import active_policy
from workflows.effects import message, record
from workflows.models import Case, Timer
from workflows.routing_step import recipients, supervisor_phones
from workflows.timers import wake_up_after_commit

CLOCK_LABELS = {
    "acknowledge": ("xac nhan nhan ca", "accept the case"),
    "assessment": ("bao cao danh gia ban dau", "report the initial assessment"),
    "emergency_protection": ("can thiep khan cap", "emergency protection"),
    "separation_review": ("danh gia lai cach ly tam thoi", "re-assess the separation"),
    "plan_draft": ("du thao ke hoach ho tro", "draft the support plan"),
    "plan_approval": ("phe duyet ke hoach", "approve the plan"),
}


def label(clock: str) -> str:
    return CLOCK_LABELS.get(clock, (clock, clock))[0]


def on_timer(uow: UnitOfWork, case: Case, timer: Timer, *, now: datetime) -> str:
    if timer.armed_in_state != case.state and timer.clock not in _still_running(case):
        return "stale"  # the case has moved on; leaving the state should have cancelled it
    if timer.kind == "reminder":
        return remind(uow, case, timer, now=now)
    return breach(uow, case, timer, now=now)


def _still_running(case: Case) -> list[str]:
    return active_policy().clocks_for(case.state, urgency=case.urgency, risk_level=case.risk_level)


def remind(uow: UnitOfWork, case: Case, timer: Timer, *, now: datetime) -> str:
    deadline = open_deadline(case, timer.clock)
    person = current_recipient(case)
    if deadline is None or person is None:
        return "reminder_skipped"
    deadline.reminded_at = now
    message(uow, case, to=str(person["phone"]), purpose="reminder", now=now,
            body=reminder_sms(reference=case.reference, clock_label=label(timer.clock), due_at=deadline.due_at))
    record(case, event="reminder_sent", actor="system", via="system", now=now, reason=timer.clock)
    return "reminder_sent"


def breach(uow: UnitOfWork, case: Case, timer: Timer, *, now: datetime) -> str:
    policy = active_policy()
    steps = policy.escalation_steps
    chain = recipients(case)
    while case.escalation_level < len(steps):
        step = steps[case.escalation_level]
        if step == "next_contact_sms" and case.assignee_order + 1 < len(chain):
            case.assignee_order += 1
            _log_breach(uow, case, timer, step, now)
            notify_assignee(uow, case, now=now, escalated=True)
            _rearm(uow, case, timer, now=now)
            return step
        case.escalation_level += 1
        if step == "voice_call" and chain:
            _log_breach(uow, case, timer, step, now)
            current = current_recipient(case)
            for person in _unique_phones([chain[0], *([current] if current else [])]):
                message(uow, case, to=person, channel="voice", purpose="escalation", now=now,
                        body=escalation_call_twiml(reference=case.reference, commune=case.commune_name or "",
                                                   urgency=case.urgency))
            _rearm(uow, case, timer, now=now)
            return step
        if step == "supervisor":
            _log_breach(uow, case, timer, step, now)
            tell_supervisors(uow, case, what=f"qua han {label(timer.clock)}", now=now, since=timer.due_at)
            return step
    _log_breach(uow, case, timer, "none_left", now)
    return "none_left"


def tell_supervisors(
    uow: UnitOfWork, case: Case, *, what: str, now: datetime, since: datetime | None = None
) -> None:
    for phone in supervisor_phones(case):
        message(uow, case, to=phone, purpose="supervisor", now=now,
                body=supervisor_sms(reference=case.reference, commune=case.commune_name or "?",
                                    what=what, since=since or now))


def _log_breach(uow: UnitOfWork, case: Case, timer: Timer, step: str, now: datetime) -> None:
    record(case, event="sla_breached", actor="system", via="system", now=now,
           reason=f"{timer.clock}: {step}")


def _rearm(uow: UnitOfWork, case: Case, timer: Timer, *, now: datetime) -> None:
    """The next person gets the acknowledgement window of the policy to answer."""
    due = active_policy().deadline("acknowledge", urgency=case.urgency, province_code=case.province_code,
                                   start=now)
    fresh = Timer(clock=timer.clock, kind="deadline", armed_in_state=case.state, due_at=due)
    case.timers.append(fresh)
    uow.session.flush()
    wake_up_after_commit(uow, [fresh])


def _unique_phones(people: list[dict[str, object]]) -> list[str]:
    seen: list[str] = []
    for person in people:
        phone = str(person["phone"])
        if phone not in seen:
            seen.append(phone)
    return seen
