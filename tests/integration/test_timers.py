"""SLA timers on real PostgreSQL and Redis with an injected clock: nobody sleeps for a deadline."""

from __future__ import annotations

import threading
from datetime import timedelta

from rq import SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import select

from core.db import UnitOfWork, unit_of_work
from core.queue import get_queue
from notifier.models import OutboxMessage
from workflows.case.models import Case, CaseHistory, Timer
from workflows.case.reports import NewReport
from workflows.casework.service import apply, open_ticket
from workflows.clocks.timers import timer_job_id
from workflows.jobs import fire_timer, sweep


def _open(location: str = "xã Cam Lộ, Quảng Trị", danger: bool = False) -> str:
    opened = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh", location=location,
                                                        immediate_danger=danger), channel="api")
    return opened.reference


def _case(reference: str) -> Case:
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        _ = case.timers, case.history, case.decisions
        return case


def _deadline(reference: str, clock_name: str = "acknowledge") -> Timer:
    return next(t for t in _case(reference).timers if t.clock == clock_name and t.kind == "deadline")


def _outbox() -> list[OutboxMessage]:
    with unit_of_work() as uow:
        return list(uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def _breaches(reference: str) -> list[str]:
    """The rungs climbed, as "clock: what" (a breach itself is one `sla_breached` line per clock)."""
    return [h.reason or "" for h in _case(reference).history if h.event == "escalated"]


def _chain(reference: str) -> list[str]:
    recipients = _case(reference).decisions[-1].decision["recipients"]
    return [r["phone"] for r in recipients if r["contact_id"] is not None]


def test_acknowledge_timer_fires_once_and_asks_the_next_contact(clock) -> None:
    ref = _open()
    timer = _deadline(ref)
    assert timer.due_at == clock.now() + timedelta(hours=4)  # normal urgency
    clock.advance(timedelta(hours=4, seconds=1))
    sweep()
    sweep()
    assert fire_timer(timer.id) == "noop"
    chain = _chain(ref)
    assert [m.to_phone for m in _outbox() if m.purpose == "escalation"] == [chain[1]]
    assert _breaches(ref) == ["acknowledge: chain"]


def test_emergency_uses_fifteen_minutes_and_twelve_hours_from_first_receipt(clock) -> None:
    ref = _open(danger=True)
    received = _case(ref).received_at
    assert _deadline(ref).due_at == received + timedelta(minutes=15)
    assert _deadline(ref, "emergency_protection").due_at == received + timedelta(hours=12)
    clock.advance(timedelta(minutes=5))
    apply(UnitOfWork(), reference=ref, trigger="acknowledge", actor="officer", via="sms",
          actor_role="commune_officer")
    timers = _case(ref).timers
    ack = next(t for t in timers if t.clock == "acknowledge" and t.kind == "deadline")
    assert ack.cancelled_at is not None and ack.fired_at is None
    protection = [t for t in timers if t.clock == "emergency_protection" and t.kind == "deadline"]
    assert len(protection) == 1 and protection[0].cancelled_at is None  # the legal clock runs on
    assert any(t.clock == "assessment" and t.cancelled_at is None for t in timers)


def test_reminders_go_out_before_the_deadline(clock) -> None:
    ref = _open()
    reminders = sorted(t.due_at for t in _case(ref).timers if t.kind == "reminder" and t.clock == "acknowledge")
    assert reminders == [clock.now() + timedelta(hours=2), clock.now() + timedelta(hours=3, minutes=36)]
    clock.advance(timedelta(hours=2, seconds=1))
    sweep()
    reminder = [m for m in _outbox() if m.purpose == "reminder"]
    assert len(reminder) == 1 and reminder[0].to_phone == _chain(ref)[0] and ref in reminder[0].body
    assert _deadline(ref).reminded_at is not None and _breaches(ref) == []


def test_escalation_climbs_contacts_then_a_call_then_the_supervisor(clock) -> None:
    ref = _open()  # the demo roster has one supervisor for Quảng Trị
    chain = _chain(ref)
    for _ in range(len(chain) + 3):
        clock.advance(timedelta(hours=5))
        sweep()
    steps = [b.split(": ")[1] for b in _breaches(ref)]
    assert steps == ["chain"] * (len(chain) - 1) + ["officer+assignee (call)", "supervisor (sms)"]
    out = _outbox()
    assert [m.to_phone for m in out if m.purpose == "escalation" and m.channel == "sms"] == chain[1:]
    calls = [m.to_phone for m in out if m.channel == "voice"]
    assert calls == [chain[0], chain[-1]]  # the officer and whoever holds the case by then
    assert out[-1].to_phone == "+842333852111" and out[-1].purpose == "ladder" and ref in out[-1].body
    assert "qua han xac nhan nhan ca" in out[-1].body


def test_one_firing_when_two_workers_and_the_sweeper_race(clock) -> None:
    refs = [_open() for _ in range(5)]
    timers = [_deadline(r).id for r in refs]
    clock.advance(timedelta(hours=4, seconds=1))
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def worker() -> None:
        start.wait()
        try:
            for timer_id in timers:
                fire_timer(timer_id)
        except BaseException as exc:
            errors.append(exc)

    def sweeper() -> None:
        start.wait()
        try:
            sweep()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker), threading.Thread(target=worker), threading.Thread(target=sweeper)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    for ref in refs:
        assert _breaches(ref) == ["acknowledge: chain"]
    assert len([m for m in _outbox() if m.purpose == "escalation"]) == len(refs)


