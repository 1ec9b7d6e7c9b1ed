"""A call through the stand-in, with a real worker ringing the operators through the outbox and Twilio."""

from __future__ import annotations

import urllib.parse
import urllib.request

from sqlalchemy import select

from core.db import unit_of_work
from devtools.public_caller import PublicCaller
from notifier.twilio_adapter import sign
from tests.e2e.conftest import wait_for
from workflows.contacts.models import DutyOperator, IntakeContact


def _http_post(token: str):
    def post(url: str, form: dict[str, str]) -> str:
        request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST", headers={
            "X-Twilio-Signature": sign(url, form, token), "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode()

    return post


def test_a_danger_call_is_answered_by_the_second_operator_after_the_first_does_not_press_1(live):
    with unit_of_work() as uow:
        uow.session.add_all([
            DutyOperator(line="111", name="Lan", address="+84900000001", on_duty=True, ring_order=1),
            DutyOperator(line="111", name="Minh", address="+84900000002", on_duty=True, ring_order=2)])
        uow.commit()
    standin = live["standin"]
    public = PublicCaller(_http_post(standin.auth_token), base_url=live["base"], account_sid=standin.account_sid)
    caller = public.dial(from_="+84987654321", to=live["settings"].twilio_from, keys="1")
    assert caller.queue == "111-priority"

    first = wait_for(lambda: [c for c in standin.calls() if c.to == "+84900000001"], what="the first operator's ring")
    assert "KHẨN CẤP" in first[0].body
    public.answer(first[0].body, to="+84900000001", keys="")  # a voicemail box picks up: it cannot press 1
    second = wait_for(lambda: [c for c in standin.calls() if c.to == "+84900000002"], what="the second ring")
    taken = public.answer(second[0].body, to="+84900000002", keys="1")
    assert taken.dialled_queue == "111-priority"
    public.bridged(caller)
    with unit_of_work() as uow:
        contact = uow.session.execute(select(IntakeContact).where(IntakeContact.external_id == caller.sid)).scalar_one()
    assert contact.answered_by == "Minh" and contact.state == "in_progress"
    assert len([c for c in standin.calls() if c.to == "+84900000001"]) == 1  # rung once, never twice
