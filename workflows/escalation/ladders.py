"""Escalation ladders: a row per (case, clock), climbed step by step by the timer machinery.

A clock's breach starts its ladder; each step tells people by role (the chain, the officer, the chair,
the police, the supervisor, the shift lead) by SMS, call or both, then waits before the next one. The
row decides: a step timer only wakes it, and does nothing unless the row still expects that moment. A
ladder stops the moment its clock is satisfied (timers.cancel_open), and no ladder ever touches
another's state, so a legal clock's breach reaches the chair, the police and the supervisor whatever
the acknowledgement ladder did before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select

from core import i18n
from core.clock import as_utc
from core.db import UnitOfWork
from notifier.templates import (
    escalation_call_twiml,
    legal_breach_sms,
    overdue_sms,
    plan_approval_sms,
    shift_lead_sms,
    supervisor_sms,
)
from routing.directory import load_shift_leads, load_supervisors
from workflows.case.effects import message, record
from workflows.case.models import Case, Timer
from workflows.clocks.context import active_policy
from workflows.clocks.models import Ladder
from workflows.clocks.policy import ALWAYS_TOLD, Step
from workflows.clocks.timers import wake_up_after_commit
from workflows.team.assignment import chain_exhausted, current_recipient, hand_to_next
from workflows.team.routing_step import recipients


def __getattr__(name: str) -> dict[str, tuple[str, str]]:
    """CLOCK_LABELS (clock -> (vi, en)): what each clock asks, inside an SMS; the catalogs' `sms_clock.*`."""
    if name == "CLOCK_LABELS":
        return i18n.pairs("sms_clock")
    raise AttributeError(name)
_TEAM_ROLES = {"officer": "child_protection_officer", "chair": "commune_chair", "police": "commune_police"}


def _overdue(what: str) -> str:
    return i18n.gettext("vi", "sms.overdue_what", what=what)


def label(clock: str) -> str:
    return i18n.texts("vi", "sms_clock").get(clock, clock)


@dataclass(frozen=True)
class Person:
    role: str
    phone: str


def people(uow: UnitOfWork, case: Case, roles: tuple[str, ...]) -> list[Person]:
    """Who holds each role for this case, once each (the first role that names a phone keeps it)."""
    found: dict[str, Person] = {}
    for role in roles:
        for phone in _phones(uow, case, role):
            found.setdefault(phone, Person(role, phone))
    return list(found.values())


def _phones(uow: UnitOfWork, case: Case, role: str) -> list[str]:
    if role == "assignee":
        holder = current_recipient(case)
        return [str(holder["phone"])] if holder else []
    if role in _TEAM_ROLES:
        return [str(r["phone"]) for r in recipients(case) if r.get("role") == _TEAM_ROLES[role]]
    if role == "supervisor":
        return [s.phone for s in load_supervisors(uow.session, case.province_code)] if case.province_code else []
    if role == "shift_lead":
        return [s.phone for s in load_shift_leads(uow.session)]
    return []


def ladder_of(uow: UnitOfWork, case: Case, clock: str) -> Ladder | None:
    return uow.session.execute(
        select(Ladder).where(Ladder.case_id == case.id, Ladder.clock == clock)).scalar_one_or_none()


def ladders_of(uow: UnitOfWork, case: Case) -> list[Ladder]:
    return list(uow.session.execute(select(Ladder).where(Ladder.case_id == case.id).order_by(Ladder.id)).scalars())


def start(uow: UnitOfWork, case: Case, clock: str, *, deadline_at: datetime, now: datetime) -> str:
    """A clock breached: its ladder starts from the first step (now, or after the clock's quiet hours)."""
    policy = active_policy()
    row = ladder_of(uow, case, clock)
    if row is None:
        row = Ladder(case_id=case.id, clock=clock, told=[])
        uow.session.add(row)
    row.deadline_at, row.step, row.loop, row.told = deadline_at, 0, 0, []
    row.started_at, row.stopped_at, row.stop_reason = now, None, None
    row.policy_version = policy.version
    first = policy.defer(clock, urgency=case.urgency, province_code=case.province_code, at=now)
    if first > now:
        _schedule(uow, case, row, first)
        record(case, event="escalation_deferred", actor="system", via="system", now=now,
               reason=f"{clock}: quiet hours until {first.isoformat()}")
        return "deferred"
    return climb(uow, case, row, now=now)


