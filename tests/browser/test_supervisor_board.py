"""The supervisor board in a real browser at 390 px, offline: a province supervisor has the board open, a
timer breaches (fired by the sweeper under an injected clock, as the timer tests do), the breach appears
live without a reload, and the supervisor reassigns the case to another commune team. Screenshots kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import FrozenClock, set_clock
from core.db import UnitOfWork, unit_of_work
from intake.people import users
from tests.browser.conftest import fits_the_phone, shoot
from tests.integration.test_supervisor_board import SECOND_TEAM, START
from workflows.case.reports import NewReport
from workflows.casework.service import open_ticket
from workflows.jobs import sweep

PASSWORD = "mat-khau-du-dai-1"
# The clock starts at the integration test's START, 08:00 in Vietnam whenever the test runs (from the real
# now, after 20:00 a normal case's 4-hour acknowledgement fell due tomorrow and left the board's "today").
# Nothing here waits on RQ's real-time scheduler: the sweeper is called by hand.


@pytest.fixture
def clock(page, tmp_path: Path) -> Iterator[FrozenClock]:
    from devtools.demo import import_demo_roster
    from routing.directory import import_roster
    from routing.roster import parse_roster

    import_demo_roster()
    extra = tmp_path / "second.csv"
    extra.write_text(SECOND_TEAM, encoding="utf-8")
    with unit_of_work() as uow:
        import_roster(uow.session, parse_roster(extra))
        uow.commit()
    frozen = FrozenClock(START)
    previous = set_clock(frozen)  # the app runs in this process: its clock moves with the test's
    yield frozen
    set_clock(previous)


def _sign_in(page, username: str, **scope: str) -> None:
    users.add_user(UnitOfWork(), username=username, role="province_supervisor", password=PASSWORD,
                   display_name="Giám sát Quảng Trị", **scope)
    page.goto("/dang-nhap")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/bang-giam-sat*")  # a supervisor lands on the board


def test_a_supervisor_sees_a_breach_arrive_live_and_reassigns_the_case(page, clock) -> None:
    ref = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh", location="xã Cam Lộ, Quảng Trị",
                                                     immediate_danger=True, category="violence"),
                      channel="api").reference
    quiet = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị bỏ đói", location="xã Cam Lộ, Quảng Trị",
                                                       category="abandonment_neglect"), channel="web").reference
    _sign_in(page, "gs-quang-tri", province="44")
    page.wait_for_url("**/bang-giam-sat")
    page.wait_for_selector("#live-status:has-text('trực tiếp')")  # no eval: the CSP forbids it
    row = f'#rows li[data-ref="{ref}"][data-clock="acknowledge"]'
    assert page.locator(row).get_attribute("data-status") == "hour"  # 15 minutes to accept an emergency
    assert page.locator(f'#rows li[data-ref="{quiet}"]').count() >= 1
    assert fits_the_phone(page)
    shoot(page, "board-before-breach")

    clock.advance(timedelta(minutes=16))
    sweep()  # the sweeper fires the overdue acknowledgement deadline: the ladder starts
    page.locator(f'{row}[data-status="breached"]').wait_for(timeout=8000)  # pushed by the stream, no reload
    assert page.locator("#rows li").first.get_attribute("data-ref") == ref  # breaches first
    assert "đang leo thang" in page.locator(row).inner_text()
    assert page.locator('#totals a[data-status="breached"] b').inner_text() == "1"
    assert fits_the_phone(page)
    shoot(page, "board-breach-arrived-live")

    page.click(f"{row} a.act")
    page.wait_for_url(f"**/bang-giam-sat/ca/{ref}")
    page.select_option("#commune_code", "18880")
    page.fill("#reassign-reason", "Trẻ đang ở với bà ngoại tại Đồng Hới")
    assert fits_the_phone(page)
    shoot(page, "board-reassign-form")
    page.click("#reassign-do")
    page.wait_for_url("**/bang-giam-sat?da=giao-lai**")
    assert ref in page.locator("#done").inner_text()
    assert page.locator(f'{row}[data-status="breached"]').count() == 0  # the new team's clock starts afresh
    assert page.locator(f'#rows li[data-ref="{ref}"][data-clock="acknowledge"]').get_attribute("data-status") == "hour"
    shoot(page, "board-after-reassign")
    page.goto(f"/ca/{ref}")
    assert "chuyển xã khác" in page.locator("#timeline").inner_text()
    assert "Phường Đồng Hới" in page.locator("#case-commune").inner_text()
    page.goto("/bang-giam-sat?lang=en&muc=today")
    assert page.locator("h1").inner_text() == "Supervisor board"
    page.click("#diagram summary")
    shoot(page, "board-en-filtered")
