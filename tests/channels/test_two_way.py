"""Operators answer the public from the desk (issue 23, item 1): an SMS or Zalo conversation's reply goes out
through the outbox to the address the conversation keeps encrypted; the timeline shows both sides; a message
left unanswered, and a call-back past due, climb their ladder to the shift lead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from core.clock import utcnow
from core.db import UnitOfWork, unit_of_work
from core.errors import Conflict, InvalidInput
from notifier.models import OutboxMessage
from tests.channels.test_public_messages import PARENT, _sms
from tests.integration.test_intake_desk import _signed_in
from workflows.access.policy import Principal
from workflows.casework.replies import reply_in_conversation, reply_text
from workflows.contacts.alerts import climb_contact_alerts, parse_policy
from workflows.contacts.models import CallbackTask, ContactAlert, ContactMessage, IntakeContact

LEAD = "+84900000111"  # HOTLINE_SHIFT_LEAD_PHONES of the lines_file fixture


def _who(user: str = "lan", line: str = "111") -> Principal:
    return Principal(user=user, role="operator", line=line)


def _conversation() -> IntakeContact:
    with unit_of_work() as uow:
        return uow.session.execute(select(IntakeContact).where(IntakeContact.channel == "sms")).scalar_one()


def _outbox(purpose: str) -> list[OutboxMessage]:
    with unit_of_work() as uow:
        return list(uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == purpose)
                                        .order_by(OutboxMessage.id)).scalars())


def test_the_reply_address_is_kept_encrypted_never_in_clear(client, lines_file):
    _sms(client, sender=PARENT, body="Chao 111", sid="SM" + "1" * 32)
    contact = _conversation()
    assert contact.reply_to == PARENT and contact.awaiting_reply_since is not None
    with unit_of_work() as uow:
        raw = uow.session.execute(text("SELECT reply_to FROM intake_contacts WHERE id = :id"),
                                  {"id": contact.id}).scalar_one()
    assert raw and PARENT not in raw and PARENT.lstrip("+") not in raw


def test_an_operator_replies_in_an_sms_conversation_and_the_timeline_shows_both_sides(client, lines_file):
    _sms(client, sender=PARENT, body="Chao 111, hang xom danh con", sid="SM" + "2" * 32)
    ref = _conversation().reference
    reply_in_conversation(UnitOfWork(), reference=ref, who=_who(), text="Chào bạn, cháu có an toàn không?",
                          now=utcnow())
    (sent,) = _outbox("conversation")
    assert sent.to_phone == PARENT and sent.body == "Chao ban, chau co an toan khong?"  # an SMS: no diacritics
    with unit_of_work() as uow:
        rows = uow.session.execute(select(ContactMessage).where(ContactMessage.contact_id == _conversation().id)
                                   .order_by(ContactMessage.id)).scalars().all()
    assert [(m.direction, m.provider) for m in rows] == [("in", "twilio"), ("out", "system"), ("out", "console")]
    contact = _conversation()
    assert contact.awaiting_reply_since is None and contact.answered_by == "lan"

    csrf = _signed_in(client)
    page = client.get(f"/lien-he/{ref}")
    assert page.status_code == 200
    assert "Người dân" in page.text and "Tư vấn viên" in page.text and "Tự động" in page.text
    assert 'id="reply-form"' in page.text and "Câu trả lời mẫu" in page.text
    assert PARENT not in page.text  # the public's number never reaches the page

    done = client.post(f"/lien-he/{ref}/tra-loi", data={"csrf_token": csrf, "saved": "where", "text": ""},
                       follow_redirects=False)
    assert done.status_code == 303
    assert _outbox("conversation")[-1].body.startswith("Ban cho minh biet chuyen xay ra o xa")


def test_a_zalo_reply_keeps_its_diacritics_and_goes_to_the_oa_address(client, lines_file):
    from tests.channels.test_zalo import USER

    with UnitOfWork() as uow:
        from workflows.contacts.conversations import receive_public_message

        receive_public_message(uow, channel="zalo", provider="zalo", external_id="z1", sender=f"zalo:{USER}",
                               text="Em cần giúp", line="111", now=utcnow())
        uow.commit()
    with unit_of_work() as uow:
        ref = uow.session.execute(select(IntakeContact.reference).where(IntakeContact.channel == "zalo")).scalar_one()
    reply_in_conversation(UnitOfWork(), reference=ref, who=_who(), text="Chào em, em đang ở đâu?", now=utcnow())
    (sent,) = _outbox("conversation")
    assert sent.to_phone == f"zalo:{USER}" and sent.body == "Chào em, em đang ở đâu?"


def test_bad_replies_are_refused_with_a_reason_and_send_nothing(client, lines_file):
    _sms(client, sender=PARENT, body="Chao 111", sid="SM" + "3" * 32)
    ref = _conversation().reference
    with pytest.raises(InvalidInput):
        reply_text(text="   ", saved=None)
    with pytest.raises(InvalidInput):
        reply_text(text="", saved="no_such_reply")
    with pytest.raises(InvalidInput):
        reply_text(text="x" * 1001, saved=None)
    _sms(client, sender=PARENT, body="STOP", sid="SM" + "4" * 32)
    with pytest.raises(Conflict):
        reply_in_conversation(UnitOfWork(), reference=ref, who=_who(), text="Chào bạn", now=utcnow())
    assert _outbox("conversation") == []
    csrf = _signed_in(client)
    page = client.post(f"/lien-he/{ref}/tra-loi", data={"csrf_token": csrf, "text": "Chào bạn"})
    assert page.status_code == 409 and "STOP" in page.text and "Chào bạn" in page.text  # what was typed stays


def test_another_lines_operator_cannot_reply(client, lines_file):
    _sms(client, sender=PARENT, body="Chao 111", sid="SM" + "5" * 32)
    from workflows.casework.desk import HiddenContact

    with pytest.raises(HiddenContact):
        reply_in_conversation(UnitOfWork(), reference=_conversation().reference, who=_who(line="dl-ctxh"),
                              text="x", now=utcnow())


def test_a_message_left_unanswered_climbs_its_ladder_and_a_reply_stops_it(client, lines_file):
    _sms(client, sender=PARENT, body="Chao 111, co ai khong", sid="SM" + "6" * 32)
    contact = _conversation()
    start = contact.awaiting_reply_since
    assert start is not None

    def climb(minutes: int) -> int:
        with unit_of_work() as uow:
            n = climb_contact_alerts(uow, now=start + timedelta(minutes=minutes))
            uow.commit()
            return n

    assert climb(14) == 0  # the line's limit is 15 minutes
    assert climb(15) == 1  # the shift lead, by SMS
    assert climb(16) == 0  # nothing twice
    alerts = _outbox("contact_alert")
    assert LEAD in {a.to_phone for a in alerts} and len({a.to_phone for a in alerts}) == len(alerts)
    assert all(contact.reference in a.body and PARENT not in a.body and a.channel == "sms" for a in alerts)
    assert climb(31) == 1  # then by a call
    assert _outbox("contact_alert")[-1].channel == "voice"
    reply_in_conversation(UnitOfWork(), reference=contact.reference, who=_who(), text="Chao ban", now=utcnow())
    assert climb(60) == 0  # answered: the ladder stopped
    with unit_of_work() as uow:
        row = uow.session.execute(select(ContactAlert)).scalar_one()
    assert row.done_at is not None and row.kind == "unanswered"


def test_a_call_back_past_its_due_time_alerts_the_shift_lead(client, lines_file, public):
    call = public.dial(from_="+84987000222", to="+84111000111", keys="2")
    public.wait(call, seconds=61)  # past the line's voicemail delay
    public.leave_voicemail(call)
    with unit_of_work() as uow:
        task = uow.session.execute(select(CallbackTask)).scalar_one()
    with unit_of_work() as uow:
        assert climb_contact_alerts(uow, now=task.due_at - timedelta(seconds=1)) == 0
        assert climb_contact_alerts(uow, now=task.due_at) == 1
        uow.commit()
    alerts = _outbox("contact_alert")
    assert LEAD in {a.to_phone for a in alerts} and all("goi lai" in a.body.lower() for a in alerts)


def test_the_ladder_policy_is_data_and_a_bad_one_says_why():
    from workflows.contacts.alerts import AlertPolicyError, alert_policy

    assert [s.to for s in alert_policy()["unanswered"]] == ["shift_lead", "shift_lead", "supervisor"]
    with pytest.raises(AlertPolicyError, match="to"):
        parse_policy({"unanswered": {"steps": [{"after_minutes": 0, "to": "mayor"}]}})
    with pytest.raises(AlertPolicyError, match="order"):
        parse_policy({"callback": {"steps": [{"after_minutes": 5, "to": "shift_lead"},
                                             {"after_minutes": 1, "to": "shift_lead"}]}})
