"""The public writing to the line by SMS: one conversation per sender a day, an answer, STOP honoured."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import select

from core.db import UnitOfWork, unit_of_work
from notifier.twilio_adapter import sign
from tests.channels.conftest import LINE_111
from workflows.case.models import Case
from workflows.case.reports import NewReport
from workflows.casework.service import open_ticket
from workflows.contacts.models import ContactMessage, IntakeContact

PARENT = "+84987000111"
OFFICER = "+84912345678"  # a member of Xã Cam Lộ's team: their SMS is a command, not a conversation


def _sms(client, *, sender: str, body: str, sid: str) -> str:
    url = "http://127.0.0.1:9/twilio/sms"
    form = {"MessageSid": sid, "AccountSid": "ACx", "From": sender, "To": LINE_111, "Body": body}
    response = client.post("/twilio/sms", data=form, headers={"X-Twilio-Signature": sign(url, form)})
    assert response.status_code == 200, response.text
    message = ET.fromstring(response.text).find("Message")
    return "" if message is None else (message.text or "")


def _contacts(channel: str = "sms") -> list[IntakeContact]:
    with unit_of_work() as uow:
        return list(uow.session.execute(select(IntakeContact).where(IntakeContact.channel == channel)).scalars())


def test_three_messages_are_one_conversation_answered_once_then_a_case(client, lines_file):
    first = _sms(client, sender=PARENT, body="Chao 111, hang xom danh con rat nhieu", sid="SM" + "a" * 32)
    assert "goi ngay 111" in first and "(ma LH" in first and PARENT not in first
    assert _sms(client, sender=PARENT, body="Chau 8 tuoi", sid="SM" + "b" * 32) == ""
    assert _sms(client, sender=PARENT, body="o xa Cam Thanh, Cam Lo, Quang Tri", sid="SM" + "c" * 32) == ""
    assert _sms(client, sender=PARENT, body="o xa Cam Thanh, Cam Lo, Quang Tri", sid="SM" + "c" * 32) == ""  # retry
    (contact,) = _contacts()
    with unit_of_work() as uow:
        rows = uow.session.execute(select(ContactMessage).where(ContactMessage.contact_id == contact.id)
                                   .order_by(ContactMessage.id)).scalars()
        texts = [(m.direction, m.text) for m in rows]
    assert [d for d, _ in texts] == ["in", "out", "in", "in"]
    assert contact.caller_index and PARENT not in (contact.caller_index or "")

    opened = open_ticket(UnitOfWork(), report=NewReport(
        description="Hàng xóm đánh cháu nhiều lần", location="xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị"),
        channel="sms", actor="op-lan", via="ui", contact=contact.id)
    (contact,) = _contacts()
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == opened.reference)).scalar_one()
    assert contact.outcome == "case" and contact.case_id == case.id and case.state == "assigned"


def test_stop_ends_automatic_messages_and_bat_dau_brings_them_back(client, lines_file):
    _sms(client, sender=PARENT, body="Xin tu van", sid="SM" + "1" * 32)
    stopped = _sms(client, sender=PARENT, body=" huỷ ", sid="SM" + "2" * 32)
    assert "khong nhan tin tu dong" in stopped
    assert all(c.opted_out for c in _contacts())
    # a new conversation the next day gets no automatic answer
    with unit_of_work() as uow:
        for row in uow.session.execute(select(IntakeContact)).scalars():
            row.outcome = "counselling"
        uow.commit()
    assert _sms(client, sender=PARENT, body="Lai la toi", sid="SM" + "3" * 32) == ""
    assert "lai nhan tin" in _sms(client, sender=PARENT, body="BAT DAU", sid="SM" + "4" * 32)


def test_a_team_members_sms_is_a_command_not_a_public_conversation(client, lines_file):
    answer = _sms(client, sender=OFFICER, body="NHAN TEAAAAAAA", sid="SM" + "5" * 32)
    assert answer.startswith("111:") and "Khong tim thay" in answer
    assert _contacts() == []


def test_a_web_report_is_a_contact_that_became_its_case(client, lines_file):
    response = client.post("/api/v1/reports", json={"description": "Cháu bị bỏ rơi", "reporter_phone": "0987000111",
                                                    "location": "xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị"})
    assert response.status_code == 201
    (contact,) = _contacts("api")
    assert contact.outcome == "case" and contact.case_id is not None
    from workflows.contacts.service import caller_history

    with unit_of_work() as uow:
        history = caller_history(uow, caller=PARENT)
    assert [h.case_reference for h in history] == [response.json()["reference"]]
