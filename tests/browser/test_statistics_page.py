"""The statistics page at 390 px, offline: tables, SVG charts, who has handed in the report, and an XLSX
download whose every count is checked against the database, counted here apart from `statistics()`
(plain SQL, and the ages decrypted one by one as before the band was stored)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import UnitOfWork, unit_of_work
from intake.people import users
from routing.models import Contact, Team
from tests.browser.conftest import ARTIFACTS, fits_the_phone, shoot
from tests.integration.test_board_statistics import PASSWORD, T, _case, _contact
from workflows.case.age_bands import age_band
from workflows.case.models import Case, CaseHistory
from workflows.contacts.models import IntakeContact
from workflows.supervision.statistics import Period

PERIOD = "?tu=2026-01-01&den=2026-06-30"
HALF = Period(date(2026, 1, 1), date(2026, 6, 30))


def _dataset() -> None:
    shapes = [("00004", "violence", "high", "female", "4"), ("00004", "neglect", "low", "male", "khoảng 9"),
              ("00004", "violence", "medium", "unknown", None), ("00008", "sexual_abuse", "high", "female", "14"),
              ("00008", "violence", "low", "male", "16"), ("00008", "trafficking", "high", "female", "20")]
    for n, (commune, category, risk, sex, age) in enumerate(shapes, start=1):
        case = _case(n, province="01", commune=commune, category=category, risk=risk, sex=sex, age=age,
                     received=T + timedelta(days=n), events=[("acknowledge", n, None)]
                     + ([("sla_breached", 0.5, "acknowledge")] if n % 2 else []))
        _contact(n, channel=("voice", "zalo", "web")[n % 3], outcome="case", case_id=case.id, started=T)
    _case(20, province="79", commune="26734", category="violence", risk="high", sex="male", age="7",
          received=T, events=[])  # another province
    _case(21, province="01", commune="00004", category="violence", risk="high", sex="male", age="7",
          received=T - timedelta(days=60), events=[])  # before the period
    with unit_of_work() as uow:
        for code in ("00004", "00008"):
            team = Team(commune_code=code, commune_name=f"Xã {code}", province_code="01", province_name="Hà Nội")
            uow.session.add(team)
            uow.session.flush()
            uow.session.add(Contact(team_id=team.id, full_name="Cán bộ", phone=f"+8490{code}1",
                                    role="child_protection_officer"))
        uow.commit()


def _database_counts() -> dict[tuple[str, str], int]:
    """What the database holds for province 01 in the half-year, counted without `statistics()`."""
    lo, hi = HALF.bounds()
    in_scope = (Case.province_code == "01", Case.received_at >= lo, Case.received_at < hi)
    out: dict[tuple[str, str], int] = {}
    with unit_of_work() as uow:
        s = uow.session
        out[("total", "cases")] = s.scalar(select(func.count()).select_from(Case).where(*in_scope)) or 0
        for table, column in (("cases_by_commune", Case.commune_code), ("cases_by_category", Case.category),
                              ("cases_by_risk", Case.risk_level), ("cases_by_sex", Case.child_sex)):
            for key, n in s.execute(select(column, func.count()).where(*in_scope).group_by(column)):
                out[(table, key)] = n
        for band, n in Counter(age_band(a) for a in s.scalars(select(Case.child_age).where(*in_scope))).items():
            out[("cases_by_age_band", band)] = n
        contacts = select(IntakeContact.channel, func.count()).join(Case, Case.id == IntakeContact.case_id).where(
            Case.province_code == "01", IntakeContact.started_at >= lo, IntakeContact.started_at < hi)
        for key, n in s.execute(contacts.group_by(IntakeContact.channel)):
            out[("contacts_by_channel", key)] = n
        out[("total", "contacts")] = sum(n for (t, _k), n in out.items() if t == "contacts_by_channel")
        breaches = Counter(s.scalars(select(CaseHistory.reason).join(Case, Case.id == CaseHistory.case_id).where(
            Case.province_code == "01", CaseHistory.event == "sla_breached", CaseHistory.at >= lo,
            CaseHistory.at < hi)))
        for clock, n in breaches.items():
            out[("breaches_by_clock", str(clock))] = n
    return out


def _sign_in(page) -> None:
    """The province 01 supervisor, signed in on the staff page."""
    users.add_user(UnitOfWork(), username="giamsat", role="province_supervisor", password=PASSWORD, province="01")
    page.goto("/dang-nhap")
    page.fill("#username", "giamsat")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/bang-giam-sat")  # a province supervisor lands on the board


def test_a_supervisor_reads_the_figures_and_downloads_the_xlsx(page, tmp_path) -> None:
    _dataset()
    _sign_in(page)
    page.goto("/thong-ke" + PERIOD)
    expected = _database_counts()
    assert expected[("total", "cases")] == 6 and expected[("cases_by_age_band", "unknown")] == 2
    assert page.locator("#cases-total").inner_text() == "6"
    assert page.locator("svg rect.bar").count() > 0 and page.locator("script").count() == 0
    deadlines = page.locator("#not-submitted .deadline")
    assert deadlines.count() >= 2  # the communes' next deadline and the province's, at least
    assert page.locator("#not-submitted").get_by_text("Xã 00004 (00004)").first.is_visible()
    assert fits_the_phone(page)
    shoot(page, "statistics-province")
    page.locator("#not-submitted").screenshot(path=str(ARTIFACTS / "statistics-submissions.png"))
    with page.expect_download() as info:
        page.click("#xlsx")
    saved = tmp_path / "thong-ke.xlsx"
    info.value.save_as(saved)
    sheet = load_workbook(saved).active
    cells = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=3, values_only=True)}  # type: ignore[union-attr]
    counted = {key: value for key, value in cells.items()
               if key[0] == "total" or key[0] in {t for t, _k in expected}}
    assert counted == expected  # every total and every count of these tables, and nothing else in them
    assert sum(v for (t, _k), v in cells.items() if t == "cases_by_age_band") == cells[("total", "cases")]


def test_a_period_typed_backwards_is_a_page_that_says_so_and_leads_back(page) -> None:
    """The supervisor swaps the two dates: a page in Vietnamese says what is wrong, and its link goes back to
    the figures they were reading."""
    _sign_in(page)
    page.goto("/thong-ke" + PERIOD)
    page.fill("#tu", "2026-06-30")
    page.fill("#den", "2026-01-01")
    page.click("form[action='/thong-ke'] button[type=submit]")
    page.wait_for_url("**/thong-ke?tu=2026-06-30*")
    assert "ngày bắt đầu không được sau ngày kết thúc" in page.locator("#refused").inner_text()
    assert fits_the_phone(page)
    shoot(page, "statistics-period-refused")
    page.click("#back")
    page.wait_for_url("**/thong-ke" + PERIOD)
    assert page.locator("#cases-total").is_visible()
