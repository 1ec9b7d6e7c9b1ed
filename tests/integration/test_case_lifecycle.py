"""A case through the legal procedure on the real database, with the clock at Tết 2027."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.clock import FrozenClock, set_clock
from core.db import UnitOfWork, unit_of_work
from workflows.case.facts import parse_facts
from workflows.case.machine import TransitionRefused
from workflows.case.models import Case, CaseHistory, Timer
from workflows.case.reports import NewReport
from workflows.casework.service import apply, open_ticket

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN)


@pytest.fixture
def clock(db, redis_conn, roster, gateway):
    frozen = FrozenClock(vn(2027, 2, 1, 9, 0))
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


def _do(ref: str, trigger: str, **kw) -> None:
    actor, via, role = kw.pop("actor", "officer"), kw.pop("via", "api"), kw.pop("actor_role", "commune_officer")
    apply(UnitOfWork(), reference=ref, trigger=trigger, actor=actor, via=via, actor_role=role,
          facts=parse_facts(trigger, kw))


def _open_deadline(ref: str, clock_name: str) -> datetime:
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == ref)).scalar_one()
        return uow.session.execute(select(Timer.due_at).where(
            Timer.case_id == case.id, Timer.clock == clock_name, Timer.kind == "deadline",
            Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))).scalar_one()


def test_plan_clocks_count_working_days_across_tet(clock) -> None:
    ref = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị bỏ mặc", location="xã Cam Lộ, Quảng Trị"),
                      channel="api").reference
    _do(ref, "acknowledge", via="sms")
    _do(ref, "report_assessment", risk_level="medium")
    clock.set(vn(2027, 2, 3, 10, 0))  # the day before Tết's holidays (4 to 10 Feb)
    _do(ref, "begin_detailed_assessment")
    # the 5 working days count from the initial assessment on 1 Feb (Art. 28(1)): 2, 3, 11, 12, 15 Feb
    assert _open_deadline(ref, "plan_draft") == vn(2027, 2, 15, 17, 0)
    clock.set(vn(2027, 2, 15, 15, 0))
    _do(ref, "draft_plan", plan="Mẫu 04")
    assert _open_deadline(ref, "plan_approval") == vn(2027, 2, 17, 17, 0)  # 16, 17 Feb
    with pytest.raises(TransitionRefused):
        _do(ref, "approve_plan", actor_role="operator")
    _do(ref, "approve_plan", actor="chair", actor_role="commune_chair")
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == ref)).scalar_one()
        assert case.state == "intervening"
        open_timers = uow.session.execute(select(Timer).where(
            Timer.case_id == case.id, Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))).scalars().all()
        # moving on cancelled the plan clocks; the approved plan's follow-up runs (no open case without one)
        assert {t.clock for t in open_timers} == {"plan_follow_up"}
        trail = uow.session.execute(select(CaseHistory.event, CaseHistory.via, CaseHistory.actor).where(
            CaseHistory.case_id == case.id).order_by(CaseHistory.id)).all()
        # the approved plan is then sent to those who carry it out (NĐ 56 Art. 28(5)), by the system
        assert [t[0] for t in trail] == ["assign", "acknowledge", "report_assessment", "begin_detailed_assessment",
                                         "draft_plan", "approve_plan", "plan_sent"]
        assert trail[1][1] == "sms" and trail[-2][2] == "chair" and trail[-1][2] == "system"


def test_emergency_separation_is_reassessed_on_day_fifteen(clock) -> None:
    ref = open_ticket(UnitOfWork(), report=NewReport(description="Bố đánh trẻ", location="xã Cam Lộ, Quảng Trị",
                                                     immediate_danger=True), channel="api").reference
    _do(ref, "acknowledge", via="sms")
    _do(ref, "start_emergency", measure="Công an xã đưa trẻ đến trạm y tế", taken_by="officer",
        taken_at=clock.now().isoformat())
    clock.advance(timedelta(hours=3))
    today = clock.now().date()
    _do(ref, "separate", actor="chair", actor_role="commune_chair", decision="Mẫu 07 số 12/QĐ",
        starts_on=today.isoformat(), ends_on=(today + timedelta(days=15)).isoformat())
    assert _open_deadline(ref, "separation_review") == clock.now() + timedelta(days=15)
