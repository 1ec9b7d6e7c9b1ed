"""A web report with an old-map address ends as an SMS on the phone of the right commune team."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from core.db import unit_of_work
from notifier.models import OutboxMessage
from tests.e2e.conftest import wait_for
from workflows.case.models import Case, CaseHistory, Timer

OLD_ADDRESS = "thôn Tân Xuân, xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị"
OFFICER = "+84912345678"  # first in Xã Cam Lộ's chain (deploy/demo/roster.csv)
CHAIR = "+84913456789"  # second
CHILD = "Nguyễn Văn An"


def _report(base: str) -> str:
    response = httpx.post(f"{base}/api/v1/reports", json={
        "description": "Hàng xóm thấy cháu bị đánh nhiều lần, trên người có vết bầm.",
        "location": OLD_ADDRESS, "child_name": CHILD, "child_age": 9, "child_sex": "male",
        "reporter_name": "Trần Thị Bé", "reporter_phone": "0987 654 321", "consent_to_contact": True,
    }, timeout=10)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "assigned"
    return str(body["reference"])


def _escalations_to(standin, phone: str, reference: str) -> list:
    return [m for m in standin.messages(to=phone) if reference in m.body and m.body.startswith("111 CHUYEN TIEP")]


def _first_sms(live: dict, reference: str):
    standin = live["standin"]
    sms = wait_for(lambda: [m for m in standin.messages(to=OFFICER) if m.body.startswith(f"111: Ca {reference}")],
                   what="the assignment SMS")[0]
    assert "Cam Lo" in sms.body and "BINH THUONG" in sms.body and "NHAN" in sms.body
    for secret in (CHILD, "Nguyen Van An", "Tran Thi Be", "987654321", "0987", "bam", "đánh", "Tan Xuan"):
        assert secret not in sms.body
    assert len(sms.body) <= 306  # at most two GSM segments
    return sms


def _outbox_row(reference: str, sid: str) -> OutboxMessage | None:
    with unit_of_work() as uow:
        case_id = uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        return uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.case_id == case_id, OutboxMessage.provider_sid == sid)).scalar_one_or_none()


def _assert_receipt_applied(live: dict, reference: str, sms) -> None:
    """The app's own outbox row, not the stand-in's memory: sent under Twilio's SID, then marked delivered
    by the signed receipt that came back through /twilio/status."""
    row = wait_for(lambda: (r := _outbox_row(reference, sms.sid)) is not None and r.status == "delivered" and r,
                   what="the app's outbox row to be marked delivered")
    assert isinstance(row, OutboxMessage)
    assert (row.to_phone, row.purpose, row.channel, row.body) == (OFFICER, "assignment", "sms", sms.body)
    assert row.attempts >= 1 and row.sent_at is not None and row.status_at is not None
    assert sms.status_callback == f"{live['base']}/twilio/status?outbox={row.id}"


def _assert_escalated_once(live: dict, reference: str) -> None:
    standin = live["standin"]
    wait_for(lambda: _escalations_to(standin, CHAIR, reference), what="the next contact's SMS")
    # The chain goes on (third contact, a call...); the chair's breach must not fire again.
    wait_for(lambda: standin.calls(), timeout=30, what="the escalation to reach the voice call")
    assert len(_escalations_to(standin, CHAIR, reference)) == 1
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        assert case.commune_code == "19597"
        first_ack = uow.session.execute(select(Timer).where(
            Timer.case_id == case.id, Timer.clock == "acknowledge", Timer.kind == "deadline"
        ).order_by(Timer.id)).scalars().first()
        assert first_ack is not None and first_ack.fired_at is not None
        reasons = uow.session.execute(select(CaseHistory.reason).where(  # encrypted: compared in clear here
            CaseHistory.case_id == case.id, CaseHistory.event == "escalated")).scalars().all()
        assert reasons.count("acknowledge: chain") >= 1


def test_old_address_reaches_cam_lo_team_and_escalates_once(live: dict) -> None:
    reference = _report(live["base"])
    sms = _first_sms(live, reference)
    _assert_receipt_applied(live, reference, sms)
    _assert_escalated_once(live, reference)


def test_escalation_survives_a_redis_flush(live: dict, redis_conn) -> None:
    reference = _report(live["base"])
    _first_sms(live, reference)
    redis_conn.flushdb()  # every scheduled wake-up is gone; the timer rows are not
    _assert_escalated_once(live, reference)


def test_team_accepts_by_sms_and_nothing_escalates(live: dict) -> None:
    reference = _report(live["base"])
    _first_sms(live, reference)
    standin = live["standin"]
    answer = standin.reply(from_phone=OFFICER, body=f"nhan {reference.lower()}")
    assert "Da ghi nhan" in answer
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        assert case.state == "acknowledged"
        open_ack = uow.session.execute(select(Timer).where(
            Timer.case_id == case.id, Timer.clock == "acknowledge", Timer.fired_at.is_(None),
            Timer.cancelled_at.is_(None))).scalars().all()
        assert open_ack == []
