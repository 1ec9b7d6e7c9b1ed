"""A call to the line, as the public makes it: the danger question, the menu, queues, operators, voicemail."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from sqlalchemy import select

from core.db import UnitOfWork, unit_of_work
from notifier.models import OutboxMessage
from tests.channels.conftest import LINE_111, PROVINCE_LINE
from workflows.contacts.models import BlockedCaller, CallbackTask, IntakeContact

CALLER = "+84987654321"


def _contact(call_sid: str) -> IntakeContact:
    with unit_of_work() as uow:
        return uow.session.execute(select(IntakeContact).where(IntakeContact.external_id == call_sid)).scalar_one()


def _rings() -> list[OutboxMessage]:
    with unit_of_work() as uow:
        return list(uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "operator_ring")
                                        .order_by(OutboxMessage.id)).scalars())


def _assert_vietnamese_and_anonymous(call) -> None:
    for document in call.documents:
        root = ET.fromstring(document)
        for say in root.iter("Say"):
            assert say.get("language") == "vi-VN" and say.get("voice", "").startswith("Google.vi-VN")
        for gather in root.iter("Gather"):
            assert gather.get("language") in (None, "vi-VN")
        assert CALLER not in document and CALLER[3:] not in document


def test_danger_first_then_the_menu_and_a_recording_notice(public, operators):
    call = public.dial(from_=CALLER, to=LINE_111)
    said = call.said()
    assert said.index("trẻ em đang gặp nguy hiểm ngay lúc này") < said.index("bấm phím 2")
    assert "ghi âm" in said and "mua bán người" in said
    _assert_vietnamese_and_anonymous(call)


def test_pressing_1_jumps_to_the_front_and_the_second_operator_takes_it_when_the_first_does_not_press_1(
        public, operators):
    waiting = public.dial(from_="+84911111111", to=LINE_111, keys="2")
    assert waiting.queue == "111-general"
    danger = public.dial(from_=CALLER, to=LINE_111, keys="1")
    assert danger.state == "queued" and danger.queue == "111-priority"
    public.wait(danger, seconds=5)
    assert "Tư vấn viên sẽ nghe máy ngay" in danger.said()

    rings = [r for r in _rings() if "KHẨN CẤP" in r.body]
    assert [r.to_phone for r in rings] == ["+84900000001"]  # first operator on duty, whisper says danger
    first = public.answer(rings[0].body, to=rings[0].to_phone, keys="")  # picks up (or voicemail), no 1
    assert first.dialled_queue is None and first.state == "ended"
    rings = [r for r in _rings() if "KHẨN CẤP" in r.body]
    assert [r.to_phone for r in rings] == ["+84900000001", "sip:minh@pbx.local"]
    second = public.answer(rings[1].body, to=rings[1].to_phone, keys="1")
    assert second.dialled_queue == "111-priority"
    public.bridged(danger)
    contact = _contact(danger.sid)
    assert contact.state == "in_progress" and contact.danger_now and contact.answered_by == "Tư vấn viên Minh"
    assert _contact(waiting.sid).state == "queued"  # the earlier, non-urgent caller still waits
    _assert_vietnamese_and_anonymous(danger)


def test_a_danger_call_waits_even_with_nobody_on_duty_and_the_shift_lead_is_told(public, db, lines_file):
    call = public.dial(from_=CALLER, to=LINE_111, keys="1")
    assert call.state == "queued" and call.queue == "111-priority"
    public.wait(call, seconds=600)  # never sent to voicemail
    assert call.state == "queued"
    with unit_of_work() as uow:
        alerts = list(uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "shift_lead"))
                      .scalars())
    # the shift lead of the setting and the roster's (Trưởng ca in deploy/demo/roster.csv)
    assert sorted(a.to_phone for a in alerts) == ["+842433111111", "+84900000111"]
    assert "KHAN CAP" in alerts[0].body and CALLER not in alerts[0].body


def test_pressing_1_on_hold_moves_the_caller_to_the_priority_queue(public, operators):
    call = public.dial(from_=CALLER, to=LINE_111, keys="2")
    assert call.queue == "111-general"
    public.wait(call, seconds=10, press="1")
    assert call.queue == "111-priority" and _contact(call.sid).danger_now


def test_two_invalid_inputs_then_the_default_queue(public, operators):
    call = public.dial(from_=CALLER, to=LINE_111, keys="97")
    assert "chưa nghe rõ" in call.said()
    assert call.state == "queued" and call.queue == "111-general"
    contact = _contact(call.sid)
    assert contact.invalid_inputs == 2 and contact.menu_choice == "default"


def test_silence_counts_as_invalid_and_still_reaches_a_person(public, operators):
    call = public.dial(from_=CALLER, to=LINE_111, keys="")
    assert call.state == "queued" and _contact(call.sid).menu_choice == "default"


def test_no_operator_in_time_leaves_a_voicemail_and_a_call_back_task(public, operators):
    call = public.dial(from_=CALLER, to=LINE_111, keys="2")
    public.wait(call, seconds=61)  # past the line's voicemail_after_seconds
    assert call.state == "recording" and "để lại lời nhắn" in call.said()
    public.leave_voicemail(call)
    public.leave_voicemail(call)  # Twilio retried the webhook
    contact = _contact(call.sid)
    assert contact.state == "voicemail" and contact.recording_url
    with unit_of_work() as uow:
        tasks = list(uow.session.execute(select(CallbackTask)).scalars())
    assert len(tasks) == 1 and tasks[0].contact_id == contact.id


def test_after_hours_the_province_line_takes_a_voicemail(public, db, lines_file, frozen_clock):
    frozen_clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))  # 22:00 in Vietnam
    call = public.dial(from_=CALLER, to=PROVINCE_LINE)
    assert call.state == "recording" and "ngoài giờ làm việc" in call.said()
    public.leave_voicemail(call)
    contact = _contact(call.sid)
    assert contact.line == "dl-ctxh" and contact.state == "voicemail"


def test_tet_is_after_hours_too(public, db, lines_file, frozen_clock):
    frozen_clock.set(datetime(2027, 2, 8, 3, 0, tzinfo=UTC))  # 10:00 on a Monday of Tết 2027
    assert public.dial(from_=CALLER, to=PROVINCE_LINE).state == "recording"


def test_a_blocked_caller_is_turned_away_politely_and_the_number_is_never_stored(public, db, lines_file):
    from workflows.contacts.service import caller_index

    with unit_of_work() as uow:
        uow.session.add(BlockedCaller(caller_index=caller_index(CALLER), reason="gọi quấy rối nhiều lần"))
        uow.commit()
    call = public.dial(from_=CALLER, to=LINE_111)
    assert call.state == "ended" and "113" in call.said()
    contact = _contact(call.sid)
    assert contact.outcome == "blocked" and contact.caller_index != CALLER and CALLER not in str(contact.__dict__)


def test_a_repeated_webhook_has_no_second_effect(public, operators):
    call = public.dial(from_=CALLER, to=LINE_111, keys="1")
    again = public.dial(from_=CALLER, to=LINE_111, keys="1", call_sid=call.sid)
    assert again.queue == call.queue
    with unit_of_work() as uow:
        assert len(list(uow.session.execute(select(IntakeContact)).scalars())) == 1
    assert len(_rings()) == 1


def test_a_silent_call_is_closed_as_silent(public, operators):
    from core.clock import utcnow
    from workflows.contacts.service import close_contact

    call = public.dial(from_=CALLER, to=LINE_111, keys="2")
    public.bridged(call)
    public.hang_up(call, duration=42)
    contact = _contact(call.sid)
    assert contact.duration_seconds == 42 and contact.call_status == "completed"
    close_contact(UnitOfWork(), contact=contact.reference, outcome="silent", actor="op-lan", now=utcnow())
    assert _contact(call.sid).outcome == "silent"


def test_unsigned_or_wrongly_signed_calls_are_refused(client, lines_file):
    form = {"CallSid": "CA" + "1" * 32, "From": CALLER, "To": LINE_111}
    assert client.post("/twilio/voice", data=form).status_code == 403
    assert client.post("/twilio/voice", data=form, headers={"X-Twilio-Signature": "bm90IGl0"}).status_code == 403
    assert client.post("/twilio/voice/menu", data={**form, "Digits": "1"}).status_code == 403


def test_when_the_database_is_down_the_caller_still_hears_where_to_turn(public, lines_file, monkeypatch):
    from core.db import reset_engine
    from core.settings import reset_settings

    monkeypatch.setenv("HOTLINE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=1")
    reset_settings()
    reset_engine()
    try:
        call = public.dial(from_=CALLER, to=LINE_111)
    finally:
        monkeypatch.undo()
        reset_settings()
        reset_engine()
    assert call.state == "ended" and "113" in call.said() and "115" in call.said()
    _assert_vietnamese_and_anonymous(call)


def test_when_the_database_is_down_a_call_is_put_through_to_the_operators_on_duty(public, operators, monkeypatch):
    """It used to end the call with a message: now the operators on duty (as last read) are rung at once."""
    from core.db import reset_engine
    from core.settings import reset_settings
    from workflows.contacts.voice_steps import remember_on_duty

    remember_on_duty(UnitOfWork())  # what start-up reads, or the last call that rang an operator
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=1")
    reset_settings()
    reset_engine()
    try:
        call = public.dial(from_=CALLER, to=LINE_111)
    finally:
        monkeypatch.undo()
        reset_settings()
        reset_engine()
    assert call.state == "bridged"
    dial = ET.fromstring(call.documents[-1]).find("Dial")
    assert dial is not None
    rung = [(e.tag, (e.text or "").strip()) for e in dial]
    assert rung == [("Number", "+84900000001"), ("Sip", "sip:minh@pbx.local")]
    assert "+84900000003" not in call.documents[-1]  # not on duty
    assert "113" in call.documents[-1]  # and if nobody answers, where else to turn
