"""Delivering the outbox at most once: provider failures wait, bad numbers fail over, unknowns are reconciled.

The provider is the Twilio stand-in behind the real adapter (the SDK over HTTP) where the outcome matters;
`Flaky` is a ten-line fake where only the error class does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from core.clock import FrozenClock, set_clock, utcnow
from core.db import UnitOfWork, get_engine, unit_of_work
from core.settings import reset_settings
from devtools.twilio_standin import TwilioStandIn
from notifier.models import OutboxMessage, ProviderAlert, RecipientFlag
from notifier.outbox import DeliveryPolicy, claim_next, queue_message
from notifier.ports import PermanentDeliveryError, Sent, TransientDeliveryError
from notifier.twilio_adapter import TwilioGateway
from workflows.case.models import Case
from workflows.case.reports import NewReport
from workflows.casework.service import open_ticket
from workflows.clocks.context import reset_gateways, use_gateways
from workflows.field.commands import handle_command
from workflows.field.delivery import deliver_next
from workflows.jobs import deliver_message, sweep

OFFICER, CHAIR = "+84912345678", "+84913456789"
LEAD = "+84987000111"



@pytest.fixture(autouse=True)
def no_folding(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """These tests count SMS per phone: a burst folded into one SMS is tested on its own
    (tests/integration/test_burst_folding.py)."""
    from core.settings import reset_settings

    monkeypatch.setenv("HOTLINE_FOLD_WINDOW_SECONDS", "0")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


class Flaky:
    """Fails the way it is told to, per phone, then behaves."""

    def __init__(self, failures: dict[str, list[Exception]]) -> None:
        self.failures, self.sent = failures, []

    def send_sms(self, *, to: str, body: str, status_callback: str) -> Sent:
        if self.failures.get(to):
            raise self.failures[to].pop(0)
        self.sent.append((to, body))
        return Sent(provider_sid=f"SM{len(self.sent):032d}", status="queued")

    def call(self, *, to: str, twiml: str, status_callback: str) -> Sent:
        return self.send_sms(to=to, body=twiml, status_callback=status_callback)


@pytest.fixture
def clock(db, redis_conn, roster):
    frozen = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)
    reset_gateways()


@pytest.fixture
def twilio(clock, monkeypatch) -> Iterator[TwilioStandIn]:
    """The real adapter against the stand-in, both on the test's clock; a 0.5 s client timeout."""
    standin = TwilioStandIn(account_sid="ACtest0000000000000000000000000000", auth_token="test-token",
                            clock=lambda: utcnow().timestamp()).start()
    for key, value in {"HOTLINE_TWILIO_API_BASE": standin.url, "HOTLINE_TWILIO_ACCOUNT_SID": standin.account_sid,
                       "HOTLINE_TWILIO_AUTH_TOKEN": standin.auth_token, "HOTLINE_TWILIO_TIMEOUT_SECONDS": "0.5",
                       "HOTLINE_DELIVERY_UNKNOWN_GRACE_SECONDS": "5", "HOTLINE_SHIFT_LEAD_PHONES": LEAD}.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    gateway = TwilioGateway()
    use_gateways(gateway, gateway)
    yield standin
    standin.stop()
    reset_gateways()
    monkeypatch.undo()
    reset_settings()


def _use(gateway: Flaky) -> None:
    use_gateways(gateway, gateway)


def _open(danger: bool = False) -> str:
    report = NewReport(description="Trẻ bị đánh", location="xã Cam Lộ, Quảng Trị", immediate_danger=danger)
    return open_ticket(UnitOfWork(), report=report, channel="api").reference


