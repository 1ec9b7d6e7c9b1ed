"""Transfers (issue 23, item 3), in process: where a transfer may go, what is refused, and the TwiML of its legs."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from core.clock import utcnow
from core.db import UnitOfWork, unit_of_work
from core.errors import Conflict, InvalidInput
from notifier import ivr
from notifier.models import OutboxMessage
from tests.channels.conftest import LINE_111, PROVINCE_LINE
from tests.channels.test_voice_intake import _contact, _rings
from workflows.access.policy import Principal
from workflows.casework.transfers import operator_leg_after_bridge, transfer_address, transfer_call
from workflows.clocks.context import reset_gateways, use_gateways

WHO = Principal(user="minh", role="operator", line="111")


class _LiveCalls:
    """Ten lines instead of a mock: records the redirects the app asks Twilio for."""

    def __init__(self) -> None:
        self.redirects: list[tuple[str, str]] = []

    def redirect(self, *, call_sid: str, twiml: str) -> None:
        self.redirects.append((call_sid, twiml))

    def call(self, **_: object) -> None:
        raise AssertionError("not in this test")


def test_where_a_transfer_goes(lines_file):
    assert transfer_address(target="police", number="") == "113"
    assert transfer_address(target="ambulance", number="0912345678") == "115"
    assert transfer_address(target="commune", number="0912 345 678") == "+84912345678"
    assert transfer_address(target="province", number="dl-ctxh") == PROVINCE_LINE
    with pytest.raises(InvalidInput):
        transfer_address(target="commune", number="")
    with pytest.raises(InvalidInput):
        transfer_address(target="fire", number="114")


def test_a_live_call_goes_into_a_conference_and_the_operator_follows(public, operators):
    live = _LiveCalls()
    from workflows.clocks.context import gateways

    use_gateways(gateways()[0], live)  # type: ignore[arg-type]
    try:
        call = public.dial(from_="+84911111111", to=LINE_111, keys="2")
        leg = public.answer(_rings()[0].body, to=_rings()[0].to_phone, keys="1")
        bridge = ET.fromstring(leg.documents[-1]).find("Dial")
        assert bridge is not None and bridge.get("action", "").endswith(f"after-bridge?contact={_contact(call.sid).id}")
        public.bridged(call)
        ref = _contact(call.sid).reference
        with pytest.raises(InvalidInput):
            transfer_call(UnitOfWork(), reference=ref, who=WHO, target="police", mode="blind", now=utcnow())
        row = transfer_call(UnitOfWork(), reference=ref, who=WHO, target="police", mode="conference", now=utcnow())
        with pytest.raises(Conflict):  # one at a time
            transfer_call(UnitOfWork(), reference=ref, who=WHO, target="ambulance", mode="warm", now=utcnow())
        ((sid, twiml),) = live.redirects
        assert sid == call.sid and f">{row.conference}</Conference>" in twiml and 'endConferenceOnExit="true"' in twiml
        with unit_of_work() as uow:
            (target,) = uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "call_transfer"))\
                .scalars()
        assert target.to_phone == "113" and target.channel == "voice" and "+84911111111" not in target.body
        operator = operator_leg_after_bridge(UnitOfWork(), contact_id=_contact(call.sid).id)
        assert f">{row.conference}</Conference>" in operator and 'startConferenceOnEnter="true"' in operator
    finally:
        reset_gateways()


def test_only_a_call_in_progress_can_be_transferred(public, operators):
    call = public.dial(from_="+84911111111", to=LINE_111, keys="2")  # still waiting
    with pytest.raises(Conflict):
        transfer_call(UnitOfWork(), reference=_contact(call.sid).reference, who=WHO, target="police", mode="warm",
                      now=utcnow())
    assert ivr.hang_up().endswith("<Hangup /></Response>")
    assert "Hangup" in operator_leg_after_bridge(UnitOfWork(), contact_id=_contact(call.sid).id)
