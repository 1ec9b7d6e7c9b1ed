"""The commune officers' pages over HTTP on the real database: sign-in by SMS code, every form through
the workflow service with its record kept (encrypted), bad input kept on the page, access by commune
(another commune: 404 and an audit row; the child's home commune reads and takes part)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, text

from core.db import unit_of_work
from notifier.models import OutboxMessage
from tests.integration.commune_helpers import (
    CAM_LO,
    CHAIR,
    OFFICER,
    OTHER_OFFICER,
    TAY_HOA,
    csrf_of,
    e164,
    last_code,
    post_form,
    report,
    sent_assignment,
    sign_in,
)
from workflows.access.models import AccessDenial, SignInCode, User
from workflows.case.models import Case, CaseHistory, CaseRead
from workflows.case.record_models import CaseFormRecord

ASSESSMENT = {"risk_level": "high", "harm": "serious", "assessed_on": "2026-11-20",
              "findings": "Cháu Mai có vết bầm ở tay", "child_safe_now": "no", "emergency_needed": "yes"}
PLAN = {"plan": "Cháu Mai an toàn, đi học lại", "svc-0-service": "Khám sức khỏe", "svc-0-starts_on": "2026-11-21",
        "svc-0-ends_on": "2026-11-28", "svc-0-responsible": "Trạm y tế xã", "svc-0-provider": "Trạm y tế",
        "svc-0-cost_vnd": "1.500.000", "svc-1-service": "Tư vấn tâm lý", "svc-1-starts_on": "22/11/2026",
        "svc-1-ends_on": "22/12/2026", "svc-1-responsible": "Cán bộ BVTE"}


def _state(reference: str) -> str:
    with unit_of_work() as uow:
        return uow.session.execute(select(Case.state).where(Case.reference == reference)).scalar_one()


def _forms(reference: str) -> list[CaseFormRecord]:
    with unit_of_work() as uow:
        rows = uow.session.execute(select(CaseFormRecord).join(Case, Case.id == CaseFormRecord.case_id)
                                   .where(Case.reference == reference).order_by(CaseFormRecord.id)).scalars().all()
        uow.session.expunge_all()
        return list(rows)


def test_a_code_is_hashed_single_use_expiring_and_never_logged(client, frozen_clock, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    page = client.get("/xa/dang-nhap")
    assert page.status_code == 200 and "Đăng nhập bằng mã SMS" in page.text
    sent = client.post("/xa/dang-nhap", data={"phone": OFFICER, "csrf_token": csrf_of(page.text)})
    assert "mã đăng nhập đã được gửi" in sent.text
    code = last_code(e164(OFFICER))
    with unit_of_work() as uow:
        row = uow.session.execute(select(SignInCode)).scalar_one()
        assert row.code_hash and code not in row.code_hash and row.phone_index != e164(OFFICER)
    assert code not in caplog.text
    frozen_clock.advance(timedelta(minutes=11))  # expired
    late = client.post("/xa/dang-nhap/ma", data={"phone": OFFICER, "code": code, "csrf_token": csrf_of(sent.text)})
    assert late.status_code == 401 and "hết hạn" in late.text
    again = client.post("/xa/dang-nhap", data={"phone": OFFICER, "csrf_token": csrf_of(late.text)})
    fresh = last_code(e164(OFFICER))
    ok = client.post("/xa/dang-nhap/ma", data={"phone": OFFICER, "code": fresh, "csrf_token": csrf_of(again.text)})
    assert ok.status_code == 200 and ok.url.path == "/xa"
    client.cookies.clear()
    page = client.get("/xa/dang-nhap")
    reused = client.post("/xa/dang-nhap/ma", data={"phone": OFFICER, "code": fresh, "csrf_token": csrf_of(page.text)})
    assert reused.status_code == 401  # used once
    with unit_of_work() as uow:
        user = uow.session.execute(select(User)).scalar_one()
        assert (user.role, user.commune_code, user.display_name) == ("commune_officer", "19597", "Nguyễn Thị Hoa")
        assert user.password_hash is None


def test_an_unknown_phone_reads_the_same_gets_no_sms_and_codes_are_rate_limited(client) -> None:
    page = client.get("/xa/dang-nhap")
    answers = []
    for _ in range(4):
        answers.append(client.post("/xa/dang-nhap", data={"phone": "0987 000 111", "csrf_token": csrf_of(page.text)}))
        page = answers[-1]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "mã đăng nhập đã được gửi" in answers[0].text and "thử lại sau" in answers[3].text
    with unit_of_work() as uow:
        assert uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "signin_code")).first() is None
    bad = client.post("/xa/dang-nhap", data={"phone": "12", "csrf_token": csrf_of(page.text)})
    assert bad.status_code == 422 and "không hợp lệ" in bad.text
    forged = client.post("/xa/dang-nhap", data={"phone": OFFICER, "csrf_token": "forged"})
    assert forged.status_code == 400


def test_a_village_collaborator_cannot_sign_in(client) -> None:
    page = client.get("/xa/dang-nhap")
    client.post("/xa/dang-nhap", data={"phone": "0915 678 901", "csrf_token": csrf_of(page.text)})
    with unit_of_work() as uow:
        assert uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "signin_code")).first() is None


def test_the_case_page_shows_the_child_only_after_sign_in_and_audits_each_view(client) -> None:
    reference = report(client)
    anonymous = client.get(f"/xa/ca/{reference}", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == f"/xa/dang-nhap?next=/xa/ca/{reference}"
    sign_in(client, OFFICER)
    listed = client.get("/xa")
    assert reference in listed.text and "Lê Thị Mai" not in listed.text
    shown = client.get(f"/xa/ca/{reference}")
    assert shown.status_code == 200 and "Lê Thị Mai" in shown.text and "Trẻ bị cha đánh" in shown.text
    assert "Người hàng xóm" not in shown.text  # the reporter did not agree to be contacted
    with unit_of_work() as uow:
        reads = uow.session.execute(select(CaseRead.reader, CaseRead.purpose, CaseRead.via)).all()
    assert ("xa-1", "commune_case_view", "ui") in reads and ("xa-1", "identity_view", "ui") in reads


_SIGNED_IN: dict[tuple[int, str], dict[str, str]] = {}


def _as(client, phone: str) -> None:
    """Switch the browser to another member of the team (signed in once each: codes are rate-limited)."""
    key = (id(client), phone)
    client.cookies.clear()
    if key in _SIGNED_IN:
        for name, value in _SIGNED_IN[key].items():
            client.cookies.set(name, value)
        return
    sign_in(client, phone)
    _SIGNED_IN[key] = dict(client.cookies.items())


EMERGENCY = {"measure": "Công an xã đưa cháu đến nhà bà ngoại", "taken_by": "Công an xã Cam Lộ",
             "taken_at": "2026-11-20T22:15"}


def test_an_officer_and_the_chair_take_a_case_through_every_form(client) -> None:
    _SIGNED_IN.clear()
    reference = report(client)
    _as(client, OFFICER)
    assert post_form(client, reference, "acknowledge").status_code == 200
    assert post_form(client, reference, "report_assessment", ASSESSMENT).status_code == 200
    no_measure = post_form(client, reference, "start_emergency", {"reason": "Cha vẫn ở nhà với cháu"})
    assert no_measure.status_code == 422 and 'id="err-measure"' in no_measure.text  # what, by whom, when
    assert 'id="err-taken_at"' in no_measure.text and _state(reference) == "assessed"
    answer = post_form(client, reference, "start_emergency", EMERGENCY)
    assert answer.status_code == 200 and _state(reference) == "emergency_protection", answer.text[-3000:]
    refused = post_form(client, reference, "separate", {"decision": "12/QĐ", "starts_on": "2026-11-21",
                                                         "ends_on": "2026-12-06", "safe_place": "Nhà bà ngoại",
                                                         "carer": "Bà ngoại", "grounds": "Cha đánh"})
    assert refused.status_code == 409 and "Chủ tịch UBND xã" in refused.text  # not shown, and refused
    assert "form-separate" not in client.get(f"/xa/ca/{reference}").text
    _as(client, CHAIR)
    too_long = {"decision": "12/QĐ-UBND", "starts_on": "2026-11-21", "ends_on": "2026-12-07",
                "safe_place": "Nhà bà ngoại, thôn 3", "carer": "Bà Trần Thị Lựu", "grounds": "Cha gây tổn hại"}
    sixteen_days = post_form(client, reference, "separate", too_long)
    assert sixteen_days.status_code == 422 and "tối đa 15 ngày" in sixteen_days.text  # Art. 32(3)
    separation = {**too_long, "ends_on": "2026-12-01", "family_refused_plan": "no"}
    assert post_form(client, reference, "separate", separation).status_code == 200
    assert _state(reference) == "separated"
    page = client.get(f"/xa/ca/{reference}").text
    assert 'id="form-extend_separation"' in page and 'id="form-revoke_separation"' in page
    beyond = post_form(client, reference, "extend_separation", {"decision": "13/QĐ-UBND", "ends_on": "2026-12-07"})
    assert beyond.status_code == 422 and _state(reference) == "separated"
    extended = post_form(client, reference, "extend_separation", {"decision": "13/QĐ-UBND", "ends_on": "2026-12-06",
                                                                  "grounds": "Cha chưa cai rượu"})
    assert extended.status_code == 200 and _state(reference) == "separated"
    _as(client, OFFICER)
    assert 'id="form-extend_separation"' not in client.get(f"/xa/ca/{reference}").text  # the chair's decision
    assert post_form(client, reference, "reassess_separation",
                     {"outcome": "alternative_care", "findings": "Cha chưa thay đổi"}).status_code == 200
    assert post_form(client, reference, "draft_plan", PLAN).status_code == 200
    _as(client, CHAIR)
    assert post_form(client, reference, "reject_plan", {"reason": "Thiếu hỗ trợ học tập"}).status_code == 200
    _as(client, OFFICER)
    assert post_form(client, reference, "draft_plan", PLAN).status_code == 200
    _as(client, CHAIR)
    assert post_form(client, reference, "approve_plan", {"decision_no": "15/QĐ-UBND"}).status_code == 200
    assert _state(reference) == "intervening"
    _as(client, OFFICER)
    review = {"reviewed_on": "2026-12-23", "child_now": "Cháu ổn định, đi học đều", "environment_safe": "yes",
              "risk_level": "low", "goals_met": "all", "recommendation": "close"}
    assert post_form(client, reference, "review", review).status_code == 200
    assert post_form(client, reference, "request_closure",
                     {"grounds": "no_risk_stable", "reason": "Trẻ không còn nguy cơ"}).status_code == 200
    _as(client, CHAIR)
    closed = post_form(client, reference, "approve_closure")
    assert closed.status_code == 200 and _state(reference) == "closed"
    forms = _forms(reference)
    assert [f.trigger for f in forms] == [
        "report_assessment", "start_emergency", "separate", "extend_separation", "reassess_separation", "draft_plan",
        "reject_plan", "draft_plan", "approve_plan", "review", "request_closure", "approve_closure"]
    assert forms[1].content["measure"] == EMERGENCY["measure"] and forms[1].content["taken_at"].startswith(
        "2026-11-20T15:15")  # 22:15 in Vietnam
    assert forms[3].content["ends_on"] == "2026-12-06" and forms[3].role == "commune_chair"
    plan = forms[5]
    assert plan.form == "04/05" and plan.via == "ui" and plan.recorded_by == "xa-1" and plan.role == "commune_officer"
    assert plan.content["services"][0] == {"service": "Khám sức khỏe", "starts_on": "2026-11-21",
                                           "ends_on": "2026-11-28", "responsible": "Trạm y tế xã",
                                           "provider": "Trạm y tế", "cost_vnd": 1500000}
    assert plan.content["services"][1]["starts_on"] == "2026-11-22"
    assert forms[2].content["safe_place"] == "Nhà bà ngoại, thôn 3"
    with unit_of_work() as uow:
        stored = uow.session.execute(text("SELECT content FROM case_form_records")).scalars().all()
        vias = set(uow.session.execute(select(CaseHistory.via).where(  # the service's own: routing, plan sent
            CaseHistory.event.notin_(("assign", "plan_sent")))).scalars())
    assert not any("bà ngoại" in c.lower() or "Khám" in c for c in stored)  # encrypted at rest
    assert vias == {"ui"}
    page = client.get(f"/xa/ca/{reference}").text
    assert "Khám sức khỏe" in page and "1.500.000 đ" in page and "Nhà bà ngoại, thôn 3" in page
    assert "20/11/2026 22:15" in page  # the measure's time, in Vietnam time
    english = client.get(f"/xa/ca/{reference}?lang=en").text
    assert "The child and the family" in english and "Temporary separation decision (form 07)" in english
    assert "Review by" in english and "06/12/2026" in english  # 15 days after the separation began
    assert "Sign in with an SMS code" in client.get("/xa/dang-nhap?lang=en").text


def test_a_detailed_assessment_over_the_eight_areas_is_kept(client) -> None:
    reference = report(client)
    sign_in(client, OFFICER)
    post_form(client, reference, "acknowledge")
    post_form(client, reference, "report_assessment", {**ASSESSMENT, "risk_level": "medium", "emergency_needed": "no"})
    areas = {f"area-{a}-concern": "some" for a in ("physical_emotional", "family", "risk_factors",
                                                     "learning_self_protection", "community", "service_needs",
                                                     "child_views", "caregiver_views")}
    conference = {"conf-held_on": "2026-11-22", "conf-chaired_by": "Trần Văn Bình",
                  "conf-participants": "Cán bộ BVTE, công an xã, trưởng thôn, mẹ của cháu",
                  "conf-conclusions": "Lập kế hoạch hỗ trợ"}
    missing = post_form(client, reference, "begin_detailed_assessment",
                        {**areas, **conference, "area-family-concern": "", "area-family-note": "Cha nghiện rượu"})
    assert missing.status_code == 422 and 'id="err-area-family-concern"' in missing.text
    assert "Cha nghiện rượu" in missing.text and "mẹ của cháu" in missing.text  # nothing typed is lost
    assert _state(reference) == "assessed"
    done = post_form(client, reference, "begin_detailed_assessment",
                     {**areas, **conference, "area-family-note": "Cha nghiện rượu"})
    assert done.status_code == 200 and _state(reference) == "detailed_assessment"
    kept = _forms(reference)[-1]
    assert kept.form == "03" and kept.content["areas"]["family"] == {"concern": "some", "note": "Cha nghiện rượu"}
    assert kept.content["conference"]["chaired_by"] == "Trần Văn Bình"


def test_bad_input_comes_back_readable_with_everything_typed(client) -> None:
    reference = report(client)
    sign_in(client, OFFICER)
    post_form(client, reference, "acknowledge")
    post_form(client, reference, "report_assessment", {**ASSESSMENT, "emergency_needed": "no"})
    post_form(client, reference, "begin_detailed_assessment", {
        **{f"area-{a}-concern": "none" for a in ("physical_emotional", "family", "risk_factors",
                                                  "learning_self_protection", "community", "service_needs",
                                                  "child_views", "caregiver_views")},
        "conf-held_on": "2026-11-22", "conf-chaired_by": "Chủ tịch", "conf-participants": "Đội",
        "conf-conclusions": "Lập kế hoạch"})
    wrong = {**PLAN, "svc-0-ends_on": "2026-11-01", "svc-1-cost_vnd": "năm triệu", "svc-1-starts_on": "31/02/2026"}
    answer = post_form(client, reference, "draft_plan", wrong)
    assert answer.status_code == 422
    assert "Ngày kết thúc trước ngày bắt đầu" in answer.text and "Số tiền không hợp lệ" in answer.text
    assert "Ngày không hợp lệ" in answer.text
    assert 'value="năm triệu"' in answer.text and "Cháu Mai an toàn, đi học lại" in answer.text
    assert _state(reference) == "detailed_assessment"
    assert not [f for f in _forms(reference) if f.trigger == "draft_plan"]
    empty = post_form(client, reference, "draft_plan", {"plan": "Mục tiêu"})
    assert empty.status_code == 422 and "ít nhất một dịch vụ" in empty.text
    client.cookies.clear()  # the session ended while the plan was being typed
    gone = client.post(f"/xa/ca/{reference}/draft_plan", data={**PLAN, "csrf_token": csrf_of(empty.text)})
    assert gone.status_code == 400 and "chưa được ghi" in gone.text and f"next=/xa/ca/{reference}" in gone.text


def test_an_officer_of_another_commune_gets_404_and_the_attempt_is_audited(client) -> None:
    reference = report(client)
    sign_in(client, OTHER_OFFICER)
    assert reference not in client.get("/xa").text
    seen = client.get(f"/xa/ca/{reference}")
    assert seen.status_code == 404 and "Lê Thị Mai" not in seen.text
    moved = post_form(client, "TEXXXXXXX", "acknowledge")  # the page of a missing case: its form's token
    assert moved.status_code == 404
    page = client.get("/xa")
    acted = client.post(f"/xa/ca/{reference}/acknowledge", data={"csrf_token": csrf_of(page.text)})
    assert acted.status_code == 404 and _state(reference) == "assigned"
    with unit_of_work() as uow:
        denials = uow.session.execute(select(AccessDenial.principal, AccessDenial.role, AccessDenial.action,
                                             AccessDenial.via)).all()
    assert ("xa-5", "commune_officer", "identity", "ui") in denials
    assert ("xa-5", "commune_officer", "transition:acknowledge", "ui") in denials


def test_the_commune_where_the_child_lives_reads_the_case_and_takes_part(client) -> None:
    reference = report(client, home=TAY_HOA)
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        assert (case.commune_code, case.home_commune_code) == ("19597", "22255")
    sign_in(client, OTHER_OFFICER)
    listed = client.get("/xa").text
    assert reference in listed and "xã nơi trẻ cư trú" in listed
    page = client.get(f"/xa/ca/{reference}")
    assert page.status_code == 200 and "Lê Thị Mai" in page.text and "Xã Tây Hòa" in page.text
    assert post_form(client, reference, "acknowledge").status_code == 200
    assert _state(reference) == "acknowledged"


def test_the_answer_link_page_offers_to_open_the_case(client) -> None:
    reference = report(client, location=CAM_LO)
    link = next(word for word in sent_assignment(e164(OFFICER)).split() if "/x/" in word)
    page = client.get(link[link.index("/x/"):])
    assert page.status_code == 200 and f'href="/xa/ca/{reference}"' in page.text


def test_the_api_keeps_the_forms_it_moves_with_and_refuses_a_plan_line_that_ends_before_it_starts(client) -> None:
    from intake.people.auth import issue_token

    reference = report(client)
    # the commune's steps are the commune's (NĐ 56 Art. 25-28): an operator's token is refused, an officer's goes
    operator = {"authorization": f"Bearer {issue_token('op-111', 'operator', line='111')}"}
    refused = client.post(f"/api/v1/cases/{reference}/transitions", headers=operator,
                          json={"trigger": "acknowledge", "facts": {}})
    assert refused.status_code == 409 and "cán bộ bảo vệ trẻ em cấp xã" in refused.json()["detail"]
    bearer = {"authorization": f"Bearer {issue_token('xa-api', 'commune_officer', commune='19597')}"}

    def move(trigger: str, **facts: object):
        return client.post(f"/api/v1/cases/{reference}/transitions", headers=bearer,
                           json={"trigger": trigger, "facts": facts})

    for trigger, facts in (("acknowledge", {}), ("report_assessment", {"risk_level": "low"}),
                           ("begin_detailed_assessment", {"areas": {"family": {"concern": "some"}}})):
        assert move(trigger, **facts).status_code == 200
    line = {"service": "Khám", "starts_on": "2026-11-28", "ends_on": "2026-11-21", "responsible": "Trạm y tế"}
    wrong = move("draft_plan", plan="Mục tiêu", services=[line])
    assert wrong.status_code == 422 and _state(reference) == "detailed_assessment"
    assert move("draft_plan", plan="Mục tiêu", services=[{**line, "ends_on": "2026-12-01"}]).status_code == 200
    kept = _forms(reference)
    assert [(f.trigger, f.via, f.role) for f in kept] == [
        ("report_assessment", "api", "commune_officer"), ("begin_detailed_assessment", "api", "commune_officer"),
        ("draft_plan", "api", "commune_officer")]
    assert kept[-1].content["services"][0]["ends_on"] == "2026-12-01"


def test_a_roster_sign_in_never_takes_over_a_user_an_administrator_made(client) -> None:
    from core.db import UnitOfWork
    from intake.people import users

    users.add_user(UnitOfWork(), username="xa-1", role="operator", password="mat-khau-du-dai-1")
    page = client.get("/xa/dang-nhap")
    sent = client.post("/xa/dang-nhap", data={"phone": OFFICER, "csrf_token": csrf_of(page.text)})
    answer = client.post("/xa/dang-nhap/ma", data={"phone": OFFICER, "code": last_code(e164(OFFICER)),
                                                   "csrf_token": csrf_of(sent.text)})
    assert answer.status_code == 401
    with unit_of_work() as uow:
        assert uow.session.execute(select(User.role).where(User.username == "xa-1")).scalar_one() == "operator"


def test_the_chair_closes_a_case_that_needs_no_plan_and_the_officer_may_not(client) -> None:
    # NĐ 56/2017 Art. 26(2), 27(2): no further risk, unfounded, moved away; the reason is kept
    _SIGNED_IN.clear()
    reference = report(client)
    _as(client, OFFICER)
    post_form(client, reference, "acknowledge")
    post_form(client, reference, "report_assessment", {**ASSESSMENT, "risk_level": "low", "emergency_needed": "no",
                                                       "child_safe_now": "yes", "abuser_is_caregiver": "no"})
    assert _state(reference) == "assessed"
    assert 'id="form-close_without_plan"' not in client.get(f"/xa/ca/{reference}").text
    refused = post_form(client, reference, "close_without_plan", {"grounds": "unfounded", "reason": "Tin sai"})
    assert refused.status_code == 409 and "Chủ tịch UBND xã" in refused.text and _state(reference) == "assessed"
    _as(client, CHAIR)
    page = client.get(f"/xa/ca/{reference}").text
    assert 'id="form-close_without_plan"' in page and "Kết thúc ca, không cần kế hoạch" in page
    no_reason = post_form(client, reference, "close_without_plan", {"grounds": "unfounded"})
    assert no_reason.status_code == 422 and 'id="err-reason"' in no_reason.text
    done = post_form(client, reference, "close_without_plan",
                     {"grounds": "unfounded", "reason": "Xác minh: cháu không bị đánh"})
    assert done.status_code == 200 and _state(reference) == "closed"
    kept = _forms(reference)
    assert kept[0].content["abuser_is_caregiver"] is False
    assert kept[-1].trigger == "close_without_plan" and kept[-1].content == {
        "grounds": "unfounded", "reason": "Xác minh: cháu không bị đánh"}
    assert "Thông tin báo không có căn cứ" in client.get(f"/xa/ca/{reference}").text


def test_a_commune_records_its_own_form_01_with_its_own_t0(client, frozen_clock) -> None:
    # issue 18 item 6: the commune (or its police) received the report itself: T0 is then, every clock from it
    from core.clock import VIETNAM
    from workflows.case.models import Timer

    _SIGNED_IN.clear()
    _as(client, OFFICER)
    page = client.get("/xa/bao-moi")
    assert page.status_code == 200 and "Xã, công an xã tiếp nhận lúc" in page.text
    assert 'href="/xa/bao-moi"' in client.get("/xa").text
    csrf = csrf_of(page.text)
    missing = client.post("/xa/bao-moi", data={"csrf_token": csrf, "description": "Trẻ bị cha đánh"})
    assert missing.status_code == 422 and 'id="err-received_elsewhere_at"' in missing.text
    assert "Trẻ bị cha đánh" in missing.text  # nothing typed is lost
    received = frozen_clock.now().astimezone(VIETNAM) - timedelta(hours=3)
    done = client.post("/xa/bao-moi", data={
        "csrf_token": csrf, "description": "Trẻ bị cha đánh, hàng xóm báo", "location": "xã Cam Lộ, Quảng Trị",
        "child_name": "Lê Văn Tí", "child_age": "8", "child_sex": "male", "immediate_danger": "on",
        "received_elsewhere_at": received.strftime("%Y-%m-%dT%H:%M")})
    assert done.status_code == 200 and "/xa/ca/" in str(done.url), done.text[-2000:]
    reference = str(done.url).rsplit("/", 1)[-1].split("?")[0]
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        t0 = received.replace(second=0, microsecond=0)
        assert case.received_at == t0 and case.commune_code == "19597" and case.state == "assigned"
        due = uow.session.execute(select(Timer.due_at).where(
            Timer.case_id == case.id, Timer.clock == "emergency_protection", Timer.kind == "deadline")).scalar_one()
        assert due == t0 + timedelta(hours=12)  # from the commune's own T0, not from now
        assert case.history[0].actor == "xa-1"
