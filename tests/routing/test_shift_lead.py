"""The hotline's shift lead (Trưởng ca) in the roster: a line-level contact, no commune, no province."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

import routing.models  # noqa: F401  (registers the tables)
from core.db import Base
from routing.directory import export_roster, import_roster, load_shift_leads, load_supervisors
from routing.roles import LINE_CODE, SHIFT_LEAD, parse_role
from routing.roster import parse_roster

ROSTER = (
    "Xã,Tỉnh,Họ và tên,Thôn,Số điện thoại,Vai trò,Thứ tự,Ghi chú\n"
    ",,Trưởng ca sáng,,024 3311 1111,Trưởng ca,1,\n"
    ",Tổng đài 111,Trưởng ca đêm,,024 3311 1112,truong ca,2,\n"
    ",Quảng Trị,Giám sát Sở Y tế,,0233 3852 111,Giám sát tỉnh,1,\n"
)


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine, tables=[t for t in Base.metadata.sorted_tables
                                             if t.name in {"teams", "contacts", "supervisors"}])
    with Session(engine) as s:
        yield s
    engine.dispose()


def test_the_role_has_vietnamese_and_english_names() -> None:
    assert parse_role("Trưởng ca") == parse_role("shift lead") == parse_role("TRUONG CA") == SHIFT_LEAD


def test_shift_leads_import_apart_from_any_province_and_export_back(tmp_path: Path, session: Session) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    parsed = parse_roster(path)
    assert parsed.ok, parsed.errors
    assert [(r.role, r.province_code) for r in parsed.rows[:2]] == [(SHIFT_LEAD, LINE_CODE)] * 2
    import_roster(session, parsed)
    assert [s.phone for s in load_shift_leads(session)] == ["+842433111111", "+842433111112"]
    assert [s.phone for s in load_supervisors(session, "44")] == ["+842333852111"]  # not mixed in
    out = tmp_path / "out.csv"
    export_roster(session, out)
    again = parse_roster(out)
    assert again.ok and sorted(r.role for r in again.rows) == ["province_supervisor", SHIFT_LEAD, SHIFT_LEAD]


def test_a_shift_lead_with_a_commune_or_province_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("Xã,Tỉnh,Họ và tên,Số điện thoại,Vai trò\n"
                    "Xã Cam Lộ,Quảng Trị,Trưởng ca,024 3311 1111,Trưởng ca\n", encoding="utf-8")
    (error,) = parse_roster(path).errors
    assert error.line == 2 and "shift lead belongs to the line" in error.en