def _messages() -> list[OutboxMessage]:
    with unit_of_work() as uow:
        return list(uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def _drain() -> int:
    """Deliver (or reconcile) everything due now; how many steps it took."""
    steps = 0
    while deliver_next() is not None:
        steps += 1
    return steps


def _exactly_once(standin: TwilioStandIn) -> None:
    counts = standin.by_outbox()
    rows = [m.id for m in _messages()]
    lost = [i for i in rows if counts.get(i, 0) == 0]
    duplicated = {i: n for i, n in counts.items() if n > 1}
    print(f"rows {len(rows)}, lost {len(lost)}, duplicated {len(duplicated)}")
    assert lost == [] and duplicated == {}


def test_a_transient_error_is_retried_later_not_lost(clock) -> None:
    gateway = Flaky({OFFICER: [TransientDeliveryError("timeout")]})
    _use(gateway)
    _open()
    first = _messages()[0]
    assert deliver_message(first.id) == "pending"
    assert _messages()[0].next_attempt_at > clock.now()
    clock.advance(timedelta(minutes=1))
    sweep()  # the retry's wake-up may be lost; the sweeper re-queues what is due
    assert deliver_message(first.id) == "queued"
    assert [to for to, _ in gateway.sent] == [OFFICER] and _messages()[0].attempts == 2


def test_a_dead_number_falls_over_to_the_next_contact(clock) -> None:
    gateway = Flaky({OFFICER: [PermanentDeliveryError("twilio 400 code 21211")]})
    _use(gateway)
    _open()
    assert deliver_message(_messages()[0].id) == "failed"
    out = _messages()
    assert [(m.to_phone, m.status) for m in out] == [(OFFICER, "failed"), (CHAIR, "pending")]
    assert deliver_message(out[1].id) == "queued"
    with unit_of_work() as uow:
        assert uow.session.execute(select(Case.assignee_order)).scalar_one() == 1


def test_a_decline_by_sms_asks_the_next_contact(clock) -> None:
    _use(Flaky({}))
    ref = _open()
    assert "ly do" in handle_command(UnitOfWork(), channel="twilio", external_id="SM1", from_phone=OFFICER,
                                     text=f"TUCHOI {ref}")
    answer = handle_command(UnitOfWork(), channel="twilio", external_id="SM2", from_phone=OFFICER,
                            text=f"TUCHOI {ref} dang om")
    assert "nguoi tiep theo" in answer
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case)).scalar_one()
        assert case.state == "assigned" and case.assignee_order == 1
        events = [h.event for h in case.history]
        assert events == ["assign", "decline", "assign"]
    assert [m.to_phone for m in _messages()] == [OFFICER, CHAIR]


def test_the_attempt_is_committed_before_the_call_and_no_row_lock_is_held(clock) -> None:
    seen: list[tuple[str, int]] = []

    class Inspecting(Flaky):
        def send_sms(self, *, to: str, body: str, status_callback: str) -> Sent:
            with get_engine().connect() as other:  # another connection sees the attempt, and can lock the row
                row = other.execute(text("SELECT status, attempts FROM outbox WHERE to_phone = :p FOR UPDATE NOWAIT"),
                                    {"p": to}).one()
                seen.append((row.status, row.attempts))
                other.rollback()
            return super().send_sms(to=to, body=body, status_callback=status_callback)

    _use(Inspecting({}))
    _open()
    assert _drain() == 1
    assert seen == [("attempting", 1)]
    assert _messages()[0].status == "queued"


def test_a_provider_slower_than_the_timeout_is_reconciled_not_sent_twice(twilio, clock) -> None:
    twilio.delay = 1.5  # accepted at once, answered after our 0.5 s timeout
    _open()
    assert deliver_next() == "attempting"  # outcome unknown
    assert deliver_next() is None  # not retried blind while its lease runs
    clock.advance(timedelta(seconds=6))
    assert deliver_next() == "queued"  # found in Twilio's list, with its SID
    [msg] = _messages()
    assert msg.provider_sid == twilio.messages()[0].sid and msg.attempts == 1
    _exactly_once(twilio)


def test_a_worker_that_died_before_the_call_is_sent_once_after_reconciling(twilio, clock) -> None:
    _open()
    with unit_of_work() as uow:  # the attempt is claimed and committed, then the worker dies
        assert claim_next(uow.session, now=clock.now(), policy=DeliveryPolicy.from_settings()) is not None
        uow.commit()
    assert _drain() == 0
    clock.advance(timedelta(seconds=6))
    assert _drain() == 2  # reconcile (not found) then send
    assert _messages()[0].attempts == 2
    _exactly_once(twilio)


def test_a_failed_commit_after_twilio_accepted_does_not_send_twice(twilio, clock, monkeypatch) -> None:
    import workflows.field.delivery as delivery

    real = delivery.record_outcome
    calls = {"n": 0}

    def commit_fails_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(delivery, "record_outcome", commit_fails_once)
    _open()
    with pytest.raises(ConnectionError):
        deliver_next()
    assert _messages()[0].status == "attempting" and len(twilio.messages()) == 1
    clock.advance(timedelta(seconds=6))
    assert deliver_next() == "queued"
    _exactly_once(twilio)


