"""The statistics page at 390 px, offline: tables, SVG charts, and an XLSX download whose totals match."""

from __future__ import annotations

from openpyxl import load_workbook

from core.db import UnitOfWork
from intake.people import users
from tests.browser.conftest import fits_the_phone, shoot
from tests.integration.test_board_statistics import PASSWORD, T, _case

PERIOD = "?tu=2026-01-01&den=2026-06-30"


def test_a_supervisor_reads_the_figures_and_downloads_the_xlsx(page, tmp_path) -> None:
    for n, commune in ((1, "00004"), (2, "00004"), (3, "00008")):
        _case(n, province="01", commune=commune, category="violence", risk="high", sex="female", age=str(n * 4),
              received=T, events=[("acknowledge", n, None)])
    users.add_user(UnitOfWork(), username="giamsat", role="province_supervisor", password=PASSWORD, province="01")
    page.goto("/dang-nhap")
    page.fill("#username", "giamsat")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/thong-ke" + PERIOD)
    assert page.locator("#cases-total").inner_text() == "3"
    assert page.locator("svg rect.bar").count() > 0 and page.locator("script").count() == 0
    assert fits_the_phone(page)
    shoot(page, "statistics-province")
    with page.expect_download() as info:
        page.click("#xlsx")
    saved = tmp_path / "thong-ke.xlsx"
    info.value.save_as(saved)
    sheet = load_workbook(saved).active
    cells = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=3, values_only=True)}  # type: ignore[union-attr]
    assert cells[("total", "cases")] == 3 and cells[("cases_by_commune", "00004")] == 2
