"""Answering a case without typing a reference: SMS commands with reply codes, the link page, a keypress.

Real PostgreSQL and Redis; the app in-process; the clock frozen so that expiry and recycling are tested
by moving it, never by waiting. A report's SMS gets its reply code and link when the deliverer sends it:
each step here sends what is due through a recording gateway, as a worker would.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock, set_clock
from core.db import UnitOfWork, unit_of_work
from core.settings import get_settings, reset_settings
from notifier.models import OutboxMessage
from notifier.ports import Sent
from notifier.templates import voice_answer_sig
from notifier.twilio_adapter import sign
from tests.integration.ladder_calls import breach, climb_to_call, ladder
from workflows.case.facts import parse_facts
from workflows.case.models import Case, CaseHistory
from workflows.casework.service import apply
from workflows.clocks.context import reset_gateways, use_gateways
from workflows.field.commands import handle_command
from workflows.field.delivery import deliver_next
from workflows.team.models import AnswerLink, ReplyCode

OFFICER, CHAIR, POLICE = "+84912345678", "+84913456789", "+84914567890"  # Xã Cam Lộ's chain
OTHER_TEAM = "+84935111222"  # Xã Tây Hòa
CHILD = "Nguyễn Văn An"


class Recorder:
    """An SMS gateway that accepts everything and remembers it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send_sms(self, *, to: str, body: str, status_callback: str) -> Sent:
        self.sent.append((to, body))
        return Sent(provider_sid=f"SM{len(self.sent):032d}", status="queued")

    def call(self, *, to: str, twiml: str, status_callback: str) -> Sent:
        return self.send_sms(to=to, body=twiml, status_callback=status_callback)


@pytest.fixture
def clock(client, monkeypatch):
    # Every SMS goes out on its own here (a burst folded into one SMS: tests/integration/test_burst_folding.py).
    monkeypatch.setenv("HOTLINE_FOLD_WINDOW_SECONDS", "0")
    reset_settings()
    frozen = FrozenClock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
    previous = set_clock(frozen)
    gateway = Recorder()
    use_gateways(gateway, gateway)
    yield frozen
    reset_gateways()
    set_clock(previous)
    monkeypatch.undo()
    reset_settings()


def _send_due() -> None:
    """What a worker does: send every message that is due (reply codes and links are issued now)."""
    while deliver_next() is not None:
        pass


def _report(client, location: str = "xã Cam Lộ, Quảng Trị") -> str:
    response = client.post("/api/v1/reports", json={"description": "Trẻ bị đánh", "location": location,
                                                    "child_name": CHILD, "reporter_name": "Trần Thị Bé"})
    assert response.status_code == 201, response.text
    _send_due()
    return str(response.json()["reference"])


def _sms_to(phone: str, reference: str) -> str:
    _send_due()
    with unit_of_work() as uow:
        bodies = uow.session.execute(select(OutboxMessage.body).where(
            OutboxMessage.to_phone == phone, OutboxMessage.channel == "sms").order_by(OutboxMessage.id)).scalars()
        return [b for b in bodies if reference in b][-1]


def _code(phone: str, reference: str) -> int:
    found = re.search(r"NHAN (\d+)", _sms_to(phone, reference))
    assert found, _sms_to(phone, reference)
    return int(found[1])


def _token(phone: str, reference: str) -> str:
    found = re.search(r"/x/([a-z0-9]+)", _sms_to(phone, reference))
    assert found
    return found[1]


_sids = iter(range(10**6))


def _sms(phone: str, text: str) -> str:
    return handle_command(UnitOfWork(), channel="twilio", external_id=f"SM{next(_sids):032d}", from_phone=phone,
                          text=text)


def _case(reference: str) -> Case:
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        _ = case.history
        return case


def _last(reference: str) -> CaseHistory:
    return _case(reference).history[-1]


# --- SMS commands -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["NHAN 1", "nhận 1", " Nhan   1 ", "NHAN", "nhan {ref}", "NHẬN 1  ", "nhan1"])
def test_accept_by_reply_code_any_spelling(client, clock, text: str) -> None:
    ref = _report(client)
    assert "Da ghi nhan" in _sms(OFFICER, text.format(ref=ref.lower()))
    assert _case(ref).state == "acknowledged"


