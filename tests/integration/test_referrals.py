"""Issue 19 end to end: an approved plan's lines become referrals to the commune police and the health
station; one is accepted by SMS reply, one by its link, one is left to breach and its ladder tells the next
contact, then the commune chair, then the province supervisor."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.clock import FrozenClock, set_clock
from core.db import UnitOfWork, unit_of_work
from intake.people import sessions, users
from notifier.models import OutboxMessage
from notifier.ports import InboundSms
from tests.integration.commune_helpers import OFFICER as OFFICER_PHONE
from tests.integration.commune_helpers import post_form
from tests.integration.commune_helpers import sign_in as sign_in_officer
from workflows.access.models import User
from workflows.case.facts import parse_facts
from workflows.case.models import Case, CaseRead
from workflows.case.reports import NewReport
from workflows.casework.service import apply, open_ticket
from workflows.field import referral_links
from workflows.field.inbound_sms import receive_sms
from workflows.jobs import sweep
from workflows.referrals.models import Referral
from workflows.services.directory_file import parse_directory
from workflows.services.models import Agency
from workflows.services.service import import_directory
from workflows.supervision.statistics import Period, Scope, statistics

VN = ZoneInfo("Asia/Ho_Chi_Minh")
POLICE, POLICE_2 = "+84914567890", "+84916111222"  # the first is also the roster's commune police
HEALTH, HEALTH_2 = "+84917222333", "+84918333444"
CHAIR, OFFICER, SUPERVISOR = "+84913456789", "+84912345678", "+842333852111"
CHILD = "Lê Thị Mai"

DIRECTORY = """Cơ sở,Cấp,Tỉnh,Xã,Dịch vụ,Giờ làm việc,Họ và tên,Số điện thoại,Thứ tự
Công an xã Cam Lộ,xã,Quảng Trị,Cam Lộ,police_protection; Điều tra xử lý vi phạm,24/7,Lê Văn Cường,0914 567 890,1
Công an xã Cam Lộ,xã,Quảng Trị,Cam Lộ,police_protection; Điều tra xử lý vi phạm,24/7,Đỗ Văn Khoa,0916 111 222,2
Trạm y tế xã Cam Lộ,xã,Quảng Trị,Cam Lộ,health_exam;forensic_exam;first_aid,7:00-17:00,Ngô Thị Lý,0917 222 333,1
Trạm y tế xã Cam Lộ,xã,Quảng Trị,Cam Lộ,health_exam;forensic_exam;first_aid,7:00-17:00,Phan Văn Nam,0918 333 444,2
"""


@pytest.fixture
def clock(db, redis_conn, roster, gateway):
    frozen = FrozenClock(datetime(2027, 3, 1, 9, 0, tzinfo=VN))  # a Monday
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


def directory(tmp_path: Path) -> dict[str, int]:
    path = tmp_path / "dich-vu.csv"
    path.write_text(DIRECTORY, encoding="utf-8")
    parsed = parse_directory(path)
    assert parsed.ok, parsed.errors
    with unit_of_work() as uow:
        first = import_directory(uow.session, parsed)
        uow.commit()
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    with unit_of_work() as uow:
        again = import_directory(uow.session, parse_directory(path))
        uow.commit()
        assert (again.created, again.updated, again.unchanged) == (0, 0, 2)  # re-importing changes nothing
        return {a.name: a.id for a in uow.session.execute(select(Agency)).scalars()}


def _do(ref: str, trigger: str, actor: str = "officer", role: str = "commune_officer", **facts) -> None:
    apply(UnitOfWork(), reference=ref, trigger=trigger, actor=actor, via="api", actor_role=role,
          facts=parse_facts(trigger, facts))


def sms_to(phone: str, purpose: str | None = None) -> list[str]:
    with unit_of_work() as uow:
        stmt = select(OutboxMessage.body).where(OutboxMessage.to_phone == phone).order_by(OutboxMessage.id)
        if purpose:
            stmt = stmt.where(OutboxMessage.purpose == purpose)
        return list(uow.session.execute(stmt).scalars())


def reply(phone: str, text: str, n: int) -> str | None:
    return receive_sms(InboundSms("twilio", f"SM-ref-{n}", phone, "+84111", text), answer_by_sms=False)


def referrals() -> dict[str, Referral]:
    with unit_of_work() as uow:
        return {r.service: r for r in uow.session.execute(select(Referral).order_by(Referral.id)).scalars()}


def approved_case(agencies: dict[str, int]) -> str:
    ref = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị cha đánh nhiều lần",
                                                      location="xã Cam Lộ, Quảng Trị", child_name=CHILD,
                                                      child_age="9"), channel="api").reference
    _do(ref, "acknowledge")
    _do(ref, "report_assessment", risk_level="high")
    _do(ref, "begin_detailed_assessment")
    police, health = agencies["Công an xã Cam Lộ"], agencies["Trạm y tế xã Cam Lộ"]
    line = {"starts_on": "2027-03-01", "ends_on": "2027-03-05", "responsible": "Cán bộ BVTE"}
    _do(ref, "draft_plan", plan="Mẫu 04: bảo vệ và khám cho trẻ", services=[
        {**line, "service": "Ngăn chặn bạo lực tại gia đình", "service_code": "police_protection",
         "agency_id": police, "urgency": "high", "consent_child": True, "consent_caregiver": True},
        {**line, "service": "Khám sức khỏe", "service_code": "health_exam", "agency_id": health,
         "consent_child": True, "consent_caregiver": True},
        {**line, "service": "Giám định dấu vết", "service_code": "forensic_exam", "agency_id": health},
        {**line, "service": "Họp gia đình"},  # no agency: stays a plan line
    ])
    assert referrals() == {}  # nothing is asked before the chair approves
    _do(ref, "approve_plan", actor="chair", role="commune_chair")
    return ref


def test_an_approved_plan_refers_answers_and_climbs(clock, tmp_path) -> None:
    agencies = directory(tmp_path)
    ref = approved_case(agencies)
    made = referrals()
    assert set(made) == {"police_protection", "health_exam", "forensic_exam", "follow_up"}
    assert all(r.due_on == date(2027, 3, 5) for r in made.values())
    assert {r.service for r in made.values() if r.state == "sent" and r.kind == "referral"} == set(made) - {"follow_up"}
    police, health, forensic, task = (made[s] for s in ("police_protection", "health_exam", "forensic_exam",
                                                          "follow_up"))
    assert task.kind == "task" and task.state == "accepted" and task.reason == "Họp gia đình"
    assert sms_to(OFFICER, "referral") == []  # the commune's own task: nobody is texted until it is late

    # Told by SMS, the agency's first contact only, with the referral's reference and a link; no identity.
    told_police, told_health = sms_to(POLICE, "referral"), sms_to(HEALTH, "referral")
    assert len(told_police) == 1 and police.reference in told_police[0] and "/gt/" in told_police[0]
    assert len(told_health) == 2 and sms_to(POLICE_2, "referral") == [] == sms_to(HEALTH_2, "referral")
    for body in told_police + told_health:
        assert "Mai" not in body and ref not in body

    # The police accept by SMS (the roster's police phone, answering a referral not a case).
    assert "NHAN" in (reply(POLICE, f"nhan {police.reference}", 1) or "")
    assert reply(POLICE, f"NHAN {police.reference}", 1) == reply(POLICE, f"NHAN {police.reference}", 1)  # retried
    # Another agency's phone may not answer it.
    assert "Khong tim thay" in (reply(HEALTH, f"NHAN {police.reference}", 2) or "")
    assert referrals()["police_protection"].state == "accepted"

    # The health station opens its link: before sign-in nothing identifying; after it, what consent allows.
    token = re.search(r"/gt/([a-z0-9]+)", told_health[[forensic.reference in b for b in told_health].index(False)])
    assert token is not None
    page = referral_links.show_referral(UnitOfWork(), token=token[1])
    assert page.reference == health.reference and page.child_name is None and page.reason is None
    referral_links.send_code(UnitOfWork(), token=token[1])
    code = re.search(r"\b(\d{6})\b", sms_to(HEALTH, "sign_in")[-1])
    assert code and not referral_links.sign_in(UnitOfWork(), token=token[1], code="000000" if code[1] != "000000"
                                               else "111111")
    session = referral_links.sign_in(UnitOfWork(), token=token[1], code=code[1])
    assert session and referral_links.show_referral(UnitOfWork(), token=token[1]).child_name is None  # another browser
    page = referral_links.show_referral(UnitOfWork(), token=token[1], session=session)
    assert page.signed_in and page.identity_allowed and page.child_name == CHILD and page.reason == "Khám sức khỏe"
    assert referral_links.answer_by_link(UnitOfWork(), token=token[1], action="accept", text=None).kind == "accepted"
    assert referral_links.answer_by_link(UnitOfWork(), token=token[1], action="accept", text=None).kind == "repeat"

    # The forensic referral: no consent recorded, so even signed in the page names nobody.
    forensic_token = re.search(r"/gt/([a-z0-9]+)", next(b for b in told_health if forensic.reference in b))
    assert forensic_token is not None
    referral_links.send_code(UnitOfWork(), token=forensic_token[1])
    code = re.search(r"\b(\d{6})\b", sms_to(HEALTH, "sign_in")[-1])
    session = referral_links.sign_in(UnitOfWork(), token=forensic_token[1], code=code[1])
    assert code and session
    hidden = referral_links.show_referral(UnitOfWork(), token=forensic_token[1], session=session)
    assert hidden.signed_in and not hidden.identity_allowed and hidden.child_name is None

    # Left unanswered, it breaches at respond_by: the agency's next contact, then the chair, then the supervisor.
    respond_by = referrals()["forensic_exam"].respond_by
    clock.set(respond_by + timedelta(seconds=1))
    sweep()
    assert len(sms_to(HEALTH_2, "referral_agency_next")) == 1 and sms_to(CHAIR, "referral_commune_chair") == []
    clock.advance(timedelta(hours=8, seconds=1))
    sweep()
    chair = sms_to(CHAIR, "referral_commune_chair")
    assert len(chair) == 1 and forensic.reference in chair[0] and "Mai" not in chair[0]
    assert sms_to(SUPERVISOR, "referral_supervisor") == []
    clock.advance(timedelta(hours=24, seconds=1))
    sweep()
    assert len(sms_to(SUPERVISOR, "referral_supervisor")) == 1
    clock.advance(timedelta(days=3))
    sweep()  # the ladder is exhausted: nobody is told twice
    assert len(sms_to(SUPERVISOR, "referral_supervisor")) == 1 and len(sms_to(CHAIR, "referral_commune_chair")) == 1
    late = referrals()["forensic_exam"]
    assert late.state == "sent" and late.breached_at is not None and late.next_at is None
    assert [t["role"] for t in late.told] == ["agency_next", "commune_chair", "supervisor"]

    # The plan's own task (no agency) is a clock too: late, the officer is told, and reports it done by SMS.
    overdue = sms_to(OFFICER, "referral_agency_next")
    assert len(overdue) == 1 and task.reference in overdue[0] and "chua xong" in overdue[0]
    assert "XONG" in (reply(OFFICER, f"XONG {task.reference} đã họp gia đình", 4) or "")
    assert referrals()["follow_up"].state == "done"

    # The police accepted in time but are past the due date (5 March, 17:00): late, the same ladder climbs on
    # the "complete" clock; reported done with the outcome, it stops.
    assert {t["clock"] for t in referrals()["police_protection"].told} == {"complete"}
    assert any("chua xong" in body for body in sms_to(POLICE_2, "referral_agency_next"))
    assert "XONG" in (reply(POLICE, f"XONG {police.reference} đã làm việc với gia đình", 3) or "")
    done = referrals()["police_protection"]
    assert done.state == "done" and done.outcome == "đã làm việc với gia đình" and done.next_at is None

    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == ref)).scalar_one()
        events = [h.event for h in case.history if h.event.startswith("referral_")]
        assert events.count("referral_sent") == 3 and "referral_accepted" in events and "referral_done" in events
        reads = uow.session.execute(select(CaseRead.purpose, CaseRead.reader).where(
            CaseRead.case_id == case.id, CaseRead.via == "link")).all()
        assert ("referral page", reads[0][1]) in reads and any(p == "referral identity" for p, _ in reads)
        assert all(r.startswith("agency-contact:") for _, r in reads)

        # The statistics count them: by service, by outcome, and the time to accept.
        found = statistics(uow.session, period=Period(date(2027, 3, 1), date(2027, 3, 31)), scope=Scope())
        assert found.referrals_by_service == {"forensic_exam": 1, "health_exam": 1, "police_protection": 1}
        assert found.referrals_by_outcome == {"forensic_exam/sent": 1, "health_exam/accepted": 1,
                                              "police_protection/done": 1}
        accept = next(d for d in found.durations if d.step == "referral_accept")
        assert accept.count == 2 and accept.median_hours is not None


def test_a_bad_directory_imports_nothing(db, tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(DIRECTORY + "Trạm y tế xã Cam Lộ,huyện,Quảng Trị,Cam Lộ,cắt tóc,,Ai Đó,123,x\n", encoding="utf-8")
    parsed = parse_directory(path)
    assert not parsed.ok and [e.line for e in parsed.errors] == [6]
    message = str(parsed.errors[0])
    assert "cấp không rõ" in message and "cắt tóc" in message and "số điện thoại" in message and "thứ tự" in message


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def test_the_agency_page_signs_in_by_code_and_answers(clock, client, tmp_path) -> None:
    ref = approved_case(directory(tmp_path))
    health = referrals()["health_exam"]
    body = next(b for b in sms_to(HEALTH, "referral") if health.reference in b)
    path = "/gt/" + re.search(r"/gt/([a-z0-9]+)", body)[1]  # type: ignore[index]
    page = client.get(path)
    assert page.status_code == 200 and health.reference in page.text and "Mai" not in page.text
    assert client.get("/gt/aaaaaaaaaa1").status_code == 404
    assert client.post(path, data={"csrf": "forged", "action": "accept"}).status_code == 403
    sent = client.post(path, data={"csrf": _csrf(page.text), "action": "send_code"})
    assert sent.status_code == 200
    code = re.search(r"\b(\d{6})\b", sms_to(HEALTH, "sign_in")[-1])[1]  # type: ignore[index]
    wrong = client.post(path, data={"csrf": _csrf(sent.text), "action": "sign_in", "code": "12345x"})
    assert wrong.status_code == 422 and "Mai" not in wrong.text
    signed = client.post(path, data={"csrf": _csrf(sent.text), "action": "sign_in", "code": code})
    assert signed.status_code == 200 and CHILD in signed.text
    empty = client.post(path, data={"csrf": _csrf(signed.text), "action": "decline", "text": " "})
    assert empty.status_code == 422 and referrals()["health_exam"].state == "sent"
    accepted = client.post(path, data={"csrf": _csrf(signed.text), "action": "accept"})
    assert accepted.status_code == 200 and referrals()["health_exam"].state == "accepted"
    assert client.get(path + "?lang=en").status_code == 200

    # The commune's page of the case lists its referrals with their state and deadlines.
    sign_in_officer(client, OFFICER_PHONE)
    case_page = client.get(f"/xa/ca/{ref}")
    assert case_page.status_code == 200 and health.reference in case_page.text and "Đã nhận" in case_page.text
    assert "Chờ trả lời" in case_page.text and "05/03/2027" in case_page.text


def test_the_board_shows_late_referrals_in_its_province_only(clock, client, tmp_path) -> None:
    ref = approved_case(directory(tmp_path))
    forensic = referrals()["forensic_exam"]
    clock.set(forensic.respond_by + timedelta(seconds=1))
    sweep()
    for username, scope in (("gs-qt", {"province": "44"}), ("gs-dl", {"province": "66"})):
        users.add_user(UnitOfWork(), username=username, role="province_supervisor", password=None, **scope)
        with UnitOfWork() as uow:
            user_id = uow.session.execute(select(User.id).where(User.username == username)).scalar_one()
        cookie, _session = sessions.start(UnitOfWork(), user_id=user_id, client="test")
        client.cookies.set(sessions.COOKIE, cookie)
        board = client.get("/bang-giam-sat")
        assert board.status_code == 200
        section = board.text.split('id="late-referrals"')[1].split("</section>")[0]
        if scope["province"] == "44":
            assert forensic.reference in section and ref in section and "Mai" not in section
        else:
            assert forensic.reference not in section


def test_the_commune_plan_form_chooses_agencies_from_the_directory(clock, client, tmp_path) -> None:
    agencies = directory(tmp_path)
    ref = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị bỏ mặc", location="xã Cam Lộ, Quảng Trị",
                                                      child_age="5"), channel="api").reference
    for trigger, facts in (("acknowledge", {}), ("report_assessment", {"risk_level": "medium"}),
                           ("begin_detailed_assessment", {})):
        _do(ref, trigger, **facts)
    sign_in_officer(client, OFFICER_PHONE)
    page = client.get(f"/xa/ca/{ref}")
    health = agencies["Trạm y tế xã Cam Lộ"]
    assert f'value="{health}:health_exam"' in page.text and 'value="line:legal_aid"' in page.text
    line = {"plan": "Mẫu 04", "svc-0-service": "Khám", "svc-0-starts_on": "01/03/2027", "svc-0-ends_on": "04/03/2027",
            "svc-0-responsible": "Cán bộ BVTE", "svc-0-consent_caregiver": "yes",
            "svc-1-service": "Trợ giúp pháp lý", "svc-1-starts_on": "01/03/2027", "svc-1-ends_on": "10/03/2027",
            "svc-1-responsible": "Cán bộ BVTE", "svc-1-offer": "line:legal_aid"}
    bad = post_form(client, ref, "draft_plan", {**line, "svc-0-offer": "x:nope"})
    assert bad.status_code == 422 and 'id="err-svc-0-offer"' in bad.text
    wrong = post_form(client, ref, "draft_plan", {**line, "svc-0-offer": f"{health}:police_protection"})
    assert wrong.status_code in (409, 422) and referrals() == {}
    good = post_form(client, ref, "draft_plan", {**line, "svc-0-offer": f"{health}:health_exam"})
    assert good.status_code == 200, good.text[:500]
    _do(ref, "approve_plan", actor="chair", role="commune_chair")
    made = referrals()
    assert set(made) == {"health_exam", "legal_aid"}
    assert made["health_exam"].agency_id == health and made["health_exam"].consent_caregiver
    assert made["legal_aid"].agency_id is None  # to the 111 line: its shift lead is told
    assert any(made["legal_aid"].reference in body for body in sms_to("+842433111111", "referral"))
