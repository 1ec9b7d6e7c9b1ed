"""The first webhook of a call or a conversation, as written for speed: one INSERT that either creates the
contact or finds it taken, and a retry that is answered as the first answer was."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from core.clock import utcnow
from core.db import UnitOfWork, unit_of_work
from tests.channels.conftest import LINE_111, PROVINCE_LINE
from tests.channels.test_public_messages import PARENT, _contacts, _sms
from workflows.contacts import service as contacts
from workflows.contacts.models import BlockedCaller, ContactMessage, IntakeContact
from workflows.contacts.service import caller_index, insert_contact

CALLER = "+84987650000"


def _count() -> int:
    with unit_of_work() as uow:
        return int(uow.session.execute(select(func.count()).select_from(IntakeContact)).scalar_one())


def test_a_retried_first_webhook_is_answered_as_the_first_was(public, db, lines_file, frozen_clock):
    with unit_of_work() as uow:
        uow.session.add(BlockedCaller(caller_index=caller_index(CALLER), reason="gọi quấy rối"))
        uow.commit()
    blocked = public.dial(from_=CALLER, to=LINE_111)
    with unit_of_work() as uow:  # unblocked in between: the retry still hears the first answer, nothing changes
        uow.session.execute(delete(BlockedCaller))
        uow.commit()
    again = public.dial(from_=CALLER, to=LINE_111, call_sid=blocked.sid)
    assert blocked.documents == again.documents and again.state == "ended" and "113" in again.said()

    frozen_clock.set(datetime(2026, 11, 22, 14, 0, tzinfo=UTC))  # 21:00 in Vietnam: the province line is closed
    closed = public.dial(from_=CALLER, to=PROVINCE_LINE)
    frozen_clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # 09:00 on Monday: open, but a retry is a retry
    retried = public.dial(from_=CALLER, to=PROVINCE_LINE, call_sid=closed.sid)
    assert closed.state == retried.state == "recording" and retried.record_action == closed.record_action
    assert _count() == 2


def test_a_taken_reference_is_drawn_again_and_a_taken_key_inserts_nothing(db, monkeypatch):
    now = utcnow()
    with unit_of_work() as uow:
        first = insert_contact(uow, channel="voice", external_id="CA-first", index=None, now=now)
        assert first is not None
        drawn = iter([first.reference, "LHQQQQQQQ", "LHRRRRRRR"])
        monkeypatch.setattr(contacts, "new_reference", lambda prefix: next(drawn))
        second = insert_contact(uow, channel="voice", external_id="CA-second", index=None, now=now, state="queued")
        assert second is not None and second.reference == "LHQQQQQQQ"
        # the same call again: nothing inserted, no error, and the transaction goes on (no savepoint needed)
        assert insert_contact(uow, channel="voice", external_id="CA-first", index=None, now=now) is None
        uow.commit()
    with unit_of_work() as uow:
        rows = {c.external_id: c for c in uow.session.execute(select(IntakeContact)).scalars()}
    assert set(rows) == {"CA-first", "CA-second"}
    assert rows["CA-second"].state == "queued" and rows["CA-first"].state == "open"
    assert rows["CA-first"].danger_now is False and rows["CA-first"].invalid_inputs == 0  # the columns' defaults


def test_stop_as_the_first_message_is_answered_only_by_the_stop_text(client, lines_file):
    answer = _sms(client, sender=PARENT, body="STOP", sid="SM" + "7" * 32)
    assert "khong nhan tin tu dong" in answer and "(ma LH" not in answer
    (contact,) = _contacts()
    assert contact.opted_out and contact.state == "open" and contact.last_message_at is not None
    with UnitOfWork() as uow:
        directions = list(uow.session.execute(select(ContactMessage.direction).where(
            ContactMessage.contact_id == contact.id).order_by(ContactMessage.id)).scalars())
    assert directions == ["in", "out"]