def test_accept_by_reply_code_and_a_repeat(client, clock) -> None:
    ref = _report(client)
    sms = _sms_to(OFFICER, ref)
    assert "NHAN 1" in sms and len(sms) <= 160 and sms.isascii()
    assert CHILD not in sms and "Nguyen" not in sms and "Tran" not in sms
    assert _sms(OFFICER, " Nhận   1 ") == f"111: Da ghi nhan: ban nhan ca {ref}. Cam on."
    assert _case(ref).state == "acknowledged"
    last = _last(ref)
    assert (last.event, last.via, last.actor.startswith("member:")) == ("acknowledge", "sms", True)
    assert _sms(OFFICER, "NHAN 1") == f"111: Ban da nhan ca {ref} roi."
    assert _sms(CHAIR, f"nhan {ref.lower()}") == f"111: Ca {ref} da co nguoi trong nhom nhan roi."


def test_the_code_and_link_are_issued_when_the_sms_is_sent_not_with_the_report(client, clock) -> None:
    response = client.post("/api/v1/reports", json={"description": "Trẻ bị đánh", "location": "xã Cam Lộ, Quảng Trị"})
    ref = str(response.json()["reference"])
    with unit_of_work() as uow:  # the report's transaction wrote the SMS by reference, and no code or link
        written = uow.session.execute(select(OutboxMessage).where(OutboxMessage.to_phone == OFFICER)).scalar_one()
        assert written.keys_at_send and f"NHAN {ref}" in written.body and "/x/" not in written.body
        assert uow.session.execute(select(ReplyCode)).first() is None
        assert uow.session.execute(select(AnswerLink)).first() is None
    _send_due()
    sent = _sms_to(OFFICER, ref)
    assert "NHAN 1" in sent and "/x/" in sent and len(sent) <= 160
    with unit_of_work() as uow:  # what went out is on record, and a retry would send that same text
        row = uow.session.execute(select(OutboxMessage).where(OutboxMessage.to_phone == OFFICER)).scalar_one()
        assert (row.body, row.keys_at_send, row.status) == (sent, False, "queued")
    # A case answered before its SMS went out keeps the SMS as written: no code is issued for it.
    moved = client.post("/api/v1/reports", json={"description": "Trẻ bị đánh", "location": "xã Tây Hòa, Đắk Lắk"})
    other = str(moved.json()["reference"])
    apply(UnitOfWork(), reference=other, trigger="acknowledge", actor="t", via="api", actor_role="commune_officer")
    _send_due()
    assert f"NHAN {other}" in _sms_to(OTHER_TEAM, other)
    with unit_of_work() as uow:
        assert len(uow.session.execute(select(ReplyCode)).all()) == 1


def test_codes_per_phone_and_a_bare_command_means_the_last_case(client, clock) -> None:
    first, second = _report(client), _report(client)
    assert (_code(OFFICER, first), _code(OFFICER, second)) == (1, 2)
    assert "Da ghi nhan" in _sms(OFFICER, "nhan")  # the last case sent to this phone
    assert (_case(first).state, _case(second).state) == ("assigned", "acknowledged")
    assert "Da ghi nhan" in _sms(OFFICER, "NHAN 1")
    assert _case(first).state == "acknowledged"


def test_a_code_is_free_again_when_its_case_closes_or_after_n_days(client, clock) -> None:
    first = _report(client)
    with unit_of_work() as uow:
        uow.session.execute(select(Case).where(Case.reference == first)).scalar_one().state = "closed"
        uow.commit()
    second = _report(client)
    assert _code(OFFICER, second) == 1
    assert "da dong" in _sms(OFFICER, f"NHAN {first}")
    clock.advance(timedelta(days=get_settings().reply_code_days + 1))
    third = _report(client)
    assert _code(OFFICER, third) == 1
    assert "Khong tim thay ca 9" in _sms(OFFICER, "NHAN 9")


def test_only_the_assigned_team_may_act(client, clock) -> None:
    ref = _report(client)
    assert _sms(OTHER_TEAM, f"NHAN {ref}") == f"111: So nay khong thuoc nhom xu ly ca {ref}."
    assert "Khong tim thay ca" in _sms(OTHER_TEAM, "NHAN")  # no case was ever sent to that phone
    assert _case(ref).state == "assigned"


def test_decline_asks_for_a_reason_then_goes_to_the_next_contact(client, clock) -> None:
    ref = _report(client)
    assert _sms(OFFICER, "TU CHOI 1") == "111: Vui long ghi ly do: TU CHOI 1 <ly do>."
    assert "nguoi tiep theo" in _sms(OFFICER, "từ chối 1 đang đi công tác")
    case = _case(ref)
    assert case.state == "assigned" and case.assignee_order == 1
    assert [h.reason for h in case.history if h.event == "decline"] == ["đang đi công tác"]
    assert "NHAN 1" in _sms_to(CHAIR, ref)  # the chair's own code for this case
    assert "Da ghi nhan roi" in _sms(OFFICER, "TU CHOI 1 om")  # a repeat does not skip another person
    assert _case(ref).assignee_order == 1


