"""The intake desk: the queue's order, Form 01 into a case (T0, urgency, the accepted commune), merging,
closing, the urgency change, and access: another line's contact or case is a 404 and is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import InvalidInput
from intake.people import sessions, users
from workflows.access.models import AccessDenial
from workflows.case.form01 import read_form01
from workflows.case.intake_record_models import CaseIntakeRecord
from workflows.case.models import Case
from workflows.case.reports import NewReport
from workflows.case.taxonomy import load
from workflows.casework.desk import desk_queue
from workflows.casework.service import change_urgency, open_ticket
from workflows.contacts.models import CallbackTask, IntakeContact
from workflows.contacts.service import open_contact

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _contact(channel: str, ext: str, *, line: str = "111", **fields: object) -> IntakeContact:
    with UnitOfWork() as uow:
        contact, _ = open_contact(uow, channel=channel, external_id=ext, caller="+84912345678", now=NOW, line=line)
        for name, value in fields.items():
            setattr(contact, name, value)
        uow.commit()
        return contact


def _signed_in(client, username: str = "lan", line: str = "111", role: str = "operator") -> str:
    user = users.add_user(UnitOfWork(), username=username, role=role, password=None, line=line)
    with UnitOfWork() as uow:
        from workflows.access.models import User

        user_id = uow.session.execute(select(User.id).where(User.username == user.username)).scalar_one()
    cookie, session = sessions.start(UnitOfWork(), user_id=user_id, client="test")
    client.cookies.set(sessions.COOKIE, cookie)
    return session.csrf_token


def test_the_queue_puts_danger_first_then_the_longest_wait_and_keeps_to_its_line(db, roster) -> None:
    _contact("voice", "CA-old", state="queued", queued_at=NOW - timedelta(minutes=10))
    _contact("voice", "CA-new", state="queued", queued_at=NOW - timedelta(minutes=5))
    _contact("voice", "CA-danger", state="queued", queued_at=NOW - timedelta(minutes=1), danger_now=True)
    _contact("voice", "CA-other-line", state="queued", queued_at=NOW - timedelta(minutes=30), line="1800")
    _contact("voice", "CA-closed", state="closed", outcome="silent")
    vm = _contact("voice", "CA-vm", state="voicemail", recording_url="https://example.invalid/r")
    with UnitOfWork() as uow:
        uow.session.add(CallbackTask(contact_id=vm.id, due_at=NOW + timedelta(minutes=15), created_at=NOW))
        uow.commit()
    _contact("zalo", "zalo-1", state="open")
    web = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh", location="không rõ"), channel="web")
    with UnitOfWork() as uow:
        queue = desk_queue(uow, line="111", now=NOW)
    refs = {c.external_id: c.reference for c in _all_contacts()}
    assert [c.reference for c in queue.calls] == [refs["CA-danger"], refs["CA-old"], refs["CA-new"]]
    assert queue.calls[0].danger and queue.calls[1].waiting_minutes(NOW) == 10
    assert [c.reference for c in queue.voicemails] == [refs["CA-vm"]]
    assert [c.reference for c in queue.conversations] == [refs["zalo-1"]]
    assert [c.reference for c in queue.web] == [web.reference] and web.state == "needs_routing"


def _all_contacts() -> list[IntakeContact]:
    with UnitOfWork() as uow:
        rows = uow.session.execute(select(IntakeContact)).scalars().all()
        uow.session.expunge_all()
        return list(rows)


FORM = {
    "description": "Bé gái bị cha dượng đánh, có vết bầm.", "location": "xã Cam Lộ, Quảng Trị",
    "child_name": "Nguyễn Thị A", "child_birth_date": "02/03/2015", "child_sex": "female",
    "current_condition": "Đau ở tay", "likely_harm": "Bị đánh tiếp", "category": "violence",
    "father_name": "Nguyễn Văn B", "caregiver": "Cha dượng", "abuser_is_caregiver": "on",
    "reporter_name": "Hàng xóm", "reporter_phone": "0912345678",
}


def test_form01_maps_every_field_and_a_caregiver_abuser_is_an_emergency() -> None:
    read = read_form01(FORM, ["harmed_by_violence", "disability"], now=NOW, operator="lan")
    report = read.report
    assert read.errors == {} and report is not None
    assert report.child_birth_date == "2015-03-02" and report.child_age == 11
    assert report.family == {"father_name": "Nguyễn Văn B", "caregiver": "Cha dượng"}
    assert report.special_circumstances == ("harmed_by_violence", "disability")
    assert report.urgency == "emergency" and not report.immediate_danger
    assert report.taxonomy_version == load().version and report.received_by == "lan"
    assert report.reporter_name is None and report.reporter_phone is None  # no consent: not kept
    with_consent = read_form01({**FORM, "consent_to_contact": "on"}, [], now=NOW, operator="lan").report
    assert with_consent is not None and with_consent.reporter_phone == "+84912345678"


def test_form01_refuses_a_future_t0_an_unknown_group_and_a_missing_description() -> None:
    read = read_form01({**FORM, "description": " ", "received_elsewhere_at": "25/11/2026 10:00"}, ["nope"],
                       now=NOW, operator="lan")
    assert read.report is None
    assert set(read.errors) == {"description", "received_elsewhere_at", "special"}
    assert len(load().special_circumstances) == 14


def test_t0_from_the_police_starts_the_legal_clocks_and_the_record_is_kept(db, roster, redis_conn) -> None:
    values = {**FORM, "received_elsewhere_at": "24/11/2026 08:30", "received_elsewhere_by": "police"}
    report = read_form01(values, ["harmed_by_violence"], now=utcnow(), operator="lan").report
    assert report is not None
    contact = _contact("voice", "CA-form", state="in_progress")
    opened = open_ticket(UnitOfWork(), report=report, channel="voice", actor="lan", via="ui", contact=contact.id)
    with UnitOfWork() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == opened.reference)).scalar_one()
        record = uow.session.execute(select(CaseIntakeRecord)).scalar_one()
        row = uow.session.get(IntakeContact, contact.id)
        assert case.received_at == datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # 08:30 in Vietnam
        legal = [t for t in case.timers if t.clock == "emergency_protection" and t.kind == "deadline"]
        assert [t.due_at for t in legal] == [case.received_at + timedelta(hours=12)]  # 12 h from T0, not now
        assert case.urgency == "emergency" and case.commune_code == "19597"
        assert record.record["special_circumstances"] == ["harmed_by_violence"]
        assert record.received_elsewhere_by == "police" and record.taxonomy_version == load().version
        assert row is not None and row.outcome == "case" and row.case_id == case.id


def test_an_operator_opens_a_case_from_a_contact_with_the_commune_they_accepted(client) -> None:
    csrf = _signed_in(client)
    contact = _contact("voice", "CA-1", state="queued", queued_at=NOW, danger_now=True)
    taken = client.post(f"/lien-he/{contact.reference}/nhan", data={"csrf_token": csrf}, follow_redirects=False)
    assert taken.status_code == 303
    earlier = _contact("voice", "CA-earlier", state="closed", outcome="prank")
    elsewhere = _contact("voice", "CA-elsewhere", state="closed", outcome="silent", line="1800")
    page = client.get(f"/lien-he/{contact.reference}")
    assert page.status_code == 200 and "Mẫu 01" in page.text
    assert earlier.reference in page.text and elsewhere.reference not in page.text  # the caller's, this line's
    hints = client.get("/ban-tiep-nhan/goi-y-xa", params={"q": "thôn Tân Xuân, xã Cam Thành, huyện Cam Lộ, Quảng Trị"})
    assert 'data-code="19597"' in hints.text and "có nhóm" in hints.text
    sent = client.post(f"/lien-he/{contact.reference}/mo-ca", follow_redirects=False,
                       data={**FORM, "location": "xã Cam Thành, Cam Lộ", "commune_code": "19597", "csrf_token": csrf})
    assert sent.status_code == 303, sent.text
    reference = sent.headers["location"].split("/ca/")[1]
    case_page = client.get(f"/ca/{reference}")
    assert case_page.status_code == 200 and "assigned" in case_page.text and "Xã Cam Lộ" in case_page.text
    with UnitOfWork() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        assert case.state == "assigned" and case.commune_code == "19597"
        assert case.decisions[-1].decided_by == "lan"


def test_posts_need_the_session_csrf_token(client) -> None:
    _signed_in(client)
    contact = _contact("voice", "CA-2", state="queued", queued_at=NOW)
    assert client.post(f"/lien-he/{contact.reference}/nhan", data={"csrf_token": "x"}).status_code == 400
    assert client.post(f"/lien-he/{contact.reference}/ket-thuc", data={"outcome": "silent"}).status_code == 400


def test_another_lines_contact_and_case_are_404_like_missing_ones_and_audited(client) -> None:
    csrf = _signed_in(client, username="hanoi", line="1800")
    contact = _contact("voice", "CA-3", state="queued", queued_at=NOW)
    case = open_ticket(UnitOfWork(), report=NewReport(description="x", location="xã Cam Lộ, Quảng Trị"), channel="web")
    missing = client.get("/lien-he/LH-NOPE00")
    hidden = client.get(f"/lien-he/{contact.reference}")
    assert hidden.status_code == missing.status_code == 404
    assert client.post(f"/lien-he/{contact.reference}/nhan", data={"csrf_token": csrf}).status_code == 404
    assert client.get(f"/ca/{case.reference}").status_code == 404
    assert client.post(f"/ca/{case.reference}/muc-khan", data={"csrf_token": csrf, "urgency": "high",
                                                               "reason": "vì sao"}).status_code == 404
    assert contact.reference not in client.get("/ban-tiep-nhan").text
    with UnitOfWork() as uow:
        kinds = [(d.object_kind, d.action) for d in uow.session.execute(select(AccessDenial)).scalars()]
    assert ("contact", "view") in kinds and ("contact", "take") in kinds and ("case", "view") in kinds
    assert ("case", "urgency") in kinds


def test_a_commune_officer_has_no_desk(client) -> None:
    users.add_user(UnitOfWork(), username="xa", role="commune_officer", password=None, commune="19597")
    _signed_in_existing(client, "xa")
    assert client.get("/ban-tiep-nhan").status_code == 404


def _signed_in_existing(client, username: str) -> None:
    from workflows.access.models import User

    with UnitOfWork() as uow:
        user_id = uow.session.execute(select(User.id).where(User.username == username)).scalar_one()
    cookie, _ = sessions.start(UnitOfWork(), user_id=user_id, client="test")
    client.cookies.set(sessions.COOKIE, cookie)


def test_without_a_session_the_desk_sends_to_sign_in(client) -> None:
    answer = client.get("/ban-tiep-nhan", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/dang-nhap")


def test_closing_needs_a_topic_for_counselling_and_merging_joins_the_case(client) -> None:
    csrf = _signed_in(client)
    silent = _contact("voice", "CA-4", state="in_progress")
    talk = _contact("sms", "sms-1", state="open")
    dup = _contact("voice", "CA-5", state="in_progress")
    case = open_ticket(UnitOfWork(), report=NewReport(description="x", location="xã Cam Lộ, Quảng Trị"), channel="web")
    no_topic = client.post(f"/lien-he/{talk.reference}/ket-thuc", data={"csrf_token": csrf, "outcome": "counselling"})
    assert no_topic.status_code == 422
    assert client.post(f"/lien-he/{talk.reference}/ket-thuc", follow_redirects=False, data={
        "csrf_token": csrf, "outcome": "counselling", "topic": "school"}).status_code == 303
    assert client.post(f"/lien-he/{silent.reference}/ket-thuc", follow_redirects=False, data={
        "csrf_token": csrf, "outcome": "silent"}).status_code == 303
    assert client.post(f"/lien-he/{dup.reference}/gop", follow_redirects=False, data={
        "csrf_token": csrf, "case_reference": case.reference}).status_code == 303
    rows = {c.external_id: c for c in _all_contacts()}
    assert (rows["sms-1"].outcome, rows["sms-1"].outcome_topic) == ("counselling", "school")
    assert rows["CA-4"].outcome == "silent" and rows["CA-5"].outcome == "merged"
    assert "thêm liên hệ vào ca" in client.get(f"/ca/{case.reference}").text


def test_a_web_report_that_needs_routing_merges_into_the_case_it_duplicates(client) -> None:
    csrf = _signed_in(client)
    first = open_ticket(UnitOfWork(), report=NewReport(description="x", location="xã Cam Lộ, Quảng Trị"), channel="web")
    dup = open_ticket(UnitOfWork(), report=NewReport(description="x", location="gần chợ"), channel="web")
    answer = client.post(f"/ca/{dup.reference}/gop", follow_redirects=False,
                         data={"csrf_token": csrf, "case_reference": first.reference, "reason": "cùng một trẻ"})
    assert answer.status_code == 303 and answer.headers["location"].startswith(f"/ca/{first.reference}")
    with UnitOfWork() as uow:
        merged = uow.session.execute(select(Case).where(Case.reference == dup.reference)).scalar_one()
        assert merged.state == "merged" and merged.history[-1].reason == "cùng một trẻ"
        assert all(t.cancelled_at or t.fired_at for t in merged.timers)
    web_contacts = [c for c in _all_contacts() if c.channel == "web"]
    assert sorted(c.outcome or "" for c in web_contacts) == ["case", "merged"]


def test_a_contact_joined_to_a_merged_case_lands_on_the_case_it_was_merged_into(client) -> None:
    """The caller gives the reference they were told, which an operator has since merged as a duplicate:
    the contact joins the surviving case, never the closed duplicate."""
    csrf = _signed_in(client)
    first = open_ticket(UnitOfWork(), report=NewReport(description="x", location="xã Cam Lộ, Quảng Trị"), channel="web")
    dup = open_ticket(UnitOfWork(), report=NewReport(description="x", location="gần chợ"), channel="web")
    assert client.post(f"/ca/{dup.reference}/gop", follow_redirects=False, data={
        "csrf_token": csrf, "case_reference": first.reference, "reason": "cùng một trẻ"}).status_code == 303
    call = _contact("voice", "CA-9", state="in_progress")
    joined = client.post(f"/lien-he/{call.reference}/gop", follow_redirects=False,
                         data={"csrf_token": csrf, "case_reference": dup.reference.lower()})
    assert joined.status_code == 303 and joined.headers["location"].startswith(f"/ca/{first.reference}")
    with UnitOfWork() as uow:
        survivor = uow.session.execute(select(Case).where(Case.reference == first.reference)).scalar_one()
        row = uow.session.execute(select(IntakeContact).where(IntakeContact.external_id == "CA-9")).scalar_one()
        assert (row.outcome, row.case_id) == ("merged", survivor.id)
        assert survivor.history[-1].event == "contact_joined"
        assert survivor.history[-1].facts == {"contact": call.reference, "asked": dup.reference}


def test_a_report_merged_into_a_case_that_was_itself_merged_lands_on_the_kept_case(client) -> None:
    csrf = _signed_in(client)
    kept = open_ticket(UnitOfWork(), report=NewReport(description="x", location="xã Cam Lộ, Quảng Trị"), channel="web")
    first, second = (open_ticket(UnitOfWork(), report=NewReport(description="x", location="gần chợ"),
                                 channel="web") for _ in range(2))
    for dup, into in ((first, kept), (second, first)):
        answer = client.post(f"/ca/{dup.reference}/gop", follow_redirects=False,
                             data={"csrf_token": csrf, "case_reference": into.reference, "reason": "cùng một trẻ"})
        assert answer.status_code == 303 and answer.headers["location"].startswith(f"/ca/{kept.reference}")
    with UnitOfWork() as uow:
        merged = uow.session.execute(select(Case).where(Case.reference == second.reference)).scalar_one()
        assert merged.state == "merged" and merged.history[-1].facts == {"into": kept.reference}
    back = client.post(f"/ca/{kept.reference}/gop", data={"csrf_token": csrf, "case_reference": first.reference})
    assert back.status_code == 409 and "đã được gộp vào chính ca" in back.text  # into one merged into it


def test_an_urgency_change_needs_a_reason_and_rearms_the_clocks(db, roster, redis_conn) -> None:
    opened = open_ticket(UnitOfWork(), report=NewReport(description="x", location="xã Cam Lộ, Quảng Trị"),
                         channel="web")
    with pytest.raises(InvalidInput):
        change_urgency(UnitOfWork(), reference=opened.reference, urgency="emergency", reason=" ", actor="lan")
    change_urgency(UnitOfWork(), reference=opened.reference, urgency="emergency", reason="trẻ bị đe dọa", actor="lan")
    with UnitOfWork() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == opened.reference)).scalar_one()
        assert case.urgency == "emergency"
        assert case.history[-1].event == "urgency_changed" and case.history[-1].reason == "trẻ bị đe dọa"
        assert case.history[-1].facts == {"from": "normal", "to": "emergency"}
        live = [t for t in case.timers if t.fired_at is None and t.cancelled_at is None]
        cancelled = [t for t in case.timers if t.cancelled_at is not None]
        assert live and cancelled
        legal = [t for t in live if t.clock == "emergency_protection" and t.kind == "deadline"]
        assert [t.due_at for t in legal] == [case.received_at + timedelta(hours=12)]  # from T0, not the change


def test_an_unanswered_call_back_is_retried_then_the_voicemail_closes_as_abandoned(client) -> None:
    csrf = _signed_in(client)
    vm = _contact("voice", "CA-vm2", state="voicemail", recording_url="https://example.invalid/r")
    with UnitOfWork() as uow:
        uow.session.add(CallbackTask(contact_id=vm.id, due_at=NOW, created_at=NOW))
        uow.commit()
    assert "Đã gọi lại, không ai nghe" in client.get(f"/lien-he/{vm.reference}").text
    for _ in range(3):
        answer = client.post(f"/lien-he/{vm.reference}/goi-lai-khong-duoc", data={"csrf_token": csrf},
                             follow_redirects=False)
        assert answer.status_code == 303
    assert client.post(f"/lien-he/{vm.reference}/goi-lai-khong-duoc", data={"csrf_token": csrf}).status_code == 409
    with UnitOfWork() as uow:
        task = uow.session.execute(select(CallbackTask)).scalar_one()
        row = uow.session.get(IntakeContact, vm.id)
        assert task.attempts == 3 and task.done_at is not None
        assert row is not None and row.outcome == "abandoned"


def test_a_form01_with_errors_comes_back_filled_in_and_the_contact_stays_open(client) -> None:
    csrf = _signed_in(client)
    contact = _contact("voice", "CA-err", state="in_progress")
    answer = client.post(f"/lien-he/{contact.reference}/mo-ca", data={
        **FORM, "description": "", "child_birth_date": "31/02/2015", "csrf_token": csrf})
    assert answer.status_code == 422
    assert "Cần ghi nội dung sự việc" in answer.text and "Ngày sinh dạng ngày/tháng/năm" in answer.text
    assert 'value="Nguyễn Thị A"' in answer.text  # what was typed is kept
    english = client.post(f"/lien-he/{contact.reference}/mo-ca?lang=en", data={
        **FORM, "description": "", "csrf_token": csrf})
    assert "Say what happened" in english.text
    assert {c.external_id: c.outcome for c in _all_contacts()}["CA-err"] is None


def test_the_case_page_shows_a_breached_clocks_ladder(client, gateway) -> None:
    from core.clock import FrozenClock, get_clock, set_clock
    from workflows.case.models import Timer
    from workflows.jobs import fire_timer

    _signed_in(client)
    opened = open_ticket(UnitOfWork(), report=NewReport(description="x", location="xã Cam Lộ, Quảng Trị"),
                         channel="web")
    with UnitOfWork() as uow:
        timer = uow.session.execute(select(Timer).where(Timer.clock == "acknowledge", Timer.kind == "deadline")
                                    ).scalars().first()
        assert timer is not None
        timer_id, due = timer.id, timer.due_at
    previous = set_clock(FrozenClock(due + timedelta(minutes=1)))
    try:
        fire_timer(timer_id)
    finally:
        set_clock(previous)
    assert get_clock() is previous
    page = client.get(f"/ca/{opened.reference}")  # now again: the session is still fresh
    assert page.status_code == 200, page.text[:300]
    ladders = page.text.split('id="ladders"')[1].split("</table>")[0]
    assert "xác nhận nhận ca" in ladders and "đang báo tiếp" in ladders  # words, not ids (issue 20)
