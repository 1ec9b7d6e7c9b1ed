"""A newcomer's first hour with the `hotline` command, after `./dev up` (SQLite, as the demo keeps it)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intake.cli import app

CHECKOUT = Path(__file__).resolve().parents[2]


def _reset() -> None:
    from core.db import reset_engine
    from core.settings import reset_settings

    reset_settings()
    reset_engine()


@pytest.fixture
def demo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """As after `./dev up` with HOTLINE_DEMO_DIR: no HOTLINE_DATABASE_URL set anywhere."""
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("HOTLINE_LANG", raising=False)
    monkeypatch.setenv("HOTLINE_DEMO_DIR", str(tmp_path))
    _reset()
    yield tmp_path
    monkeypatch.undo()
    _reset()


@pytest.fixture
def demo_data(demo_dir: Path) -> Path:
    """What `hotline up` leaves behind: a migrated demo.db with the demo roster."""
    from devtools.demo import import_demo_roster
    from migrations.run import upgrade

    upgrade()
    import_demo_roster()
    return demo_dir


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_the_cli_reads_the_database_the_demo_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.settings import default_database_url

    monkeypatch.delenv("HOTLINE_DEMO_DIR", raising=False)
    assert default_database_url() == f"sqlite:///{CHECKOUT / '.hotline' / 'demo.db'}"  # devtools/demo.py's default
    monkeypatch.setenv("HOTLINE_DEMO_DIR", "/srv/demo")
    assert default_database_url() == "sqlite:////srv/demo/demo.db"


def test_teams_list_and_show_find_the_demo_by_name_or_code(demo_data: Path) -> None:
    code, out, _ = _run("teams", "list")
    assert code == 0 and "19597  Xã Cam Lộ, Tỉnh Quảng Trị" in out and "Traceback" not in out
    for name in ("Xã Cam Lộ", "cam lo", "Cam Lộ, Quảng Trị", "xa cam lo", "19597", "Phường Hồng Bàng"):
        code, out, err = _run("teams", "show", name)
        assert code == 0, (name, err)
        assert ("Cán bộ bảo vệ trẻ em: Nguyễn Thị Hoa" in out) or ("Hồng Bàng" in out)


def test_a_shared_name_lists_the_candidates_and_a_typo_gets_suggestions(demo_data: Path) -> None:
    code, _, err = _run("teams", "show", "Tân Thành")
    assert code == 2 and "xã/phường tên “Tân Thành”" in err and "ghi thêm tỉnh" in err
    assert err.count("Tân Thành,") >= 5
    code, _, err = _run("teams", "show", "Tân Thành, Tây Ninh")
    assert code == 1 and "chưa có đội" in err  # one commune, no team
    code, _, err = _run("teams", "show", "Cam Loo")
    assert code == 1 and "Không tìm thấy" in err and "19597  Xã Cam Lộ" in err


def test_messages_are_vietnamese_and_english_on_request(demo_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, out, _ = _run("teams", "list")
    assert "người)" in out and "contact" not in out
    monkeypatch.setenv("HOTLINE_LANG", "en")
    _, out, _ = _run("teams", "show", "Cam Lộ")
    assert "Child protection officer: Nguyễn Thị Hoa" in out
    code, _, err = _run("teams", "show", "Cam Loo")
    assert code == 1 and "No commune is named" in err and "Không" not in err


def test_no_database_yet_says_what_to_run_and_creates_nothing(demo_dir: Path) -> None:
    for args in (("teams", "list"), ("teams", "show", "Cam Lộ"), ("teams", "export", str(demo_dir / "x.csv"))):
        code, out, err = _run(*args)
        assert code == 1 and "hotline migrate" in err and "./dev up" in err and "Traceback" not in out + err
        assert "Chưa có cơ sở dữ liệu" in err
    code, out, err = _run("route", "--json", "xã Cam Lộ, Quảng Trị")
    assert code == 0 and json.loads(out)["team"] is None and json.loads(out)["candidates"][0]["commune_code"] == "19597"
    assert "hotline migrate" in err
    assert not (demo_dir / "demo.db").exists()


def test_migrate_says_where_and_then_the_directory_answers(demo_dir: Path) -> None:
    code, out, _ = _run("migrate")
    assert code == 0 and out.startswith("Đã tạo hoặc cập nhật các bảng trong sqlite:///") and "demo.db" in out
    code, out, _ = _run("teams", "list")
    assert code == 0 and "Chưa có đội nào" in out


def test_a_database_without_tables_says_what_to_run(demo_dir: Path) -> None:
    sqlite3.connect(demo_dir / "demo.db").close()  # an empty file, as the old `hotline route` left behind
    code, out, err = _run("teams", "list")
    assert code == 1 and "chưa có bảng" in err and "hotline migrate" in err and "no such table" not in out + err
    code, out, _ = _run("route", "xã Cam Lộ, Quảng Trị")
    assert code == 0 and "đội: —" in out


def test_a_flagged_number_shows_under_its_person_and_can_be_cleared(demo_data: Path) -> None:
    from datetime import UTC, datetime

    from core.db import unit_of_work
    from notifier.recipient_flags import find_flag, flag

    _, out, _ = _run("teams", "show", "Cam Lộ")
    phone = next(line.split()[-1] for line in out.splitlines() if "Nguyễn Thị Hoa" in line)
    with unit_of_work() as uow:
        flag(uow.session, phone=phone, channel="sms", reason="landline", error_code=21614,
             now=datetime(2026, 11, 20, 8, 30, tzinfo=UTC), outbox_id=None)
        uow.commit()
    _, out, _ = _run("teams", "show", "Cam Lộ")
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "Nguyễn Thị Hoa" in line)
    assert "sms bị bỏ qua từ 20/11/2026 08:30: số cố định, không nhận SMS" in lines[at + 1]
    assert f"hotline teams unflag {phone}" in lines[at + 1]
    assert _run("teams", "unflag", phone)[0] == 0
    with unit_of_work() as uow:
        assert find_flag(uow.session, phone, "sms") is None
    _, out, _ = _run("teams", "show", "Cam Lộ")
    assert "bị bỏ qua" not in out
    code, _, err = _run("teams", "unflag", phone)
    assert code == 1 and "không bị gắn cờ" in err


def test_the_demo_makes_a_supervisor_for_the_board_with_a_new_password_each_start(demo_data: Path) -> None:
    from core.db import UnitOfWork
    from devtools.demo import demo_password
    from intake.people.users import list_users

    first = demo_password("demo-supervisor", "shift_lead", "Trưởng ca (chạy thử)", line="111")
    again = demo_password("demo-supervisor", "shift_lead", "Trưởng ca (chạy thử)", line="111")
    assert first and again and first != again
    lead = next(u for u in list_users(UnitOfWork()) if u.username == "demo-supervisor")
    assert (lead.role, lead.line) == ("shift_lead", "111")