def fire_step(uow: UnitOfWork, case: Case, timer: Timer, *, now: datetime) -> str:
    row = ladder_of(uow, case, timer.clock)
    if row is None or row.stopped_at is not None or row.next_at is None or as_utc(row.next_at) != as_utc(timer.due_at):
        return "stale"
    return climb(uow, case, row, now=now)


@dataclass(frozen=True)
class Move:
    kind: Literal["walk", "tell", "exhausted"]
    step: int


def next_move(steps: Sequence[Step], at: int, *, chain_has_next: bool) -> Move:
    """Pure: the rung to take from step `at`. A chain step walks while the chain has someone after the
    holder, then gives way to the next step at once; past the last step the ladder is exhausted."""
    while at < len(steps):
        if not steps[at].walks_chain:
            return Move("tell", at)
        if chain_has_next:
            return Move("walk", at)
        at += 1
    return Move("exhausted", at)


def climb(uow: UnitOfWork, case: Case, row: Ladder, *, now: datetime) -> str:
    """Take the ladder's current rung, then schedule the next (quiet hours applied)."""
    policy = active_policy()
    steps = policy.steps(row.clock, case.province_code)
    row.policy_version = policy.version
    while True:
        move = next_move(steps, row.step, chain_has_next=case.assignee_order + 1 < len(recipients(case)))
        if move.step != row.step:
            if row.step < len(steps) and steps[row.step].walks_chain:
                _chain_ran_out(uow, case, row, steps[row.step], now)
            row.step, row.loop = move.step, 0
        if move.kind == "exhausted":
            row.next_at, row.stopped_at, row.stop_reason = None, now, "exhausted"
            record(case, event="ladder_exhausted", actor="system", via="system", now=now, reason=row.clock)
            return "exhausted"
        step = steps[move.step]
        following = _after(policy, case, row.clock, step, now)
        if move.kind == "walk":  # the next contact has until the next rung to accept
            phone = hand_to_next(uow, case, now=now, respond_by=following)
            _told(row, step, [Person("chain", phone)] if phone else [], now)
            _escalated(case, row, "chain", now)
            row.loop += 1
            _schedule(uow, case, row, following)
            return "chain"
        _tell(uow, case, row, step, now)
        _escalated(case, row, f"{'+'.join(step.to)} ({step.channel})", now)
        row.step, row.loop = row.step + 1, 0
        if row.step < len(steps):
            _schedule(uow, case, row, following)
            return "+".join(step.to)


def _chain_ran_out(uow: UnitOfWork, case: Case, row: Ladder, step: Step, now: datetime) -> None:
    """Nobody left to hand the case to: the supervisor hears now (once per routing), whatever comes next."""
    since = case.decisions[-1].decided_at if case.decisions else case.received_at
    if not any(h.event == "chain_exhausted" and as_utc(h.at) >= as_utc(since) for h in case.history):
        told = chain_exhausted(uow, case, now=now)
        _told(row, step, [Person("supervisor", phone) for phone in told], now)


def _after(policy: Any, case: Case, clock: str, step: Step, now: datetime) -> datetime:
    return policy.next_step_at(clock, step, urgency=case.urgency, province_code=case.province_code, start=now)


def _tell(uow: UnitOfWork, case: Case, row: Ladder, step: Step, now: datetime) -> None:
    told = people(uow, case, step.to)
    # Silence is the worst failure: when nobody holds the step's roles (or, on a legal clock, any one of
    # them, e.g. a case with no commune team has no chair or police), the line's shift lead hears too.
    missing = [role for role in step.to if not _phones(uow, case, role)] if row.clock in ALWAYS_TOLD else []
    if not told or missing:
        record(case, event="nobody_to_tell", actor="system", via="system", now=now,
               reason=f"{row.clock}: {'+'.join(missing or step.to)}")
        known = {p.phone for p in told}
        told += [Person("shift_lead", p.phone) for p in people(uow, case, ("shift_lead",)) if p.phone not in known]
    for person in told:
        if step.channel in ("sms", "both"):
            message(uow, case, to=person.phone, purpose="ladder", now=now,
                    body=ladder_text(case, row.clock, person.role, row.deadline_at))
        if step.channel in ("call", "both"):
            message(uow, case, to=person.phone, channel="voice", purpose="ladder", now=now,
                    body=escalation_call_twiml(reference=case.reference, commune=case.commune_name or "",
                                               urgency=case.urgency))
    _told(row, step, told, now)


