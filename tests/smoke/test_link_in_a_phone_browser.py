"""The one-tap link on a 390 px phone screen in Chromium: readable without zooming, one tap to accept."""

from __future__ import annotations

from pathlib import Path

from tests.smoke.harness import Phone, case_state
from tests.smoke.test_answer_paths import CHILD, OFFICER, REPORTER, _report

ARTIFACTS = Path(__file__).parents[2] / "artifacts"


def test_accept_on_a_phone_screen(live: dict, browser) -> None:
    reference = _report(live["base"])
    officer = Phone(live["standin"], OFFICER, live["base"])
    officer.expect_sms(contains=reference)
    ARTIFACTS.mkdir(exist_ok=True)
    # one browser for the whole run (tests/conftest.py)
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page.goto(live["base"] + officer.link())
    assert page.locator("text=" + reference).count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    body = page.inner_text("body")
    assert CHILD not in body and REPORTER not in body
    page.screenshot(path=str(ARTIFACTS / "answer_link_390.png"), full_page=True)
    page.get_by_role("button", name="Nhận ca").click()
    page.wait_for_load_state()
    assert "bạn nhận ca" in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "answer_link_390_accepted.png"), full_page=True)
    page.close()
    assert case_state(reference) == ("acknowledged", "link")