def test_a_real_rq_worker_fires_the_scheduled_job_once(clock, redis_conn) -> None:
    ref = _open()
    timer = _deadline(ref)
    queue = get_queue(redis_conn)
    registry = ScheduledJobRegistry(queue=queue)
    job_id = timer_job_id(timer.id, timer.due_at)
    assert job_id in registry.get_job_ids()
    clock.advance(timedelta(hours=4, seconds=1))
    for _ in range(2):  # the same wake-up delivered twice (at-least-once), both run by a real worker
        job = Job.fetch(job_id, connection=redis_conn, serializer=JSONSerializer)
        registry.remove(job)
        queue.enqueue_job(job)
        SimpleWorker([queue], connection=redis_conn, serializer=JSONSerializer).work(burst=True)
    assert _breaches(ref) == ["acknowledge: chain"]
    assert _deadline(ref).fired_at is not None


def test_no_timer_is_lost_after_flushall(clock, redis_conn) -> None:
    refs = [_open() for _ in range(30)]
    assert len(ScheduledJobRegistry(queue=get_queue(redis_conn)).get_job_ids()) >= 30
    redis_conn.flushdb()
    clock.advance(timedelta(hours=4, seconds=1))
    sweep()
    with unit_of_work() as uow:
        overdue = uow.session.execute(select(Timer).where(
            Timer.due_at <= clock.now(), Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))).scalars().all()
        assert overdue == []
        fired = uow.session.execute(select(CaseHistory).where(CaseHistory.event == "sla_breached")).scalars().all()
        assert len(fired) == len(refs)


def test_no_team_in_the_commune_tells_the_province_supervisor(clock) -> None:
    ref = _open(location="phường Đông Hà, Quảng Trị")  # found, but no team registered there
    case = _case(ref)
    assert case.state == "needs_routing" and case.commune_code is not None
    sent = [m for m in _outbox() if m.case_id == case.id]
    assert [(m.to_phone, m.purpose) for m in sent] == [("+842333852111", "supervisor")]
    assert "Dong Ha" in sent[0].body and ref in sent[0].body


def test_the_sweeper_claims_a_batch_once_and_skips_what_another_firer_holds(clock) -> None:
    from workflows.clocks.timers import lock_overdue

    refs = [_open() for _ in range(3)]
    clock.advance(timedelta(hours=4, seconds=1))
    held = _deadline(refs[0]).id
    with unit_of_work() as holder:  # another firer has this row locked
        holder.session.execute(select(Timer).where(Timer.id == held).with_for_update()).scalar_one()
        with unit_of_work() as sweeper:
            claimed = lock_overdue(sweeper.session, now=clock.now())
            ids = {t.id for t in claimed}
            sweeper.commit()
    assert held not in ids and {_deadline(r).id for r in refs[1:]} <= ids
    with unit_of_work() as again:
        assert {t.id for t in lock_overdue(again.session, now=clock.now())} == {held}


def test_a_failing_timer_does_not_hold_back_the_others(clock, monkeypatch) -> None:
    import workflows.jobs as jobs

    refs = [_open() for _ in range(3)]
    poisoned = _deadline(refs[0]).id
    real = jobs.on_timer

    def flaky(uow, case, timer, *, now):
        if timer.id == poisoned:
            raise RuntimeError("a bug in one handler")
        return real(uow, case, timer, now=now)

    monkeypatch.setattr(jobs, "on_timer", flaky)
    clock.advance(timedelta(hours=4, seconds=1))
    sweep()
    assert _breaches(refs[0]) == [] and _deadline(refs[0]).fired_at is None  # still due, tried again
    assert all(_breaches(r) == ["acknowledge: chain"] for r in refs[1:])
    monkeypatch.setattr(jobs, "on_timer", real)
    sweep()
    assert _breaches(refs[0]) == ["acknowledge: chain"]


def test_a_batch_where_every_timer_fails_ends_the_round(clock, monkeypatch) -> None:
    import workflows.jobs as jobs

    refs = [_open() for _ in range(2)]
    monkeypatch.setattr(jobs, "on_timer", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("bug")))
    clock.advance(timedelta(hours=4, seconds=1))
    result: list[dict[str, int]] = []
    round_ = threading.Thread(target=lambda: result.append(sweep(limit=2)), daemon=True)
    round_.start()
    round_.join(20)
    assert not round_.is_alive(), "the sweeper kept claiming the same failing batch"
    # the two undelivered assignments
    assert result == [{"timers_fired": 0, "messages_requeued": 2, "contact_alerts": 0}]
    assert all(_deadline(r).fired_at is None for r in refs)