def test_an_hour_long_provider_outage_loses_nothing_sends_nothing_twice_and_keeps_the_chain(twilio, clock) -> None:
    twilio.outage = 503
    refs = [_open(), _open(danger=True)]
    for _ in range(60):
        _drain()
        clock.advance(timedelta(minutes=1))
    out = _messages()
    assert twilio.sent == []
    assert {m.status for m in out} == {"pending"}  # waiting, not failed
    with unit_of_work() as uow:
        cases = list(uow.session.execute(select(Case)).scalars())
        assert [c.assignee_order for c in cases] == [0, 0]  # the chain was not burnt
        assert not any(h.event == "delivery_failed" for c in cases for h in c.history)
        alert = uow.session.execute(select(ProviderAlert)).scalar_one()
        assert alert.notified_at is not None and alert.failures >= 3
    assert [m.purpose for m in out if m.to_phone == LEAD] == ["ops_alert"]  # told once, not per failure
    twilio.outage = None
    clock.advance(timedelta(minutes=10))
    _drain()
    out = _messages()
    assert all(m.status == "queued" for m in out), [(m.purpose, m.status) for m in out]
    assert [m.purpose for m in out if m.to_phone == LEAD] == ["ops_alert", "ops_alert"]  # down, then up again
    assert len(refs) == 2
    _exactly_once(twilio)


def test_a_landline_in_the_roster_is_flagged_and_the_next_contact_is_told(twilio, clock) -> None:
    twilio.fail_next = [(400, 21614)]  # "To" number is not a valid mobile number
    _open()
    _drain()
    out = _messages()
    assert [(m.to_phone, m.status, m.failure_kind) for m in out] == [
        (OFFICER, "failed", "recipient"), (CHAIR, "queued", None)]
    with unit_of_work() as uow:
        flag = uow.session.execute(select(RecipientFlag)).scalar_one()
        assert (flag.phone, flag.reason, flag.error_code) == (OFFICER, "landline", 21614)
    _open()  # the next case does not try the landline again: it goes straight to the chair
    _drain()
    assert len(twilio.messages(to=OFFICER)) == 0 and len(twilio.messages(to=CHAIR)) == 2


def test_one_sms_a_minute_to_a_phone_emergencies_first(clock, monkeypatch) -> None:
    monkeypatch.setenv("HOTLINE_PHONE_MIN_INTERVAL_SECONDS", "60")
    reset_settings()
    gateway = Flaky({})
    _use(gateway)
    _open()
    _open(danger=True)
    _open()
    assert _drain() == 1
    bodies = [body for _, body in gateway.sent]
    assert "KHAN CAP" in bodies[0]  # the emergency went first
    clock.advance(timedelta(seconds=59))
    assert _drain() == 0  # queued, not dropped
    clock.advance(timedelta(seconds=1))
    assert _drain() == 1
    clock.advance(timedelta(seconds=60))
    assert _drain() == 1
    assert len(gateway.sent) == 3 and {m.status for m in _messages()} == {"queued"}
    monkeypatch.undo()
    reset_settings()


def test_repeated_sweeps_queue_each_due_row_once(clock, redis_conn, monkeypatch) -> None:
    """Sweeps while Redis is unreachable, then many after it is back: no more jobs than messages."""
    _use(Flaky({}))
    for _ in range(3):
        _open()
    redis_conn.flushdb()  # the after-commit wake-ups are lost
    clock.advance(timedelta(minutes=1))
    monkeypatch.setenv("HOTLINE_REDIS_URL", "redis://127.0.0.1:1/0")
    reset_settings()
    for _ in range(5):
        assert sweep()["messages_requeued"] == 0
    monkeypatch.undo()
    reset_settings()
    queued = [sweep()["messages_requeued"] for _ in range(10)]
    assert queued == [3] + [0] * 9
    from core.queue import get_queue

    assert len(get_queue(messages=True)) == 3 == len(_messages())


def test_a_call_of_unknown_outcome_is_found_in_the_calls_list(twilio, clock) -> None:
    twilio.delay = 1.5
    with unit_of_work() as uow:
        queue_message(uow.session, case_id=None, channel="voice", to_phone=CHAIR, body="<Response/>",
                      purpose="ladder", now=clock.now())
        uow.commit()
    assert deliver_next() == "attempting"
    clock.advance(timedelta(seconds=6))
    assert deliver_next() == "queued"
    assert _messages()[0].provider_sid == twilio.calls()[0].sid
    _exactly_once(twilio)


