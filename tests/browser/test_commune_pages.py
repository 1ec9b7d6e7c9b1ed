"""The commune pages in a real browser at 390 px, offline: an officer follows the link in the assignment
SMS, signs in with the code sent by SMS, accepts the case, records the initial assessment (Mẫu 02), the
detailed assessment (Mẫu 03) and the plan (Mẫu 04/05), with a mistake corrected on the way; the chair
signs in and approves the plan. A screenshot of every page."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.db import UnitOfWork, unit_of_work
from tests.browser.conftest import fits_the_phone, shoot
from tests.integration.commune_helpers import CHAIR, OFFICER, e164, last_code, sent_assignment
from workflows.case.models import Case
from workflows.case.record_models import CaseFormRecord
from workflows.case.reports import NewReport
from workflows.case.taxonomy import load as taxonomy
from workflows.casework.service import open_ticket

AREAS = ("physical_emotional", "family", "risk_factors", "learning_self_protection", "community", "service_needs",
         "child_views", "caregiver_views")


def _case() -> str:
    from devtools.demo import import_demo_roster

    import_demo_roster()
    report = NewReport(
        description="Hàng xóm thấy cháu bị cha đánh, có vết bầm ở tay", location="thôn Tân Xuân, xã Cam Lộ, Quảng Trị",
        child_name="Lê Thị Mai", child_age=9, child_sex="female", category="violence",
        current_condition="Cháu sợ về nhà", likely_harm="Tiếp tục bị đánh",
        family={"father_name": "Lê Văn Tư", "mother_name": "Phạm Thị Năm", "caregiver": "Mẹ"},
        taxonomy_version=taxonomy().version, received_by="op-lan")
    return open_ticket(UnitOfWork(), report=report, channel="voice", actor="op-lan", via="ui").reference


def _sign_in_by_code(page, phone: str, *, name: str) -> None:
    page.fill("#phone", phone)
    page.click("button.go")
    page.wait_for_selector("#code")
    assert "mã đăng nhập đã được gửi" in page.locator("#code-sent").inner_text()
    assert fits_the_phone(page)
    shoot(page, f"commune-code-{name}")
    page.fill("#code", last_code(e164(phone)))
    page.click("button.go")


def _choose(page, form: str, name: str, value: str) -> None:
    page.select_option(f"#{form}-{name}", value)


def test_an_officer_records_an_assessment_and_a_plan_and_the_chair_approves_it(page) -> None:
    reference = _case()
    body = sent_assignment(e164(OFFICER))
    link = re.search(r"https?://\S+/x/\S+", body)
    assert link, body
    page.goto(link.group(0)[link.group(0).index("/x/"):])  # the link's path on the app under test
    assert fits_the_phone(page)
    shoot(page, "commune-answer-link")
    page.click("#open-case")
    page.wait_for_url("**/xa/dang-nhap**")
    assert page.locator("h1").inner_text() == "Đăng nhập bằng mã SMS"
    assert "Lê Thị Mai" not in page.content()
    shoot(page, "commune-signin")
    _sign_in_by_code(page, OFFICER, name="officer")
    page.wait_for_url(f"**/xa/ca/{reference}")
    assert page.locator("#child-name").inner_text() == "Lê Thị Mai"
    assert "Lê Văn Tư" in page.locator("#family").inner_text()
    assert fits_the_phone(page)
    shoot(page, "commune-case-assigned")

    page.click("#submit-acknowledge")
    page.wait_for_selector("#form-report_assessment")
    _choose(page, "report_assessment", "risk_level", "high")
    _choose(page, "report_assessment", "harm", "serious")
    page.fill("#report_assessment-assessed_on", "2026-11-24")
    page.fill("#report_assessment-findings", "Cháu có vết bầm ở hai tay; cha uống rượu")
    _choose(page, "report_assessment", "child_safe_now", "yes")
    _choose(page, "report_assessment", "emergency_needed", "no")
    shoot(page, "commune-form-02")
    page.click("#submit-report_assessment")
    page.wait_for_selector("#case-message.ok")
    assert page.locator("#case-risk").inner_text() == "Cao"

    page.click("#form-begin_detailed_assessment summary")
    for area in AREAS:
        _choose(page, "begin_detailed_assessment", f"area-{area}-concern", "serious" if area == "family" else "some")
    page.fill("#begin_detailed_assessment-area-family-note", "Cha nghiện rượu, mẹ đi làm xa")
    page.fill("#begin_detailed_assessment-conf-held_on", "2026-11-25")
    page.fill("#begin_detailed_assessment-conf-chaired_by", "Trần Văn Bình, Chủ tịch UBND xã")
    page.fill("#begin_detailed_assessment-conf-participants", "Cán bộ BVTE, công an xã, trưởng thôn, mẹ của cháu")
    page.fill("#begin_detailed_assessment-conf-conclusions", "Lập kế hoạch hỗ trợ: khám, tư vấn, đi học")
    assert fits_the_phone(page)
    shoot(page, "commune-form-03")
    page.click("#submit-begin_detailed_assessment")
    page.wait_for_selector("#form-draft_plan")

    page.fill("#draft_plan-plan", "Cháu Mai an toàn, được khám và đi học đều")
    page.fill("#draft_plan-svc-0-service", "Khám sức khỏe, chữa vết thương")
    page.fill("#draft_plan-svc-0-starts_on", "2026-11-26")
    page.fill("#draft_plan-svc-0-ends_on", "2026-11-20")  # a slip: before the start
    page.fill("#draft_plan-svc-0-responsible", "Trạm y tế xã")
    page.fill("#draft_plan-svc-0-provider", "Trạm y tế xã Cam Lộ")
    page.fill("#draft_plan-svc-0-cost_vnd", "1.500.000")
    page.fill("#draft_plan-svc-1-service", "Tư vấn tâm lý")
    page.fill("#draft_plan-svc-1-starts_on", "2026-11-27")
    page.fill("#draft_plan-svc-1-ends_on", "2026-12-27")
    page.fill("#draft_plan-svc-1-responsible", "Cán bộ BVTE")
    page.click("#submit-draft_plan")
    page.wait_for_selector("#err-svc-0-ends_on")
    assert page.locator("#err-svc-0-ends_on").inner_text() == "Ngày kết thúc trước ngày bắt đầu"
    assert page.input_value("#draft_plan-svc-1-service") == "Tư vấn tâm lý"  # nothing typed is lost
    assert fits_the_phone(page)
    shoot(page, "commune-form-04-error")
    page.fill("#draft_plan-svc-0-ends_on", "2026-12-03")
    page.click("#submit-draft_plan")
    page.wait_for_selector("#case-message.ok")
    assert page.locator("#case-state").inner_text() == "đã dự thảo kế hoạch"
    assert "form-approve_plan" not in page.content()  # the chair's, not the officer's
    shoot(page, "commune-plan-drafted")
    page.click("#signout")

    page.goto(f"/xa/ca/{reference}")
    page.wait_for_url("**/xa/dang-nhap**")
    _sign_in_by_code(page, CHAIR, name="chair")
    page.wait_for_url(f"**/xa/ca/{reference}")
    assert "1.500.000 đ" in page.locator("#record").inner_text()
    page.fill("#approve_plan-decision_no", "15/QĐ-UBND")
    shoot(page, "commune-chair-approves")
    page.click("#submit-approve_plan")
    page.wait_for_selector("#case-message.ok")
    assert page.locator("#case-state").inner_text() == "đang can thiệp"
    assert fits_the_phone(page)
    shoot(page, "commune-plan-approved")
    with unit_of_work() as uow:
        kept = uow.session.execute(select(CaseFormRecord.trigger, CaseFormRecord.role).join(Case).where(
            Case.reference == reference).order_by(CaseFormRecord.id)).all()
    assert kept == [("report_assessment", "commune_officer"), ("begin_detailed_assessment", "commune_officer"),
                    ("draft_plan", "commune_officer"), ("approve_plan", "commune_chair")]