def test_a_decline_by_someone_who_does_not_hold_the_case_leaves_it_with_the_holder(client, clock) -> None:
    ref = _report(client)
    with unit_of_work() as uow:
        sent_before = uow.session.query(OutboxMessage).count()
        due_before = [t.due_at for t in uow.session.execute(select(Case).where(Case.reference == ref))
                      .scalar_one().timers if t.cancelled_at is None]
    answer = _sms(CHAIR, f"TU CHOI {ref} can bo xa dang nghi phep")
    assert answer == f"111: Da ghi nhan ly do tu choi ca {ref}. Nguoi dang giu ca van xu ly ca nay."
    case = _case(ref)
    assert case.state == "assigned" and case.assignee_order == 0  # the officer keeps it
    assert [h.reason for h in case.history if h.event == "decline"] == ["can bo xa dang nghi phep"]
    with unit_of_work() as uow:
        sent = uow.session.query(OutboxMessage).order_by(OutboxMessage.id).all()[sent_before:]
        due_after = [t.due_at for t in uow.session.execute(select(Case).where(Case.reference == ref))
                     .scalar_one().timers if t.cancelled_at is None]
    assert OFFICER not in [m.to_phone for m in sent]  # the officer is not texted the assignment again
    assert due_after == due_before  # the acknowledgement clock runs on
    assert "nhan ca" in _sms(OFFICER, f"NHAN {ref}")


def test_wrong_commune_sends_the_case_back_to_routing(client, clock) -> None:
    ref = _report(client)
    assert "khong thuoc dia ban" in _sms(OFFICER, "sai xã 1")
    assert _case(ref).state == "needs_routing"
    # the case has left the team: a repeat is told so, and nothing changes
    assert "khong thuoc nhom" in _sms(OFFICER, "SAI XA 1")
    assert _case(ref).state == "needs_routing"


def test_verified_and_emergency_accept_on_the_way(client, clock) -> None:
    ref = _report(client)
    assert _sms(OFFICER, "DA XAC MINH 1") == "111: Vui long ghi muc nguy co: DA XAC MINH 1 CAO, TB hoac THAP."
    assert _sms(OFFICER, "đã xác minh 1 cao") == f"111: Da ghi nhan xac minh ca {ref}: nguy co cao."
    case = _case(ref)
    assert (case.state, case.risk_level) == ("assessed", "high")
    assert [h.event for h in case.history][-2:] == ["acknowledge", "report_assessment"]
    # emergency protection is entered only with its measure (NĐ 56 Art. 31): a bare KHAN CAP says how
    asked = _sms(OFFICER, "KHAN CAP 1")
    assert asked.startswith("111: Vui long ghi bien phap khan cap") and "KHAN CAP 1 <bien phap>" in asked
    assert _case(ref).state == "assessed"
    assert "khan cap" in _sms(OFFICER, "KHAN CAP 1 đưa trẻ đến trạm y tế")
    case = _case(ref)
    assert case.state == "emergency_protection"
    started = case.history[-1]
    assert started.event == "start_emergency" and started.facts is not None
    assert started.facts["measure"] == "đưa trẻ đến trạm y tế"
    assert started.facts["taken_by"] == started.actor  # the officer who texted it
    assert datetime.fromisoformat(started.facts["taken_at"]) == clock.now()


def test_done_moves_to_review_then_asks_for_closure(client, clock) -> None:
    ref = _report(client)
    for trigger, kw in [("acknowledge", {}), ("report_assessment", {"risk_level": "low"}),
                        ("begin_detailed_assessment", {}), ("draft_plan", {"plan": "Mẫu 04"}),
                        ("approve_plan", {"actor_role": "commune_chair"})]:
        role = kw.pop("actor_role", "commune_officer")
        apply(UnitOfWork(), reference=ref, trigger=trigger, actor="t", via="api", actor_role=role,
              facts=parse_facts(trigger, kw))
    assert "ra soat" in _sms(OFFICER, "xong 1")
    assert _case(ref).state == "reviewing"
    assert "Da ghi nhan roi" in _sms(OFFICER, "xong 1")  # sent twice: not a closure request
    clock.advance(timedelta(days=3))  # the review (Mẫu 06) is done
    assert "de nghi dong ca" in _sms(OFFICER, "XONG")
    assert _case(ref).state == "closure_requested"
    assert "Da ghi nhan roi" in _sms(OFFICER, "XONG 1")
    apply(UnitOfWork(), reference=ref, trigger="approve_closure", actor="s", via="api",
          actor_role="commune_chair")  # the chair approves closure (Art. 30(1)b)
    assert _sms(OFFICER, "NHAN 1") == f"111: Ca {ref} da dong. Can mo lai, vui long goi 111."


