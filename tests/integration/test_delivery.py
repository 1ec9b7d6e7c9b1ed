"""Delivering the outbox: transient errors are retried later, a dead number falls over to the next contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock, set_clock
from core.db import UnitOfWork, unit_of_work
from notifier.models import OutboxMessage
from notifier.ports import PermanentDeliveryError, Sent, TransientDeliveryError
from workflows.commands import handle_command
from workflows.context import reset_gateways, use_gateways
from workflows.jobs import deliver_message, sweep
from workflows.models import Case
from workflows.reports import NewReport
from workflows.service import open_ticket

OFFICER, CHAIR = "+84912345678", "+84913456789"


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


def _use(gateway: Flaky) -> None:
    use_gateways(gateway, gateway)


def _open() -> str:
    return open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh", location="xã Cam Lộ, Quảng Trị"),
                       channel="api").reference


def _messages() -> list[OutboxMessage]:
    with unit_of_work() as uow:
        return list(uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


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
