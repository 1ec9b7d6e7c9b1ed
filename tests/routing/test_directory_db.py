"""Roster import against a real database (SQLite in memory here; the lead also runs it on PostgreSQL)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

import routing.models  # noqa: F401  (registers the tables)
from core.db import Base
from routing.directory import export_roster, import_roster, list_teams, load_supervisors, load_team
from routing.models import Contact, Supervisor
from routing.roster import parse_roster

ROSTER = (
    "Xã,Tỉnh,Họ và tên,Thôn,Số điện thoại,Vai trò,Thứ tự,Ghi chú\n"
    "Xã Cam Lộ,Quảng Trị,Nguyễn Văn A,Tân Xuân,0912 345 678,Cán bộ bảo vệ trẻ em,,\n"
    "Xã Cam Lộ,Quảng Trị,Trần Thị B,Thôn 3,0912345679,Cộng tác viên,,\n"
    "Xã Cam Lộ,Quảng Trị,Lê Văn C,,0912345680,Chủ tịch UBND xã,,\n"
    "Phường Hồng Hà,Hà Nội,Phạm D,,0987654321,,,\n"
)


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(
        engine,
        tables=[t for t in Base.metadata.sorted_tables if t.name in {"teams", "contacts", "supervisors"}],
    )
    with Session(engine) as s:
        yield s
    engine.dispose()


def roster(tmp_path: Path, text: str = ROSTER) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_is_idempotent(session: Session, tmp_path: Path) -> None:
    parsed = parse_roster(roster(tmp_path))
    first = import_roster(session, parsed)
    session.commit()
    assert (first.created, first.updated, first.unchanged) == (4, 0, 0)
    again = import_roster(session, parse_roster(roster(tmp_path)))
    session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert len(session.scalars(select(Contact)).all()) == 4


def test_changed_row_is_updated(session: Session, tmp_path: Path) -> None:
    import_roster(session, parse_roster(roster(tmp_path)))
    changed = ROSTER.replace("Trần Thị B,Thôn 3", "Trần Thị B,Thôn 4")
    result = import_roster(session, parse_roster(roster(tmp_path, changed)))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)


def test_bad_row_blocks_everything_unless_skipped(session: Session, tmp_path: Path) -> None:
    bad = ROSTER + "Xã Cam Lộ,Quảng Trị,E,,123,,,\n"
    parsed = parse_roster(roster(tmp_path, bad))
    blocked = import_roster(session, parsed)
    assert not blocked.imported and blocked.errors[0].line == 6
    assert session.scalars(select(Contact)).all() == []
    skipped = import_roster(session, parsed, skip_invalid=True)
    assert skipped.created == 4 and len(skipped.errors) == 1


def test_views_and_export(session: Session, tmp_path: Path) -> None:
    import_roster(session, parse_roster(roster(tmp_path)))
    session.add(Supervisor(province_code="44", full_name="Sở Y tế", phone="+842333852111", chain_order=1))
    session.flush()
    team = load_team(session, "19597")
    assert team is not None and team.commune_name == "Xã Cam Lộ" and team.province_code == "44"
    assert [c.role for c in team.contacts] == [
        "child_protection_officer",
        "commune_chair",
        "village_collaborator",
    ]
    assert load_team(session, "00001") is None
    assert [t.commune_code for t in list_teams(session)] == ["00097", "19597"]
    assert [s.full_name for s in load_supervisors(session, "44")] == ["Sở Y tế"]
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"export.{suffix}"
        assert export_roster(session, out) == 5  # four contacts and the province supervisor
        result = import_roster(session, parse_roster(out))
        assert (result.created, result.updated, result.unchanged) == (0, 0, 5)
