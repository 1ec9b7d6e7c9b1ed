"""Presence (issue 23, item 2): a waiting call rings the available operator who has waited longest, never one
on a call, wrapping up or away; the call's own events move the operator; nobody free tells the shift lead;
the desk sets it and shows who is free."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.clock import utcnow
from core.db import UnitOfWork, unit_of_work
from notifier.models import OutboxMessage
from tests.channels.conftest import LINE_111
from tests.channels.test_voice_intake import _contact, _rings
from tests.integration.test_intake_desk import _signed_in
from workflows.contacts.alerts import climb_contact_alerts
from workflows.contacts.models import DutyOperator
from workflows.contacts.presence import set_presence

LAN, MINH = "+84900000001", "sip:minh@pbx.local"


def _set(name: str, presence: str, *, minutes_ago: int = 0, username: str | None = None) -> None:
    with unit_of_work() as uow:
        row = uow.session.execute(select(DutyOperator).where(DutyOperator.name == name)).scalar_one()
        row.presence, row.presence_since = presence, utcnow() - timedelta(minutes=minutes_ago)
        if username:
            row.username = username
        uow.commit()


def _presence(name: str) -> str:
    with unit_of_work() as uow:
        return uow.session.execute(select(DutyOperator.presence).where(DutyOperator.name == name)).scalar_one()


def test_the_operator_free_longest_is_rung_first_and_a_busy_or_away_one_never(public, operators):
    _set("Tư vấn viên Lan", "available", minutes_ago=2)
    _set("Tư vấn viên Minh", "available", minutes_ago=9)  # free the longest
    call = public.dial(from_="+84911111111", to=LINE_111, keys="2")
    assert [r.to_phone for r in _rings()] == [MINH]

    _set("Tư vấn viên Minh", "on_call")
    _set("Tư vấn viên Lan", "away")
    second = public.dial(from_="+84922222222", to=LINE_111, keys="2")
    assert [r.to_phone for r in _rings()] == [MINH]  # nobody else rung: one on a call, one away
    assert second.state == "queued" and call.state == "queued"
    _set("Tư vấn viên Lan", "wrap_up")
    public.answer(_rings()[0].body, to=MINH, keys="")  # Minh's first ring not taken: the next one is tried
    assert [r.to_phone for r in _rings()] == [MINH]


def test_taking_a_call_puts_the_operator_on_it_and_its_end_into_wrap_up(public, operators):
    call = public.dial(from_="+84911111111", to=LINE_111, keys="2")
    (ring,) = _rings()
    assert ring.to_phone == LAN  # never changed presence: the roster's order
    leg = public.answer(ring.body, to=LAN, keys="1")
    assert leg.dialled_queue == "111-general" and _presence("Tư vấn viên Lan") == "on_call"
    public.bridged(call)
    public.hang_up(call, duration=95)
    assert _presence("Tư vấn viên Lan") == "wrap_up" and _contact(call.sid).duration_seconds == 95
    public.dial(from_="+84922222222", to=LINE_111, keys="2")
    assert [r.to_phone for r in _rings()][-1] == MINH  # Lan is still wrapping up


def test_nobody_free_tells_the_shift_lead_after_the_lines_limit_and_a_danger_call_at_once(public, operators):
    _set("Tư vấn viên Lan", "away")
    _set("Tư vấn viên Minh", "on_call")
    call = public.dial(from_="+84911111111", to=LINE_111, keys="2")
    assert _rings() == []
    queued_at = _contact(call.sid).queued_at
    assert queued_at is not None
    with unit_of_work() as uow:
        assert climb_contact_alerts(uow, now=queued_at + timedelta(seconds=59)) == 0
        assert climb_contact_alerts(uow, now=queued_at + timedelta(seconds=60)) == 1
        uow.commit()
    with unit_of_work() as uow:
        alerts = uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "contact_alert")).scalars()
        bodies = [a.body for a in alerts]
    assert bodies and all("khong co tu van vien ranh" in b for b in bodies)

    public.dial(from_="+84933333333", to=LINE_111, keys="1")
    with unit_of_work() as uow:
        leads = uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "shift_lead")).scalars()
        assert any("KHAN CAP" in m.body for m in leads)  # at once, no sweep needed


def test_the_desk_sets_presence_and_shows_who_is_free(client, public, operators):
    _set("Tư vấn viên Lan", "away", username="lan")
    csrf = _signed_in(client)
    page = client.get("/ban-tiep-nhan")
    assert page.status_code == 200 and 'id="my-presence"' in page.text and "Vắng mặt" in page.text
    assert "1 người sẵn sàng" in page.text  # Minh
    done = client.post("/ban-tiep-nhan/trang-thai", data={"csrf_token": csrf, "presence": "available"},
                       follow_redirects=False)
    assert done.status_code == 303 and _presence("Tư vấn viên Lan") == "available"
    assert "2 người sẵn sàng" in client.get("/ban-tiep-nhan").text
    bad = client.post("/ban-tiep-nhan/trang-thai", data={"csrf_token": csrf, "presence": "napping"})
    assert bad.status_code == 422 and "Trạng thái không hợp lệ" in bad.text and _presence("Tư vấn viên Lan") == \
        "available"


def test_an_unlinked_account_is_told_so(client, operators):
    import pytest

    from core.errors import NotFound

    with pytest.raises(NotFound):
        set_presence(UnitOfWork(), line="111", username="nobody", presence="away", now=utcnow())
