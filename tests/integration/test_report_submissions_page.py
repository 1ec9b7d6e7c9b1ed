"""/thong-ke says, deadline by deadline, who has handed in the statistics report and who has not; a unit
marks its own report handed in for a deadline it owes; the closed-cases export gives identities only to
whom may see them, and a scope one may not see is a 404 that is written to the audit."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.db import unit_of_work
from tests.integration.test_board_reminders import report_roster  # noqa: F401 (a fixture)
from tests.integration.test_board_statistics import T, _case, _sign_in
from workflows.access.models import AccessDenial
from workflows.case.models import Case, CaseRead

MAY_6 = datetime(2026, 5, 6, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam, four days before the communes' deadline
QUERY = "?tu=2026-01-01&den=2026-06-30"


def _deadlines(page: str) -> dict[str, tuple[str, list[str]]]:
    """data-due -> (the block's heading, the units listed as not yet submitted)."""
    out = {}
    for due, block in re.findall(r'data-due="([0-9-]+)">(.*?)</div>', page, flags=re.S):
        missing = re.search(r'<ul class="missing">(.*?)</ul>', block, flags=re.S)
        out[due] = (re.sub(r"<[^>]+>", "", block.split("</h3>")[0]).strip(),
                    re.findall(r"<li>(.*?)</li>", missing.group(1)) if missing else [])
    return out


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_page_lists_who_has_not_submitted_per_deadline_and_a_unit_marks_its_own(
        client, report_roster: None, frozen_clock) -> None:  # noqa: F811
    frozen_clock.set(MAY_6)
    _sign_in(client, "giamsat", role="province_supervisor", province="01")
    shown = _deadlines(client.get("/thong-ke").text)
    heading, missing = shown["2026-05-10"]
    assert "Báo cáo 6 tháng cấp xã" in heading and "10/05/2026" in heading and "còn 4 ngày" in heading
    assert missing == ["Xa 00004 (00004)", "Xa 00008 (00008)"]
    assert shown["2026-05-20"][1] == ["Ha Noi (01)"]
    assert "quá hạn" in shown["2025-11-05"][0]  # last year's, still owed: late
    client.cookies.clear()

    _sign_in(client, "canbo", role="commune_officer", commune="00004")
    page = client.get("/thong-ke").text
    assert set(_deadlines(page)) == {"2025-11-05", "2026-05-10"}  # its own commune only
    assert re.findall(r'name="han" value="([0-9-]+)"', page) == ["2025-11-05", "2026-05-10"]  # the late one first
    token = _csrf(page)
    done = client.post("/thong-ke/da-nop", data={"csrf_token": token, "han": "2026-05-10"}, follow_redirects=False)
    assert done.status_code == 303
    again = client.post("/thong-ke/da-nop", data={"csrf_token": token, "han": "2026-05-10"})
    assert again.status_code == 400 and "không còn chờ nộp" in again.text  # handed in already: said, not a 500
    assert client.post("/thong-ke/da-nop", data={"csrf_token": token, "han": "2026-13-40"}).status_code == 400
    page = client.get("/thong-ke").text
    assert _deadlines(page)["2026-05-10"][1] == [] and "Tất cả đã nộp" in page and "canbo" in page
    client.cookies.clear()
    _sign_in(client, "giamsat2", role="province_supervisor", province="01")
    assert _deadlines(client.get("/thong-ke").text)["2026-05-10"][1] == ["Xa 00008 (00008)"]


def _closed(n: int, commune: str, province: str = "01") -> None:
    case = _case(n, province=province, commune=commune, category="violence", risk="high", sex="female", age="9",
                 received=T + timedelta(days=n), events=[("acknowledge", 1, None), ("approve_closure", 200, None)])
    with unit_of_work() as uow:
        row = uow.session.get(Case, case.id)
        assert row is not None
        row.state, row.child_name, row.reporter_phone = "closed", f"Bé {n}", "+84901234567"
        uow.commit()


def _export(client, query: str = QUERY) -> list[list[str]]:
    answer = client.get("/thong-ke/ca-da-dong.csv" + query)
    assert answer.status_code == 200
    return list(csv.reader(io.StringIO(answer.text)))


def test_closed_cases_identities_only_for_whom_may_see_them_and_refusals_audited(client) -> None:
    _closed(1, "00004")
    _closed(2, "00008")
    _closed(3, "26734", province="79")
    _sign_in(client, "canbo", role="commune_officer", commune="00004")
    rows = _export(client)
    header = rows[0]
    assert [r[0] for r in rows[1:]] == ["TE0000001"]  # its commune's case only
    assert rows[1][header.index("child_name")] == "Bé 1" and rows[1][header.index("reporter_phone")] == "+84901234567"
    for path in ("/thong-ke/ca-da-dong.csv?xa=00008", "/thong-ke/ca-da-dong.csv?tinh=01"):
        assert client.get(path + "&tu=2026-01-01").status_code == 404
    client.cookies.clear()

    _sign_in(client, "giamsat79", role="province_supervisor", province="79")
    assert client.get("/thong-ke/ca-da-dong.csv?tinh=01").status_code == 404
    assert [r[0] for r in _export(client)[1:]] == ["TE0000003"]
    client.cookies.clear()

    for name, scope in (("congan", {"role": "commune_police", "commune": "00004"}),
                        ("tuvan", {"role": "operator", "line": "111"})):
        _sign_in(client, name, **scope)
        assert client.get("/thong-ke/ca-da-dong.csv" + QUERY).status_code == 404  # no statistics for them
        client.cookies.clear()

    _sign_in(client, "quantri", role="admin")
    national = _export(client)
    assert len(national) == 4
    assert all(row[header.index("child_name"):] == [""] * 5 for row in national[1:])  # an admin: no identity
    with unit_of_work() as uow:
        denied = sorted((d.principal, d.object_kind) for d in uow.session.scalars(select(AccessDenial)))
        reads = sorted((r.reader, r.purpose) for r in uow.session.scalars(select(CaseRead)))
    assert denied == [("canbo", "statistics"), ("canbo", "statistics"), ("congan", "statistics"),
                      ("giamsat79", "statistics"), ("tuvan", "statistics")]
    assert reads == [("canbo", "export_identity"), ("giamsat79", "export_identity")] + [("quantri", "export")] * 3
