"""The two legal clocks breach for real: 12 hours from T0 (emergency protection) and day 15 (separation).

Real PostgreSQL and Redis, an injected clock moved past the deadline, and the timers fired through the
worker's own path (`workflows.jobs.fire_timer`, then the sweeper). Asserted: the timer fires only once
due, the breach is in the case history for that clock, the commune chair and the province supervisor
are told. How the escalation gets there (one step or a ladder) is left to the escalation's own tests.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.clock import FrozenClock, local
from core.db import UnitOfWork, unit_of_work
from notifier.models import OutboxMessage
from workflows.case.facts import parse_facts
from workflows.case.models import Case, CaseHistory, Timer
from workflows.case.reports import NewReport
from workflows.casework.service import apply, open_ticket
from workflows.jobs import fire_timer, sweep

MEASURE = {"measure": "Công an xã ngăn chặn bạo lực", "taken_by": "Công an xã", "taken_at": "2026-01-05T10:00:00Z"}
CHAIR = "+84913456789"  # Xã Cam Lộ's commune chair (deploy/demo/roster.csv)
SUPERVISOR = "+842333852111"  # Quảng Trị's province supervisor


def _emergency_case() -> str:
    report = NewReport(description="Bố đánh trẻ, trẻ bị thương", location="xã Cam Lộ, Quảng Trị",
                       immediate_danger=True)
    return open_ticket(UnitOfWork(), report=report, channel="api").reference


def _do(reference: str, trigger: str, **facts: object) -> None:
    role = facts.pop("actor_role", None)
    apply(UnitOfWork(), reference=reference, trigger=trigger, actor="officer", via="api",  # type: ignore[arg-type]
          actor_role=role, facts=parse_facts(trigger, dict(facts)))


def _deadline(reference: str, clock_name: str) -> Timer:
    with unit_of_work() as uow:
        case_id = uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        return uow.session.execute(select(Timer).where(
            Timer.case_id == case_id, Timer.clock == clock_name, Timer.kind == "deadline",
            Timer.cancelled_at.is_(None)).order_by(Timer.id)).scalars().first()


def _breaches(reference: str, clock_name: str) -> list[CaseHistory]:
    with unit_of_work() as uow:
        case_id = uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        rows = uow.session.execute(select(CaseHistory).where(
            CaseHistory.case_id == case_id, CaseHistory.event == "sla_breached")).scalars()
        return [h for h in rows if (h.reason or "").startswith(clock_name)]


def _told(reference: str, phone: str, *, since: datetime) -> list[OutboxMessage]:
    with unit_of_work() as uow:
        case_id = uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        return list(uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.case_id == case_id, OutboxMessage.to_phone == phone,
            OutboxMessage.created_at >= since)).scalars())


def _breach_and_escalate(clock: FrozenClock, reference: str, clock_name: str) -> None:
    """Fire the deadline through the job, then let the sweeper run the escalation for a few hours."""
    timer = _deadline(reference, clock_name)
    assert timer is not None, f"no {clock_name} deadline armed"
    clock.set(timer.due_at - timedelta(seconds=1))
    assert fire_timer(timer.id) == "noop"  # not a second early
    assert _breaches(reference, clock_name) == []
    clock.set(timer.due_at + timedelta(seconds=1))
    assert fire_timer(timer.id) not in {"noop", "stale"}
    assert fire_timer(timer.id) == "noop"  # a repeated wake-up does nothing
    with unit_of_work() as uow:
        assert uow.session.get(Timer, timer.id).fired_at == clock.now()  # type: ignore[union-attr]
    assert len(_breaches(reference, clock_name)) >= 1
    for _ in range(12):  # whatever the ladder, within a few hours the supervisor has been told
        if _told(reference, SUPERVISOR, since=timer.due_at):
            break
        clock.advance(timedelta(hours=1))
        sweep()
    assert _told(reference, CHAIR, since=timer.due_at), "the commune chair was not told of the breach"
    supervisor = _told(reference, SUPERVISOR, since=timer.due_at)
    assert supervisor, "the province supervisor was not told of the breach"
    assert all(reference in m.body for m in supervisor)


def test_emergency_protection_breaches_twelve_hours_after_first_receipt(clock) -> None:
    reference = _emergency_case()
    received = clock.now()
    clock.advance(timedelta(minutes=5))
    _do(reference, "acknowledge", actor_role="commune_officer")
    _do(reference, "report_assessment", risk_level="high", actor_role="commune_officer")  # nobody protects
    assert _deadline(reference, "emergency_protection").due_at == received + timedelta(hours=12)
    _breach_and_escalate(clock, reference, "emergency_protection")
    with unit_of_work() as uow:
        assert uow.session.execute(select(Case.state).where(Case.reference == reference)).scalar_one() == "assessed"


def test_separation_review_breaches_on_day_fifteen(clock) -> None:
    reference = _emergency_case()
    _do(reference, "acknowledge", actor_role="commune_officer")
    _do(reference, "start_emergency", actor_role="commune_police", **MEASURE)
    clock.advance(timedelta(hours=3))
    separated_at = clock.now()
    today = local(separated_at).date()
    _do(reference, "separate", actor_role="commune_chair", decision="Mẫu 07 số 12/QĐ", starts_on=today.isoformat(),
        ends_on=(today + timedelta(days=15)).isoformat())
    assert _deadline(reference, "separation_review").due_at == separated_at + timedelta(days=15)
    clock.advance(timedelta(days=14))
    sweep()  # the reminders before day 15 go out; no breach yet
    assert _breaches(reference, "separation_review") == []
    _breach_and_escalate(clock, reference, "separation_review")


def test_the_chairs_separation_decision_breaches_twelve_hours_after_first_receipt(clock) -> None:
    """NĐ 56 Art. 32(2): once protection has started, the chair's Mẫu 07 decision is due at T0 + 12 h; no
    decision by then breaches and reaches the chair, the police and the supervisor (issue 18)."""
    reference = _emergency_case()
    received = clock.now()
    clock.advance(timedelta(minutes=10))
    _do(reference, "acknowledge", actor_role="commune_officer")
    clock.advance(timedelta(hours=1))
    _do(reference, "start_emergency", actor_role="commune_police", **MEASURE)
    assert _deadline(reference, "separation_decision").due_at == received + timedelta(hours=12)
    assert _deadline(reference, "emergency_plan").due_at == received + timedelta(hours=12)
    assert _deadline(reference, "plan_draft") is None  # Art. 28(1): not in emergencies
    _breach_and_escalate(clock, reference, "separation_decision")
