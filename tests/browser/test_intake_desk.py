"""The intake desk in a real browser at 390 px, offline: an operator takes a priority call and fills Form 01
with the keyboard, accepting the suggested commune; merges a duplicate web report; closes a silent contact;
a shift lead watches the queue change live. A screenshot of every page."""

from __future__ import annotations

from datetime import timedelta

from core.clock import utcnow
from core.db import UnitOfWork
from intake.people import users
from tests.browser.conftest import fits_the_phone, shoot
from workflows.case.reports import NewReport
from workflows.casework.service import open_ticket
from workflows.contacts.models import IntakeContact
from workflows.contacts.service import close_contact, open_contact

PASSWORD = "mat-khau-du-dai-1"


def _sign_in(page, username: str, role: str = "operator", name: str = "Trần Thị Lan") -> None:
    users.add_user(UnitOfWork(), username=username, role=role, password=PASSWORD, display_name=name, line="111")
    page.goto("/dang-nhap")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/dang-nhap" not in url)  # each role lands on its own page


def _call(ext: str, *, danger: bool = False, minutes: int = 1, state: str = "queued") -> IntakeContact:
    now = utcnow()
    with UnitOfWork() as uow:
        contact, _ = open_contact(uow, channel="voice", external_id=ext, caller="+84912345678", now=now)
        contact.state, contact.danger_now, contact.queued_at = state, danger, now - timedelta(minutes=minutes)
        contact.menu_choice = "danger" if danger else "report"
        uow.commit()
        return contact


def _roster() -> None:
    from devtools.demo import import_demo_roster

    import_demo_roster()


