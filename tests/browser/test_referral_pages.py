"""Issue 19 in a real browser at 390 px, offline: the commune officer's service directory, and an agency's
referral page from its SMS link: nothing identifying before sign-in by code, the child after it (consent
given), accepted with one tap. A screenshot of every page."""

from __future__ import annotations

import re

from tests.browser.conftest import fits_the_phone, shoot
from tests.integration.commune_helpers import OFFICER, e164, last_code
from tests.integration.test_referrals import CHILD, HEALTH, approved_case, directory, referrals, sms_to


def test_the_directory_and_an_agency_referral_page_read_on_a_phone(page, tmp_path) -> None:
    from devtools.demo import import_demo_roster

    import_demo_roster()
    approved_case(directory(tmp_path))

    page.goto("/xa/dang-nhap")
    page.fill("#phone", OFFICER)
    page.click("button.go")
    page.wait_for_selector("#code")
    page.fill("#code", last_code(e164(OFFICER)))
    page.click("button.go")
    page.wait_for_url("**/xa")
    page.goto("/xa/dich-vu")
    agencies = page.locator("#agencies").inner_text()
    assert "Công an xã Cam Lộ" in agencies and "Trạm y tế xã Cam Lộ" in agencies and "Giám định" in agencies
    assert fits_the_phone(page)
    shoot(page, "referral-directory")

    health = referrals()["health_exam"]
    body = next(b for b in sms_to(HEALTH, "referral") if health.reference in b)
    page.goto("/gt/" + re.search(r"/gt/([a-z0-9]+)", body)[1])  # type: ignore[index]
    assert health.reference in page.locator(".ref").inner_text() and CHILD not in page.content()
    assert fits_the_phone(page)
    shoot(page, "referral-link")
    page.click("#send-code")
    page.wait_for_selector("#code")
    code = re.search(r"\b(\d{6})\b", sms_to(HEALTH, "sign_in")[-1])[1]  # type: ignore[index]
    page.fill("#code", code)
    page.locator("form", has=page.locator("#code")).locator("button").click()
    page.wait_for_selector("#child")
    assert page.locator("#child").inner_text() == CHILD
    assert fits_the_phone(page)
    shoot(page, "referral-signed-in")
    page.click("#accept")
    page.wait_for_selector(".ok")
    assert page.locator("#state").inner_text() == "Đã nhận"
    assert fits_the_phone(page)
    shoot(page, "referral-accepted")
