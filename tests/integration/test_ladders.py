"""Ladders per (case, clock) on real PostgreSQL and Redis, fired by the sweeper under an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from core.clock import FrozenClock, local, set_clock, utcnow
from core.db import UnitOfWork, unit_of_work
from notifier.models import OutboxMessage
from tests.conftest import sla_policy
from workflows.case.facts import parse_facts
from workflows.case.models import Case, Timer
from workflows.case.reports import NewReport
from workflows.casework.queries import read_case
from workflows.casework.service import apply, open_ticket, reroute
from workflows.clocks.models import Ladder
from workflows.field.commands import handle_command
from workflows.jobs import sweep
from workflows.team.models import OperatorAlert

OFFICER, CHAIR, POLICE = "+84912345678", "+84913456789", "+84914567890"
SUPERVISOR, SHIFT_LEAD = "+842333852111", "+842433111111"
CAM_LO = "xã Cam Lộ, Quảng Trị"


def _open(*, danger: bool = False, location: str = CAM_LO) -> str:
    return open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh", location=location,
                                                      immediate_danger=danger), channel="api").reference


def _do(ref: str, trigger: str, **kw: object) -> None:
    actor, via = str(kw.pop("actor", "officer")), str(kw.pop("via", "api"))
    role, reason = kw.pop("actor_role", "commune_officer"), kw.pop("reason", None)
    apply(UnitOfWork(), reference=ref, trigger=trigger, actor=actor, via=via, actor_role=role,  # type: ignore[arg-type]
          reason=reason, facts=parse_facts(trigger, kw))  # type: ignore[arg-type]


def _case(ref: str) -> Case:
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == ref)).scalar_one()
        _ = case.timers, case.history, case.decisions
        return case


def _ladder(ref: str, clock_name: str) -> Ladder:
    with unit_of_work() as uow:
        case_id = uow.session.execute(select(Case.id).where(Case.reference == ref)).scalar_one()
        return uow.session.execute(select(Ladder).where(Ladder.case_id == case_id,
                                                        Ladder.clock == clock_name)).scalar_one()


def _sent(since: int = 0) -> list[OutboxMessage]:
    with unit_of_work() as uow:
        return list(uow.session.execute(select(OutboxMessage).where(OutboxMessage.id > since)
                                        .order_by(OutboxMessage.id)).scalars())


def _last_id() -> int:
    sent = _sent()
    return sent[-1].id if sent else 0


def _run(clock: FrozenClock, total: timedelta, step: timedelta) -> None:
    end = clock.now() + total
    while clock.now() < end:
        clock.advance(step)
        sweep()


def test_an_exhausted_acknowledgement_ladder_does_not_silence_the_twelve_hour_clock(clock) -> None:
    ref = _open(danger=True)
    received = _case(ref).received_at
    _run(clock, timedelta(hours=3), timedelta(minutes=5))  # 15 min a contact, a call, the supervisor
    ack = _ladder(ref, "acknowledge")
    assert ack.stop_reason == "exhausted" and ack.next_at is None
    # The chain ran out: the supervisor at once (not after the call), then the call, then the last step.
    assert [t["role"] for t in ack.told] == ["chain", "chain", "supervisor", "officer", "assignee", "supervisor"]
    exhausted = [m for m in _sent() if m.to_phone == SUPERVISOR and m.purpose == "supervisor"]
    assert len(exhausted) == 1 and "khong con ai" in exhausted[0].body
    mark = _last_id()
    clock.set(received + timedelta(hours=12, seconds=1))
    sweep()
    legal = _sent(mark)
    deadline = local(received + timedelta(hours=12)).strftime("%H:%M %d/%m")
    sms = {m.to_phone: m.body for m in legal if m.channel == "sms"}
    assert set(sms) == {CHAIR, POLICE, SUPERVISOR}
    for body in sms.values():
        assert body.startswith(f"111 KHAN: Ca {ref} tai Xa Cam Lo") and f"tu {deadline}" in body
        assert "NHAN" not in body and len(body) <= 160
    assert {m.to_phone for m in legal if m.channel == "voice"} == {CHAIR, POLICE, SUPERVISOR}
    protection = _ladder(ref, "emergency_protection")
    assert {t["role"] for t in protection.told} == {"chair", "police", "supervisor"}
    assert protection.stop_reason == "exhausted"  # its one step taken; nothing else to climb
    assert [h.reason for h in _case(ref).history if h.event == "sla_breached"] == [
        "acknowledge", "emergency_protection"]


def test_plan_approval_reminds_and_escalates_to_the_chair_then_stops_when_approved(clock) -> None:
    ref = _open()
    _do(ref, "acknowledge", via="sms")
    _do(ref, "report_assessment", risk_level="medium")
    _do(ref, "begin_detailed_assessment")
    mark = _last_id()
    _do(ref, "draft_plan", plan="Mẫu 04")
    due = next(t.due_at for t in _case(ref).timers if t.clock == "plan_approval" and t.kind == "deadline")
    _run(clock, due - clock.now() + timedelta(seconds=1), timedelta(minutes=30))
    sent = _sent(mark)
    assert sent and {m.to_phone for m in sent} == {CHAIR}  # reminders and the breach: the chair, nobody else
    assert all("phe duyet" in m.body and "NHAN" not in m.body for m in sent)
    assert [m.purpose for m in sent] == ["reminder", "reminder", "ladder"]
    assert local(due).strftime("%H:%M %d/%m") in sent[-1].body
    ladder = _ladder(ref, "plan_approval")
    assert ladder.step == 1 and ladder.next_at is not None  # the supervisor next, a working day later
    _do(ref, "approve_plan", actor="chair", actor_role="commune_chair")
    mark = _last_id()
    _run(clock, timedelta(days=5), timedelta(hours=12))
    assert _sent(mark) == []
    assert _ladder(ref, "plan_approval").stop_reason == "satisfied:intervening"


def test_plan_approval_reaches_the_supervisor_when_the_chair_does_not_act(clock) -> None:
    ref = _open()
    for trigger, kw in (("acknowledge", {}), ("report_assessment", {"risk_level": "low"}),
                        ("begin_detailed_assessment", {}), ("draft_plan", {"plan": "Mẫu 04"})):
        _do(ref, trigger, **kw)
    mark = _last_id()
    _run(clock, timedelta(days=8), timedelta(hours=6))
    ladder_sms = [m for m in _sent(mark) if m.purpose == "ladder"]
    assert [m.to_phone for m in ladder_sms] == [CHAIR, SUPERVISOR]
    supervisor = ladder_sms[1].body
    assert supervisor.startswith(f"111 GIAM SAT: Ca {ref}") and "qua han phe duyet ke hoach" in supervisor


def test_wrong_commune_goes_back_to_routing_and_the_shift_lead_hears_at_once(clock) -> None:
    ref = _open()
    mark = _last_id()
    _do(ref, "wrong_commune", reason="Địa chỉ thuộc xã khác")
    case = _case(ref)
    assert case.state == "needs_routing" and case.team_id is None and case.commune_code is None
    alert = _sent(mark)
    assert [(m.to_phone, m.purpose) for m in alert] == [(SHIFT_LEAD, "alert")]
    assert alert[0].body.startswith(f"111 TRUONG CA: Ca {ref}: Xa Cam Lo bao khong dung dia ban")
    with unit_of_work() as uow:
        kinds = uow.session.execute(select(OperatorAlert.kind)).scalars().all()
    assert kinds == ["wrong_commune"]
    routing = [t for t in case.timers if t.clock == "routing" and t.kind == "deadline" and t.cancelled_at is None]
    assert len(routing) == 1 and routing[0].due_at == clock.now() + timedelta(hours=2)  # normal urgency too
    assert not [t for t in case.timers if t.clock == "acknowledge" and t.fired_at is None and t.cancelled_at is None]
    mark = _last_id()
    clock.advance(timedelta(hours=2, seconds=1))
    sweep()
    assert [m.to_phone for m in _sent(mark) if m.purpose == "ladder"] == [SHIFT_LEAD]
    reroute(UnitOfWork(), reference=ref, commune_code="19597", reason="Đúng xã", operator="op1", actor_role="operator")
    assert _case(ref).state == "assigned"
    assert _ladder(ref, "routing").stop_reason == "satisfied:assigned"


def test_an_exhausted_chain_tells_the_supervisor_at_once(clock) -> None:
    ref = _open()
    chain = [r["phone"] for r in _case(ref).decisions[-1].decision["recipients"] if r["contact_id"]]
    mark = _last_id()
    for n, phone in enumerate(chain):
        answer = handle_command(UnitOfWork(), channel="twilio", external_id=f"SM{n:032d}", from_phone=phone,
                                text=f"TUCHOI {ref} dang di cong tac")
        assert "tu choi" in answer
    told = [m for m in _sent(mark) if m.to_phone == SUPERVISOR]
    assert len(told) == 1 and told[0].body.startswith(f"111 GIAM SAT: Ca {ref} tai Xa Cam Lo: khong con ai")
    with unit_of_work() as uow:
        assert uow.session.execute(select(OperatorAlert.kind)).scalars().all() == ["chain_exhausted"]
    assert [h.event for h in _case(ref).history].count("chain_exhausted") == 1


def test_a_chairs_decline_does_not_skip_the_officer(clock) -> None:
    ref = _open()
    handle_command(UnitOfWork(), channel="twilio", external_id="SM" + "1" * 32, from_phone=CHAIR,
                   text=f"TUCHOI {ref} ban hop")
    case = _case(ref)
    assert case.state == "assigned" and case.assignee_order == 0  # the officer still holds it
    handle_command(UnitOfWork(), channel="twilio", external_id="SM" + "2" * 32, from_phone=OFFICER,
                   text=f"TUCHOI {ref} nghi phep")
    assert _case(ref).assignee_order == 1


def test_a_ladder_stops_the_moment_its_clock_is_satisfied_and_delivered_is_not_acknowledged(clock) -> None:
    ref = _open()
    clock.advance(timedelta(hours=4, seconds=1))
    sweep()
    assert _ladder(ref, "acknowledge").loop == 1
    with unit_of_work() as uow:  # every message delivered: that changes nothing
        for msg in uow.session.execute(select(OutboxMessage)).scalars():
            msg.status = "delivered"
        uow.commit()
    clock.advance(timedelta(hours=4, seconds=1))
    sweep()
    assert _ladder(ref, "acknowledge").loop == 2
    _do(ref, "acknowledge", via="sms")
    ladder = _ladder(ref, "acknowledge")
    assert ladder.stop_reason == "satisfied:acknowledged" and ladder.next_at is None
    mark = _last_id()
    clock.advance(timedelta(hours=10))
    sweep()
    assert [m for m in _sent(mark) if m.purpose in ("escalation", "ladder")] == []


def test_quiet_hours_defer_a_normal_case_but_not_an_emergency(db, redis_conn, roster, gateway, tmp_path: Path) -> None:
    policy = tmp_path / "quiet.toml"
    policy.write_text('[clocks.acknowledge]\nquiet_hours = "22:00-06:00"\n', encoding="utf-8")
    frozen = FrozenClock(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # 21:00 in Vietnam
    previous = set_clock(frozen)
    try:
        with sla_policy(policy):
            normal, emergency = _open(), _open(danger=True)
            # 23:00 and 00:36 fall in the quiet hours, 06:00 is past the 01:00 deadline: no reminder at night.
            assert [t for t in _case(normal).timers if t.kind == "reminder" and t.clock == "acknowledge"] == []
            frozen.advance(timedelta(hours=4, seconds=1))  # 01:00: the normal case breaches inside quiet hours
            sweep()
            assert "escalation_deferred" in [h.event for h in _case(normal).history]
            assert _ladder(normal, "acknowledge").loop == 0
            assert _ladder(normal, "acknowledge").next_at == datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # 06:00
            assert _ladder(emergency, "acknowledge").told  # an emergency never waits
            frozen.set(datetime(2026, 11, 24, 23, 0, 1, tzinfo=UTC))
            sweep()
            assert _ladder(normal, "acknowledge").loop == 1
    finally:
        set_clock(previous)


def test_a_partial_policy_file_arms_every_case(db, redis_conn, roster, gateway, tmp_path: Path) -> None:
    policy = tmp_path / "partial.toml"
    policy.write_text('[clocks.acknowledge]\nemergency = "PT10M"\nhigh = "PT30M"\nnormal = "PT2H"\n', encoding="utf-8")
    with sla_policy(policy):
        ref = _open()
        waiting = _open(location="không rõ ở đâu")
    timers = _case(ref).timers
    assert [t.kind for t in timers if t.clock == "acknowledge"] == ["deadline", "reminder", "reminder"]
    assert _case(waiting).state == "needs_routing"
    assert [t.clock for t in _case(waiting).timers if t.kind == "deadline"] == ["routing"]


def test_the_case_api_shows_every_ladder(clock) -> None:
    ref = _open(danger=True)
    clock.advance(timedelta(minutes=15, seconds=1))
    sweep()
    view = read_case(UnitOfWork(), reference=ref, reader="op1", via="api", purpose="test", may_see=lambda c: True)
    (ack,) = view["ladders"]
    assert ack["clock"] == "acknowledge" and ack["status"] == "running" and ack["step"] == 0 and ack["loop"] == 1
    assert ack["told"][0]["role"] == "chain" and ack["next_at"] is not None and ack["policy_version"]
    with unit_of_work() as uow:
        open_step = uow.session.execute(
            select(Timer).where(Timer.kind == "step", Timer.fired_at.is_(None))).scalar_one()
    assert open_step.due_at.isoformat() == ack["next_at"]


def test_a_handed_on_case_shows_the_next_rung_as_its_deadline_not_the_send_time(clock) -> None:
    ref = _open(danger=True)
    mark = _last_id()
    clock.advance(timedelta(minutes=15, seconds=1))
    sweep()
    (handed,) = [m for m in _sent(mark) if m.purpose == "escalation"]
    next_rung = _ladder(ref, "acknowledge").next_at
    assert next_rung == clock.now() + timedelta(minutes=15)
    assert f"truoc {local(next_rung).strftime('%H:%M %d/%m')}" in handed.body
    assert local(clock.now()).strftime("%H:%M %d/%m") not in handed.body


def test_the_day_fifteen_separation_review_reaches_chair_police_and_supervisor(clock) -> None:
    ref = _open(danger=True)
    _do(ref, "acknowledge", via="sms")
    _do(ref, "start_emergency", measure="Công an xã đưa trẻ đến nhà bà", taken_by="officer",
        taken_at=utcnow().isoformat())
    today = local(utcnow()).date()
    _do(ref, "separate", decision="Mẫu 07 số 12/QĐ", actor_role="commune_chair", starts_on=today.isoformat(),
        ends_on=(today + timedelta(days=15)).isoformat())
    mark = _last_id()
    clock.advance(timedelta(days=15, seconds=1))
    sweep()
    # the emergency plan's own 12 hours (Art. 31(3)) breached too: its ladder is another clock's
    told = {m.to_phone: m.body for m in _sent(mark) if m.purpose == "ladder" and "cach ly ngay 15" in m.body}
    assert set(told) == {CHAIR, POLICE, SUPERVISOR}
    assert all("danh gia lai cach ly ngay 15" in body and "NHAN" not in body for body in told.values())


def test_a_legal_clock_without_a_team_reaches_the_supervisor_and_the_shift_lead(clock) -> None:
    ref = _open(danger=True)
    _do(ref, "wrong_commune", reason="Không thuộc xã")
    received = _case(ref).received_at
    mark = _last_id()
    clock.set(received + timedelta(hours=12, seconds=1))
    sweep()
    told = {m.to_phone for m in _sent(mark) if m.purpose == "ladder" and m.body.startswith("111 KHAN")}
    assert told == {SUPERVISOR, SHIFT_LEAD}  # no chair or police to find without a commune team
    assert "nobody_to_tell" in [h.event for h in _case(ref).history]