def test_help_and_nonsense_get_one_plain_sms(client, clock) -> None:
    help_text = _sms(OFFICER, "?")
    assert help_text == _sms(OFFICER, "hướng dẫn") and "NHAN 3" in help_text and len(help_text) <= 160
    assert "?" in _sms(OFFICER, "xin chào")


def test_a_retried_message_gets_the_first_answer(client, clock) -> None:
    ref = _report(client)
    first = handle_command(UnitOfWork(), channel="jasmin", external_id="j-1", from_phone="0912 345 678",
                           text="NHAN 1")
    again = handle_command(UnitOfWork(), channel="jasmin", external_id="j-1", from_phone="0912 345 678",
                           text="NHAN 1")
    assert first == again and "Da ghi nhan" in first  # a local number is read as the same phone
    assert [h.event for h in _case(ref).history].count("acknowledge") == 1


# --- the one-tap link ---------------------------------------------------------------------------


def test_link_page_shows_nothing_identifying_and_accepts_once(client, clock) -> None:
    ref = _report(client)
    token = _token(OFFICER, ref)
    assert len(f"/x/{token}") <= 20
    page = client.get(f"/x/{token}")
    assert page.status_code == 200 and ref in page.text and "Xã Cam Lộ" in page.text and "Nhận ca" in page.text
    for secret in (CHILD, "Trần Thị Bé", "đánh"):
        assert secret not in page.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert csrf
    forged = client.post(f"/x/{token}", data={"action": "accept", "csrf": "0" * 32})
    assert forged.status_code == 403 and _case(ref).state == "assigned"
    done = client.post(f"/x/{token}", data={"action": "accept", "csrf": csrf[1]})
    assert done.status_code == 200 and "bạn nhận ca" in done.text
    assert (_case(ref).state, _last(ref).via) == ("acknowledged", "link")
    again = client.post(f"/x/{token}", data={"action": "accept", "csrf": csrf[1]})
    assert again.status_code == 409 and "đã được dùng" in again.text
    assert "Accept" not in client.get(f"/x/{token}?lang=en").text  # no buttons once the case moved on


def test_link_decline_needs_a_reason_and_the_english_page(client, clock) -> None:
    ref = _report(client)
    token = _token(OFFICER, ref)
    page = client.get(f"/x/{token}?lang=en")
    assert "Decline" in page.text and "Not our commune" in page.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)[1]  # type: ignore[index]
    assert client.post(f"/x/{token}?lang=en", data={"action": "decline", "csrf": csrf}).status_code == 422
    done = client.post(f"/x/{token}?lang=en", data={"action": "decline", "csrf": csrf, "reason": "ốm"})
    assert done.status_code == 200 and "declined" in done.text
    assert [h.reason for h in _case(ref).history if h.event == "decline"] == ["ốm"]


def test_link_wrong_commune_expired_and_unknown(client, clock) -> None:
    ref = _report(client)
    token = _token(OFFICER, ref)
    assert client.get(f"/x/{token[:-1]}x").status_code == 404
    assert client.get("/x/nonsense").status_code == 404
    page = client.get(f"/x/{token}")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)[1]  # type: ignore[index]
    clock.advance(timedelta(hours=get_settings().answer_link_hours, seconds=1))
    expired = client.post(f"/x/{token}", data={"action": "wrong_commune", "csrf": csrf})
    assert expired.status_code == 409 and "hết hạn" in expired.text and _case(ref).state == "assigned"
    opened_late = client.get(f"/x/{token}")
    assert opened_late.status_code == 409 and "hết hạn" in opened_late.text  # as docs/answering.md says
    fresh = _report(client)
    token = _token(OFFICER, fresh)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(f"/x/{token}").text)[1]  # type: ignore[index]
    assert client.post(f"/x/{token}", data={"action": "wrong_commune", "csrf": csrf}).status_code == 200
    assert _case(fresh).state == "needs_routing"