def _tab_to(page, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element has the focus: the form is reachable without a mouse."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_an_operator_takes_a_priority_call_fills_form01_by_keyboard_and_the_case_is_routed(page) -> None:
    _roster()
    _call("CA-normal", minutes=6)
    urgent = _call("CA-danger", danger=True, minutes=1)
    _sign_in(page, "lan")
    page.wait_for_url("**/ban-tiep-nhan")  # an operator lands on the desk
    first = page.locator("#calls li").first
    assert first.get_attribute("data-ref") == urgent.reference  # danger first, though it waited less
    assert "NGUY HIỂM NGAY" in first.inner_text()
    assert fits_the_phone(page)
    shoot(page, "desk-operator")
    page.focus(f'#calls li[data-ref="{urgent.reference}"] button.take')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/lien-he/{urgent.reference}")
    assert page.evaluate("document.activeElement.id") == "description"  # autofocus: type at once
    page.keyboard.type("Bé gái khoảng 9 tuổi bị cha dượng đánh, đang khóc ở nhà hàng xóm.")
    _tab_to(page, "abuser_is_caregiver")
    page.keyboard.press("Space")
    _tab_to(page, "location")
    page.keyboard.type("thôn Tân Xuân, xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị")
    suggestion = page.locator('#suggestions button.suggestion[data-code="19597"]')
    suggestion.wait_for()
    assert "có nhóm bảo vệ trẻ em" in suggestion.inner_text() and "Cam Thành" in suggestion.inner_text()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.code") == "19597"
    page.keyboard.press("Enter")
    assert page.input_value("#commune_code") == "19597"
    assert "Xã Cam Lộ" in page.locator("#chosen").inner_text()
    shoot(page, "form01-commune-chosen")
    _tab_to(page, "child_name")
    page.keyboard.type("Nguyễn Thị A")
    page.keyboard.press("Tab")
    page.keyboard.type("02/03/2017")
    _tab_to(page, "child_sex")
    page.keyboard.press("ArrowDown")  # Nữ
    _tab_to(page, "current_condition")
    page.keyboard.type("Có vết bầm ở tay")
    _tab_to(page, "category")
    page.keyboard.press("ArrowDown")  # Bạo lực
    _tab_to(page, "caregiver")
    page.keyboard.type("Mẹ và cha dượng")
    assert fits_the_phone(page)
    shoot(page, "form01-filled")
    _tab_to(page, "open-case")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ca/**")
    assert page.locator("#case-state").get_attribute("data-state") == "assigned"
    assert "Xã Cam Lộ" in page.locator("#case-commune").inner_text()  # the name, not the code
    assert page.locator("#case-urgency").inner_text() == "Khẩn cấp"  # a caregiver abuser: Art. 31
    assert "lan" in page.locator("#routing").inner_text()
    assert page.locator("#timers tr").count() > 1 and page.locator("#trail tr").count() > 1  # the SMS went out
    assert fits_the_phone(page)
    shoot(page, "case-routed")
    page.click("#show-identity")
    assert "Nguyễn Thị A" in page.locator("#identity").inner_text()
    shoot(page, "case-identity")


def test_an_operator_merges_a_duplicate_web_report_into_an_existing_case(page) -> None:
    _roster()
    first = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị bỏ đói", location="xã Cam Lộ, Quảng Trị"),
                        channel="web")
    dup = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị bỏ đói ở gần chợ", location="gần chợ"),
                      channel="web")
    _sign_in(page, "minh", name="Lê Minh")
    page.goto("/ban-tiep-nhan")
    link = page.locator(f'#web li[data-ref="{dup.reference}"] a')
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/ca/{dup.reference}")
    assert page.locator("#case-state").get_attribute("data-state") == "needs_routing"
    assert fits_the_phone(page)
    shoot(page, "case-needs-routing")
    page.fill("#case_reference", first.reference)
    page.fill("#merge-reason", "Cùng một trẻ, cùng sự việc")
    page.click("#merge")
    page.wait_for_url(f"**/ca/{first.reference}")
    assert "gộp báo cáo trùng" in page.locator("#timeline").inner_text()  # in words, not the event's id
    shoot(page, "case-after-merge")
    page.goto("/ban-tiep-nhan")
    assert page.locator(f'#web li[data-ref="{dup.reference}"]').count() == 0
    page.goto(f"/ca/{dup.reference}")
    assert page.locator("#case-state").get_attribute("data-state") == "merged"


def test_an_operator_closes_a_silent_contact(page) -> None:
    silent = _call("CA-silent", minutes=2)
    _sign_in(page, "lan")
    page.goto("/ban-tiep-nhan")
    page.click(f'#calls li[data-ref="{silent.reference}"] a')
    page.wait_for_url(f"**/lien-he/{silent.reference}")
    assert page.input_value("#outcome") == "silent"  # a call's likeliest non-case outcome, preselected
    assert fits_the_phone(page)
    shoot(page, "contact-before-close")
    page.click("#close")
    page.wait_for_url("**/ban-tiep-nhan")
    assert page.locator(f'#calls li[data-ref="{silent.reference}"]').count() == 0
    page.goto(f"/lien-he/{silent.reference}")
    assert "im lặng" in page.locator("#closed").inner_text()
    shoot(page, "contact-closed")


def test_a_shift_lead_watches_the_queue_update_live(page) -> None:
    waiting = _call("CA-waiting", minutes=3)
    _sign_in(page, "truong-ca", role="shift_lead", name="Phạm Văn Hùng")
    page.goto("/ban-tiep-nhan")
    page.wait_for_selector("#live-status:has-text('trực tiếp')")  # no eval: the CSP forbids it
    shoot(page, "desk-shift-lead-before")
    arrived = _call("CA-arrived", danger=True, minutes=0)
    page.locator(f'#calls li[data-ref="{arrived.reference}"]').wait_for(timeout=8000)  # no reload
    assert page.locator("#calls li").first.get_attribute("data-ref") == arrived.reference
    close_contact(UnitOfWork(), contact=waiting.id, outcome="silent", actor="lan", now=utcnow())
    page.locator(f'#calls li[data-ref="{waiting.reference}"]').wait_for(state="detached", timeout=8000)
    assert fits_the_phone(page)
    shoot(page, "desk-shift-lead-live")
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Intake desk"
    page.locator(f'#calls li[data-ref="{arrived.reference}"]').wait_for()
    shoot(page, "desk-shift-lead-en")
    later = _call("CA-later", minutes=0)
    take = page.locator(f'#calls li[data-ref="{later.reference}"] button.take')
    take.wait_for()  # pushed by the stream: the script gave its form the session's CSRF token
    take.click()
    page.wait_for_url(f"**/lien-he/{later.reference}?lang=en")
    assert "taken by truong-ca" in page.content()
