"""The statistics against a small hand-built dataset on the real test database; the page, the CSV and
the XLSX show the same numbers; another province's figures are a 404."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from core.db import UnitOfWork, unit_of_work
from intake.people import users
from workflows.case.models import Case, CaseHistory, Ticket
from workflows.contacts.models import IntakeContact
from workflows.supervision.statistics import Period, Scope, statistics

PASSWORD = "mat-khau-du-dai-1"
HALF = Period(date(2026, 1, 1), date(2026, 6, 30))
T = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)


def _case(n: int, *, province: str, commune: str, category: str, risk: str, sex: str, age: str | None,
          received: datetime, events: list[tuple[str, float, str | None]]) -> Case:
    with unit_of_work() as uow:
        ticket = Ticket(reference=f"TK{n:07d}", channel="phone", received_at=received)
        uow.session.add(ticket)
        uow.session.flush()
        case = Case(reference=f"TE{n:07d}", ticket_id=ticket.id, state="acknowledged", urgency="high",
                    category=category, risk_level=risk, received_at=received, description="x", child_sex=sex,
                    child_age=age, province_code=province, commune_code=commune)
        uow.session.add(case)
        uow.session.flush()
        for event, hours, reason in events:
            uow.session.add(CaseHistory(case_id=case.id, at=received + timedelta(hours=hours), actor="t",
                                        via="system", event=event, reason=reason))
        uow.commit()
        return case


def _contact(n: int, *, channel: str, outcome: str, case_id: int | None, started: datetime) -> None:
    with unit_of_work() as uow:
        uow.session.add(IntakeContact(reference=f"LH{n:07d}", line="111", channel=channel, external_id=f"x{n}",
                                      outcome=outcome, case_id=case_id, started_at=started, state="closed"))
        uow.commit()


@pytest.fixture
def dataset(db: str) -> None:
    c1 = _case(1, province="01", commune="00004", category="violence", risk="high", sex="female", age="7",
               received=T, events=[("acknowledge", 1, None), ("acknowledge", 9, None),
                                   ("report_assessment", 10, None), ("sla_breached", 0.5, "acknowledge")])
    _case(2, province="01", commune="00004", category="neglect", risk="low", sex="male", age="khoảng 14",
          received=T + timedelta(days=30), events=[("acknowledge", 3, None)])
    _case(3, province="01", commune="00008", category="violence", risk="medium", sex="female", age=None,
          received=T + timedelta(days=60), events=[("acknowledge", 5, None)])
    c4 = _case(4, province="79", commune="26734", category="trafficking", risk="high", sex="male", age="16",
               received=T, events=[("acknowledge", 2, None), ("sla_breached", 13, "assessment")])
    # 23:00 on 31/12 in Vietnam: last year's, whatever UTC says
    _case(5, province="01", commune="00004", category="violence", risk="high", sex="male", age="3",
          received=datetime(2025, 12, 31, 16, 0, tzinfo=UTC), events=[("acknowledge", 1, None)])
    _contact(1, channel="voice", outcome="case", case_id=c1.id, started=T)
    _contact(2, channel="zalo", outcome="counselling", case_id=None, started=T)
    _contact(3, channel="web", outcome="case", case_id=c4.id, started=T)


def test_a_province_and_the_nation_count_what_was_built(dataset: None) -> None:
    with unit_of_work() as uow:
        hanoi = statistics(uow.session, period=HALF, scope=Scope(province="01"))
        nation = statistics(uow.session, period=HALF, scope=Scope())
        commune = statistics(uow.session, period=HALF, scope=Scope(commune="00004"))
    assert hanoi.cases_total == 3 and nation.cases_total == 4 and commune.cases_total == 2
    assert hanoi.cases_by_category == {"neglect": 1, "violence": 2}
    assert hanoi.cases_by_risk == {"high": 1, "low": 1, "medium": 1}
    assert hanoi.cases_by_sex == {"female": 2, "male": 1}
    assert hanoi.cases_by_age_band == {"6-10": 1, "11-15": 1, "unknown": 1}
    assert hanoi.cases_by_commune == {"00004": 2, "00008": 1}
    assert hanoi.breaches_by_clock == {"acknowledge": 1}
    assert nation.breaches_by_clock == {"acknowledge": 1, "assessment": 1}
    ack = hanoi.durations[0]
    assert (ack.step, ack.count, ack.median_hours, ack.p90_hours) == ("acknowledge", 3, 3.0, 4.6)  # first event only
    assert hanoi.durations[1].count == 1 and hanoi.durations[1].median_hours == 10.0
    assert hanoi.durations[4].count == 0 and hanoi.durations[4].median_hours is None
    assert hanoi.contacts_by_channel == {"voice": 1} and nation.contacts_total == 3
    assert nation.contacts_by_outcome == {"case": 2, "counselling": 1} and nation.contacts_by_line == {"111": 3}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def _sign_in(client, username: str, **scope: str) -> None:
    users.add_user(UnitOfWork(), username=username, password=PASSWORD, **scope)  # type: ignore[arg-type]
    token = _csrf(client.get("/dang-nhap").text)
    done = client.post("/dang-nhap", data={"username": username, "password": PASSWORD, "csrf_token": token},
                       follow_redirects=False)
    assert done.status_code == 303


def test_page_csv_and_xlsx_agree_with_the_database(client, dataset: None) -> None:
    assert client.get("/thong-ke", follow_redirects=False).status_code == 303  # signed-in people only
    _sign_in(client, "giamsat", role="province_supervisor", province="01")
    query = "?tu=2026-01-01&den=2026-06-30"
    page = client.get("/thong-ke" + query)
    assert page.status_code == 200 and "<script" not in page.text and "<svg" in page.text
    assert 'id="cases-total">3<' in page.text and 'id="contacts-total">1<' in page.text
    lines = list(csv.reader(io.StringIO(client.get("/thong-ke.csv" + query).text)))
    table = {(t, k): v for t, k, v in lines[1:]}
    assert table[("total", "cases")] == "3" and table[("cases_by_commune", "00004")] == "2"
    assert sum(int(v) for (t, _k), v in table.items() if t == "cases_by_category") == 3
    assert table[("durations_p90_hours", "acknowledge")] == "4.6"
    book = load_workbook(io.BytesIO(client.get("/thong-ke.xlsx" + query).content))
    cells = {(r[0], r[1]): r[2] for r in book.active.iter_rows(min_row=3, values_only=True)}  # type: ignore[union-attr]
    assert cells[("total", "cases")] == 3 and cells[("breaches_by_clock", "acknowledge")] == 1
    assert {k: float(v) for k, v in cells.items() if v is not None} == {k: float(v) for k, v in table.items() if v}


def test_another_province_or_commune_is_a_404(client, dataset: None) -> None:
    _sign_in(client, "giamsat", role="province_supervisor", province="01")
    for path in ("/thong-ke?tinh=79", "/thong-ke.csv?tinh=79", "/thong-ke.xlsx?xa=26734"):
        assert client.get(path).status_code == 404
    assert client.get("/thong-ke?tinh=01&xa=00004").status_code == 200


def test_a_mistyped_period_is_a_page_that_says_what_is_wrong_and_the_way_back(client, dataset: None) -> None:
    """A supervisor at the deadline types a date wrong: a page in their language, never raw JSON."""
    _sign_in(client, "giamsat", role="province_supervisor", province="01")
    came_from = {"referer": "http://testserver/thong-ke?tu=2026-01-01&den=2026-06-30"}
    typo = client.get("/thong-ke?tu=2026-13-01&den=2026-06-30", headers=came_from)
    assert typo.status_code == 422 and typo.headers["content-type"].startswith("text/html")
    assert "Phải là một ngày (năm-tháng-ngày" in typo.text and "Quay lại" in typo.text
    assert 'id="back" href="/thong-ke?tu=2026-01-01&amp;den=2026-06-30"' in typo.text
    english = client.get("/thong-ke.csv?tu=01/02/2026&lang=en", headers={"referer": "https://elsewhere.example/x"})
    assert english.status_code == 422 and "Must be a date (year-month-day" in english.text
    assert 'id="back" href="/"' in english.text  # never back to another site
    backwards = client.get("/thong-ke?tu=2026-06-30&den=2026-01-01")
    assert backwards.status_code == 422 and "ngày bắt đầu không được sau ngày kết thúc" in backwards.text
    api = client.get("/api/v1/cases?state=x%00")  # the JSON API keeps its problem+json
    assert api.headers["content-type"].startswith("application/problem+json")


def test_a_commune_officer_sees_their_commune_and_an_operator_nothing(client, dataset: None) -> None:
    _sign_in(client, "canbo", role="commune_officer", commune="00004")
    page = client.get("/thong-ke?tu=2026-01-01&den=2026-06-30")
    assert page.status_code == 200 and 'id="cases-total">2<' in page.text
    assert client.get("/thong-ke?xa=00008").status_code == 404
    client.cookies.clear()
    _sign_in(client, "tuvan", role="operator", line="111")
    assert client.get("/thong-ke").status_code == 404


def test_closed_cases_export_shows_identities_only_to_whom_may_see_them_and_is_audited(client, db: str) -> None:
    from sqlalchemy import select

    from workflows.case.models import CaseRead

    closed = _case(7, province="01", commune="00004", category="violence", risk="high", sex="female", age="9",
                   received=T, events=[("acknowledge", 1, None), ("approve_closure", 200, None)])
    _case(8, province="01", commune="00004", category="violence", risk="high", sex="female", age="9",
          received=T, events=[("acknowledge", 1, None)])  # still open: not exported
    with unit_of_work() as uow:
        row = uow.session.get(Case, closed.id)
        assert row is not None
        row.state, row.child_name, row.line = "closed", "Nguyễn Bé", "111"
        uow.commit()
    query = "?tu=2026-01-01&den=2026-06-30"
    _sign_in(client, "giamsat", role="province_supervisor", province="01")
    lines = list(csv.reader(io.StringIO(client.get("/thong-ke/ca-da-dong.csv" + query).text)))
    assert len(lines) == 2 and lines[1][0] == "TE0000007" and "Nguyễn Bé" in lines[1]
    assert lines[0][lines[0].index("child_age_band")] == "child_age_band" and "6-10" in lines[1]
    assert client.get("/thong-ke/ca-da-dong.csv?tinh=79").status_code == 404
    client.cookies.clear()
    _sign_in(client, "quantri", role="admin")
    national = list(csv.reader(io.StringIO(client.get("/thong-ke/ca-da-dong.csv" + query).text)))
    assert len(national) == 2 and "Nguyễn Bé" not in national[1] and national[1][-5:] == [""] * 5
    with unit_of_work() as uow:
        reads = sorted(tuple(r) for r in uow.session.execute(select(CaseRead.reader, CaseRead.purpose)).all())
    assert reads == [("giamsat", "export_identity"), ("quantri", "export")]


def test_the_migration_backfills_age_bands_from_the_encrypted_ages_and_the_counts_stay(dataset: None) -> None:
    from sqlalchemy import text

    from core.db import get_engine
    from migrations.versions.reporting_schema import backfill_age_bands

    def bands() -> dict[str, int]:
        with unit_of_work() as uow:
            return statistics(uow.session, period=HALF, scope=Scope()).cases_by_age_band

    before = bands()
    with get_engine().begin() as conn:  # as the rows were before the migration
        conn.execute(text("UPDATE cases SET child_age_band = NULL"))
        assert backfill_age_bands(conn) == (4, 0)  # and one with no age: unknown in one UPDATE
    assert bands() == before == {"6-10": 1, "11-15": 1, "16-17": 1, "unknown": 1}
    with get_engine().begin() as conn:  # an age no key opens stays NULL, counted as unknown as it was
        conn.execute(text("UPDATE cases SET child_age_band = NULL, child_age = 'k9:gAAAAAnokey' "
                          "WHERE reference = 'TE0000004'"))
        assert backfill_age_bands(conn) == (0, 1)
        assert conn.execute(text("SELECT child_age_band FROM cases WHERE reference = 'TE0000004'")).scalar() is None
    assert bands() == {"6-10": 1, "11-15": 1, "unknown": 2}