def ladder_text(case: Case, clock: str, role: str, deadline: datetime) -> str:
    """What one rung says: it depends on the clock and on who is told; the deadline is the clock's own."""
    ref, commune, what = case.reference, case.commune_name or "xa chua ro", label(clock)
    if clock in ALWAYS_TOLD:
        return legal_breach_sms(reference=ref, commune=commune, what=what, due_at=deadline)
    if clock == "plan_approval" and role == "chair":
        return plan_approval_sms(reference=ref, commune=commune, due_at=deadline, overdue=True)
    if role == "shift_lead":
        return shift_lead_sms(reference=ref, what=_overdue(what), since=deadline)
    if role == "supervisor":
        return supervisor_sms(reference=ref, commune=commune, what=_overdue(what), since=deadline)
    return overdue_sms(reference=ref, commune=commune, what=what, due_at=deadline)


def _told(row: Ladder, step: Step, told: list[Person], now: datetime) -> None:
    entries = [{"step": row.step, "loop": row.loop, "role": p.role, "phone": p.phone, "channel": step.channel,
                "at": now.isoformat()} for p in told]
    row.told = [*(row.told or []), *entries]  # a new list: the JSON column sees the change


def _escalated(case: Case, row: Ladder, what: str, now: datetime) -> None:
    record(case, event="escalated", actor="system", via="system", now=now, reason=f"{row.clock}: {what}")


def _schedule(uow: UnitOfWork, case: Case, row: Ladder, at: datetime) -> None:
    row.next_at = at
    timer = Timer(clock=row.clock, kind="step", armed_in_state=case.state, due_at=at)
    case.timers.append(timer)
    uow.session.flush()
    wake_up_after_commit(uow, [timer])


def view(row: Ladder) -> dict[str, Any]:
    """A ladder as the case API shows it: where it stands, who was told, when the next step falls due."""
    status = "running" if row.stopped_at is None else (row.stop_reason or "stopped")
    return {
        "clock": row.clock, "status": status, "step": row.step, "loop": row.loop,
        "deadline_at": as_utc(row.deadline_at).isoformat(),
        "next_at": row.next_at and as_utc(row.next_at).isoformat(),
        "started_at": as_utc(row.started_at).isoformat(),
        "stopped_at": row.stopped_at and as_utc(row.stopped_at).isoformat(),
        "policy_version": row.policy_version, "told": list(row.told or []),
    }


def call_unanswered(uow: UnitOfWork, case: Case, *, phone: str, placed_at: datetime, now: datetime) -> str | None:
    """A call a ladder placed that nobody answered (no answer, busy, a voicemail): that ladder moves on now,
    without waiting for its next rung's time (the rung's timer then finds itself stale). Each clock has its
    own ladder: the one that called is the one whose last rung told this phone by call at the call's time;
    a call from a rung the ladder has since left moves nothing."""
    row = _ladder_that_called(uow, case, phone=phone, placed_at=placed_at)
    if row is None or (row.clock == "acknowledge" and case.state != "assigned"):
        return None
    record(case, event="call_unanswered", actor="system", via="system", now=now, reason=row.clock)
    return climb(uow, case, row, now=now)


def _ladder_that_called(uow: UnitOfWork, case: Case, *, phone: str, placed_at: datetime) -> Ladder | None:
    at = as_utc(placed_at)
    for row in ladders_of(uow, case):
        if row.stopped_at is not None or row.next_at is None:
            continue
        if any(entry.get("phone") == phone and entry.get("channel") in ("call", "both")
               and entry.get("step") == row.step - 1 and as_utc(datetime.fromisoformat(entry["at"])) == at
               for entry in row.told or []):
            return row
    return None
