"""The public report form in a real browser at 390 px, offline, in both languages (screenshots kept)."""

from __future__ import annotations

from tests.browser.conftest import fits_the_phone, shoot


def test_the_report_form_reads_on_a_phone_and_gives_a_reference(page) -> None:
    page.goto("/")
    assert "/bao-cao" in page.url  # the public lands on the form
    assert page.locator("h1").inner_text() == "Báo cáo trẻ em cần được bảo vệ"
    assert fits_the_phone(page)
    shoot(page, "report-form")
    page.click("button[type=submit]")  # the browser itself asks for the description first
    page.fill("#description", "Cháu bé ở nhà bên cạnh bị bỏ đói nhiều ngày.")
    page.fill("#reporter_phone", "abc")
    page.click("button[type=submit]")
    assert page.locator("#reporter_phone-error").is_visible()
    assert fits_the_phone(page)
    shoot(page, "report-form-errors")
    page.fill("#reporter_phone", "")
    page.click("button[type=submit]")
    reference = page.locator("#reference").inner_text()
    assert reference.startswith("TE") and fits_the_phone(page)
    shoot(page, "report-done")
    page.goto("/bao-cao?lang=en")
    assert page.locator("h1").inner_text() == "Report a child who needs protection"
    shoot(page, "report-form-en")
