"""A burst of reports to one commune is one SMS that counts the new cases; no case loses its own clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock, set_clock
from core.db import UnitOfWork, unit_of_work
from notifier.models import OutboxMessage
from notifier.ports import PermanentDeliveryError, Sent
from workflows.case.models import Case, Timer
from workflows.case.reports import NewReport
from workflows.casework.service import open_ticket
from workflows.clocks.context import reset_gateways, use_gateways
from workflows.jobs import deliver_message
from workflows.team.models import AnswerLink, ReplyCode

OFFICER, CHAIR = "+84912345678", "+84913456789"


class Phone:
    def __init__(self, dead: set[str] | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.dead = dead or set()

    def send_sms(self, *, to: str, body: str, status_callback: str) -> Sent:
        if to in self.dead:
            raise PermanentDeliveryError("twilio 400 code 21211")
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


def _phone(dead: set[str] | None = None) -> Phone:
    phone = Phone(dead)
    use_gateways(phone, phone)
    return phone


def _open(danger: bool = False) -> str:
    report = NewReport(description="Trẻ bị đánh", location="xã Cam Lộ, Quảng Trị", immediate_danger=danger)
    return open_ticket(UnitOfWork(), report=report, channel="api").reference


def _outbox() -> list[OutboxMessage]:
    with unit_of_work() as uow:
        return list(uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def _deliver_all() -> None:
    for msg in _outbox():
        deliver_message(msg.id)


def test_a_burst_to_one_commune_is_one_sms_that_counts_the_new_cases(clock) -> None:
    phone = _phone()
    refs = []
    for _ in range(6):
        refs.append(_open())
        _deliver_all()  # what the workers do at once
        clock.advance(timedelta(seconds=5))
    assert [to for to, _ in phone.sent] == [OFFICER]  # the first case went out at once, alone
    assert refs[0] in phone.sent[0][1] and "NHAN 1," in phone.sent[0][1]  # its reply code, issued as it went
    clock.advance(timedelta(minutes=2))
    _deliver_all()
    assert [to for to, _ in phone.sent] == [OFFICER, OFFICER]  # six cases, two SMS
    folded = phone.sent[1][1]
    assert folded.startswith("111: 5 ca moi tai Xa Cam Lo") and "NHAN" in folded
    assert all(ref in folded for ref in refs[1:5]) and "va 1 ca khac" in folded and len(folded) <= 306
    rows = _outbox()
    assert len(rows) == 6 and {r.case_id for r in rows} == {_case_id(r) for r in refs}  # every case told
    assert sorted(r.status for r in rows).count("folded") == 4
    with unit_of_work() as uow:  # the folded SMS names its cases by reference: no code or link was issued for them
        coded = uow.session.execute(select(ReplyCode.case_id)).scalars().all()
        links = uow.session.execute(select(AnswerLink.case_id)).scalars().all()
    assert coded == links == [_case_id(refs[0])]
    with unit_of_work() as uow:  # and every case keeps its own acknowledgement clock
        clocks = uow.session.execute(select(Timer.case_id).where(
            Timer.clock == "acknowledge", Timer.kind == "deadline", Timer.fired_at.is_(None))).scalars().all()
    assert len(set(clocks)) == 6
    clock.advance(timedelta(seconds=30))  # the flood goes on: the next case waits for the next folded SMS
    later = [_open(), _open()]
    _deliver_all()
    assert len(phone.sent) == 2
    clock.advance(timedelta(minutes=2))
    _deliver_all()
    assert len(phone.sent) == 3 and phone.sent[2][1].startswith("111: 2 ca moi") and later[1] in phone.sent[2][1]


def test_an_emergency_is_never_held(clock) -> None:
    phone = _phone()
    _open()
    _deliver_all()
    clock.advance(timedelta(seconds=10))
    urgent = _open(danger=True)
    _deliver_all()
    assert len(phone.sent) == 2 and urgent in phone.sent[1][1] and "KHAN CAP" in phone.sent[1][1]


def test_a_folded_sms_that_cannot_be_delivered_fails_over_every_case_it_carried(clock) -> None:
    _phone()
    _open()
    _deliver_all()
    refs = [_open(), _open()]
    _deliver_all()  # held
    phone = _phone(dead={OFFICER})
    clock.advance(timedelta(minutes=3))
    _deliver_all()  # the folded SMS fails for good
    with unit_of_work() as uow:
        orders = uow.session.execute(select(Case.assignee_order).where(Case.reference.in_(refs))).scalars().all()
    assert orders == [1, 1]  # both cases it carried went on to the next contact
    _deliver_all()
    to_chair = [body for to, body in phone.sent if to == CHAIR]
    assert len(to_chair) == 2 and all(body.startswith("111 CHUYEN TIEP") for body in to_chair)


def _case_id(reference: str) -> int:
    with unit_of_work() as uow:
        return int(uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one())
