"""`hotline services import|list|show` on the test database: all or nothing, re-import changes nothing."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from intake.cli import app
from tests.integration.test_referrals import DIRECTORY


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_import_list_show_and_a_bad_file(db, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(DIRECTORY + "Trạm y tế xã Cam Lộ,xã,Quảng Trị,Cam Lộ,không có,,Ai Đó,0919 000 111,\n",
                   encoding="utf-8")
    code, out, err = _run("services", "import", str(bad))
    assert code == 1 and "dòng 6" in err and "Chưa nhập gì" in err
    assert _run("services", "list")[1].strip() == ""
    good = tmp_path / "good.csv"
    good.write_text(DIRECTORY, encoding="utf-8")
    code, out, _ = _run("services", "import", str(good))
    assert code == 0 and "Thêm 2" in out
    code, out, _ = _run("services", "import", str(good))
    assert code == 0 and "Thêm 0, cập nhật 0, giữ nguyên 2" in out
    listed = _run("services", "list")[1]
    assert "Công an xã Cam Lộ" in listed and "Khám, chữa bệnh ưu tiên" in listed
    code, out, _ = _run("services", "show", "tram y te xa cam lo")
    assert code == 0 and "Ngô Thị Lý" in out and "7:00-17:00" in out
    assert _run("services", "show", "không có")[0] == 1