def test_a_receipt_that_blames_the_number_flags_it_and_tells_the_next_contact(client) -> None:
    from core.settings import get_settings
    from notifier.twilio_adapter import sign

    client.post("/api/v1/reports", json={"description": "Trẻ bị bỏ rơi", "location": "xã Cam Lộ, Quảng Trị"})
    with unit_of_work() as uow:
        msg = uow.session.execute(select(OutboxMessage)).scalar_one()
        msg.provider_sid, msg.status = "SM" + "b" * 32, "queued"
        uow.commit()
    path = f"/twilio/status?outbox={msg.id}"
    params = {"MessageSid": "SM" + "b" * 32, "MessageStatus": "undelivered", "ErrorCode": "30006"}
    signature = sign(get_settings().public_base_url + path, params)
    assert client.post(path, data=params, headers={"X-Twilio-Signature": signature}).status_code == 204
    out = _messages()
    assert [(m.to_phone, m.status, m.failure_kind) for m in out] == [
        (OFFICER, "undelivered", "recipient"), (CHAIR, "pending", None)]
    with unit_of_work() as uow:
        flag = uow.session.execute(select(RecipientFlag)).scalar_one()
        assert (flag.phone, flag.reason, flag.error_code) == (OFFICER, "landline", 30006)


def test_an_emergency_is_never_held_back_by_sign_in_codes_or_a_lower_priority_sms(clock, monkeypatch) -> None:
    """Three sign-in codes asked for an officer's phone (no sign-in needed) used to hold that officer's
    emergency assignment for 180 s: codes shared the one-a-minute slot and ranked with emergencies."""
    from intake.people.one_time_codes import request_code

    monkeypatch.setenv("HOTLINE_PHONE_MIN_INTERVAL_SECONDS", "60")
    reset_settings()
    gateway = Flaky({})
    _use(gateway)
    for n in range(3):
        assert request_code(UnitOfWork(), phone=OFFICER, client=f"10.0.0.{n}").outcome == "sent"
    assert _drain() == 1  # one code now; the others wait their turn behind it
    clock.advance(timedelta(seconds=5))
    _open(danger=True)
    assert _drain() == 1
    assert "KHAN CAP" in gateway.sent[-1][1]  # at once, not after the codes
    _open()  # a normal case waits behind the emergency (the phone's minute), and the codes behind both
    clock.advance(timedelta(seconds=5))
    assert _drain() == 0
    clock.advance(timedelta(seconds=55))
    assert _drain() == 1 and "KHAN CAP" not in gateway.sent[-1][1] and "Ma dang nhap" not in gateway.sent[-1][1]
    # ...and a normal SMS just sent does not hold back the next emergency either.
    clock.advance(timedelta(seconds=5))
    _open(danger=True)
    assert _drain() == 1 and "KHAN CAP" in gateway.sent[-1][1]
    with unit_of_work() as uow:
        codes = uow.session.execute(select(OutboxMessage.status).where(
            OutboxMessage.purpose == "signin_code")).scalars().all()
    assert sorted(codes) == ["pending", "pending", "queued"]  # queued, never dropped
    monkeypatch.undo()
    reset_settings()


def test_working_again_never_reaches_the_shift_lead_before_failing(clock) -> None:
    """The "provider failing" alert waits out a backoff; the "working again" one queued meanwhile used to go
    first, so the shift lead read the outage's end before its start."""
    gateway = Flaky({LEAD: [TransientDeliveryError("timeout")]})
    _use(gateway)
    for body in ("111: nha cung cap SMS dang loi", "111: nha cung cap SMS hoat dong lai"):
        with unit_of_work() as uow:
            queue_message(uow.session, case_id=None, channel="sms", to_phone=LEAD, body=body, purpose="ops_alert",
                          now=clock.now(), priority=0)
            uow.commit()
        _drain()
    assert gateway.sent == []  # the first failed once and waits; the second waits behind it
    clock.advance(timedelta(seconds=20))
    _drain()
    assert [body for _, body in gateway.sent] == ["111: nha cung cap SMS dang loi",
                                                  "111: nha cung cap SMS hoat dong lai"]