# --- the keypress -------------------------------------------------------------------------------


def _press(client, reference: str, digits: str, *, to: str = OFFICER, call_sid: str = "CA" + "1" * 32,
           sig: str | None = None, **extra: str):
    path = f"/twilio/voice/answer?case={reference}&sig={sig or voice_answer_sig(reference)}"
    params = {"CallSid": call_sid, "AccountSid": "AC1", "From": "+84111000111", "To": to, "Digits": digits,
              "CallStatus": "in-progress", "Direction": "outbound-api", **extra}
    signature = sign(get_settings().public_base_url + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def test_keypress_accepts_once_and_says_so(client, clock) -> None:
    ref = _report(client)
    first = _press(client, ref, "1")
    assert first.status_code == 200 and "bạn nhận ca" in first.text and "<Hangup" in first.text
    assert (_case(ref).state, _last(ref).via) == ("acknowledged", "voice")
    assert _press(client, ref, "1").text == first.text  # Twilio retried
    assert "đã nhận ca" in _press(client, ref, "1", call_sid="CA" + "2" * 32).text


def test_keypress_replay_wrong_key_machine_and_forgery(client, clock) -> None:
    ref = _report(client)
    replay = _press(client, ref, "*")
    assert "<Gather" in replay.text and "T E" in replay.text
    assert "Phím không hợp lệ" in _press(client, ref, "9").text
    assert "<Gather" not in _press(client, ref, "1", AnsweredBy="machine_start").text
    assert _press(client, ref, "1", sig="0" * 16).status_code == 403
    assert _press(client, ref, "1", to=OTHER_TEAM, call_sid="CA" + "3" * 32).status_code == 200
    assert _case(ref).state == "assigned"
    declined = _press(client, ref, "2", call_sid="CA" + "4" * 32)
    assert "từ chối" in declined.text
    assert [h.reason for h in _case(ref).history if h.event == "decline"] == ["từ chối qua điện thoại"]


def _call_status(client, call: tuple[int, str], **params: str) -> None:
    path = f"/twilio/status?outbox={call[0]}"
    params = {"CallSid": call[1], **params}
    signature = sign(get_settings().public_base_url + path, params)
    assert client.post(path, data=params, headers={"X-Twilio-Signature": signature}).status_code == 204


def test_a_voicemail_is_not_an_answer_the_ladder_moves_on(client, clock) -> None:
    ref = _report(client)
    breach(ref, clock)
    call = climb_to_call(ref, clock, "acknowledge")
    step_before = ladder(ref, "acknowledge").step
    _call_status(client, call, CallStatus="completed", AnsweredBy="machine_end_beep")
    case = _case(ref)  # nobody heard the call: the acknowledgement ladder climbs at once, not at its next rung
    assert case.state == "assigned"
    assert [h.event for h in case.history].count("call_unanswered") == 1
    assert ladder(ref, "acknowledge").step > step_before


def test_the_ladder_s_own_unanswered_call_moves_the_ladder_on(client, clock) -> None:
    """The call the ladder places itself: nobody answers, the ladder climbs at once."""
    ref = _report(client)
    breach(ref, clock)
    call = climb_to_call(ref, clock, "acknowledge")
    step_before = ladder(ref, "acknowledge").step
    _call_status(client, call, CallStatus="no-answer")
    assert [h.event for h in _case(ref).history].count("call_unanswered") == 1
    assert ladder(ref, "acknowledge").step > step_before  # climbed now, not at the rung's time


def test_an_unanswered_call_moves_the_ladder_of_the_clock_that_placed_it(client, clock) -> None:
    """Each clock has its own ladder: the assessment's call, unanswered, climbs the assessment's ladder (it
    waited for its next rung before), and a second status for that call, from a rung it has left, moves
    nothing more."""
    ref = _report(client)
    assert "Da ghi nhan" in _sms(OFFICER, f"NHAN {ref}")
    breach(ref, clock, "assessment")
    call = climb_to_call(ref, clock, "assessment")
    before = ladder(ref, "assessment")
    _call_status(client, call, CallStatus="busy")
    after = ladder(ref, "assessment")
    unanswered = [h for h in _case(ref).history if h.event == "call_unanswered"]
    assert [h.reason for h in unanswered] == ["assessment"]
    assert after.step > before.step and len(after.told) > len(before.told)  # the supervisor's rung, now
    _call_status(client, call, CallStatus="no-answer")
    assert [h.event for h in _case(ref).history].count("call_unanswered") == 1
