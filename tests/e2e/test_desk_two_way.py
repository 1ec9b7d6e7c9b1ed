"""Issue 23 end to end: the Twilio stand-in plays two callers and two operators through presence, a reply in an
SMS conversation from the desk, and a warm transfer of a live call to 113 in a conference; a real worker
delivers through the outbox, the app runs on a real port."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from core.clock import utcnow
from core.db import unit_of_work
from tests.e2e.conftest import wait_for
from tests.integration.test_intake_desk import _signed_in
from workflows.contacts.models import CallTransfer, DutyOperator, IntakeContact

LAN, MINH, PARENT = "+84900000001", "+84900000002", "+84987000333"


def _contact(external_id: str) -> IntakeContact:
    with unit_of_work() as uow:
        return uow.session.execute(select(IntakeContact).where(IntakeContact.external_id == external_id)).scalar_one()


def _presence(name: str) -> str:
    with unit_of_work() as uow:
        return uow.session.execute(select(DutyOperator.presence).where(DutyOperator.name == name)).scalar_one()


def _ring_to(standin, phone: str, n: int = 1):
    return wait_for(lambda: [c for c in standin.calls() if c.to == phone][n - 1:], what=f"a ring to {phone}")[0]


def test_two_callers_two_operators_a_reply_and_a_warm_transfer_to_113(live):
    now = utcnow()
    with unit_of_work() as uow:
        uow.session.add_all([
            DutyOperator(line="111", name="Lan", address=LAN, on_duty=True, ring_order=1, username="lan",
                         presence="available", presence_since=now - timedelta(minutes=1)),
            DutyOperator(line="111", name="Minh", address=MINH, on_duty=True, ring_order=2, username="minh",
                         presence="available", presence_since=now - timedelta(minutes=8))])
        uow.commit()
    standin, line = live["standin"], live["settings"].twilio_from

    # Two callers: the first rings Minh (free the longest); once he is on it, the second rings Lan.
    first = standin.call_line(from_phone="+84911000001", keys="2", to=line)
    ring = _ring_to(standin, MINH)
    minh_leg = standin.answer_call(ring.sid, keys="1")
    assert minh_leg.dialled_queue == "111-general" and _presence("Minh") == "on_call"
    standin.public.bridged(first)
    second = standin.call_line(from_phone="+84911000002", keys="2", to=line)
    lan_leg = standin.answer_call(_ring_to(standin, LAN).sid, keys="1")
    standin.public.bridged(second)
    assert lan_leg.dialled_queue == "111-general" and _presence("Lan") == "on_call"
    assert [c.to for c in standin.calls() if c.to in (LAN, MINH)] == [MINH, LAN]  # each rung once

    # A parent writes; Lan answers from the desk; the worker sends it through the line's SMS provider.
    standin.reply(from_phone=PARENT, body="Chao 111, con toi bi bat nat o truong", to=line)
    conversation = wait_for(lambda: [c for c in _all("sms")], what="the conversation")[0]
    with httpx.Client(base_url=live["base"], follow_redirects=True) as lan:
        csrf = _signed_in(lan, username="lan")
        done = lan.post(f"/lien-he/{conversation.reference}/tra-loi",
                        data={"csrf_token": csrf, "text": "Chào bạn, cháu học lớp mấy, trường nào?"})
        assert done.status_code == 200 and "Tư vấn viên" in done.text  # followed to the timeline
    sent = wait_for(lambda: [m for m in standin.messages(to=PARENT) if "truong nao" in m.body],
                    what="the operator's reply to reach the parent")
    assert sent[0].body == "Chao ban, chau hoc lop may, truong nao?"

    # Minh hands the first caller over to the police, warm: caller, Minh and 113 in one conference.
    with httpx.Client(base_url=live["base"], follow_redirects=True) as minh:
        csrf = _signed_in(minh, username="minh")
        ref = _contact(first.sid).reference
        done = minh.post(f"/lien-he/{ref}/chuyen-cuoc-goi",
                         data={"csrf_token": csrf, "target": "police", "mode": "warm"})
        assert done.status_code == 200, done.text
    police = _ring_to(standin, "113")
    room = wait_for(lambda: first.conference, what="the caller's leg in the conference")
    wait_for(lambda: minh_leg.conference == room, what="Minh's leg joining the conference")
    standin.answer_call(police.sid)
    standin.callback(police.sid, "in-progress")
    assert {c.sid for c in standin.public.conference(room)} == {first.sid, minh_leg.sid, police.sid}
    with unit_of_work() as uow:
        (transfer,) = uow.session.execute(select(CallTransfer)).scalars()
    assert (transfer.target, transfer.mode, transfer.state, transfer.by_user) == ("police", "warm", "joined", "minh")
    assert lan_leg.state == "bridged" and lan_leg.partner == second.sid and second.conference is None  # untouched
    assert "+84911000001" not in police.body and "+84911000001" not in "".join(first.documents)
    with httpx.Client(base_url=live["base"], follow_redirects=True) as minh:
        _signed_in(minh, username="minh2")
        page = minh.get(f"/lien-he/{ref}")
    assert "Công an (113)" in page.text and "đã nối" in page.text


def _all(channel: str) -> list[IntakeContact]:
    with unit_of_work() as uow:
        return list(uow.session.execute(select(IntakeContact).where(IntakeContact.channel == channel)).scalars())
