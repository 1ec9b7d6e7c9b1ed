"""Roster files: parsing, validation with line numbers, phones, and export in the same shape."""

from pathlib import Path

from openpyxl import Workbook

from routing.roles import parse_role
from routing.roster import RosterRow, normalize_phone, parse_roster, write_roster

GOOD = """DANH SÁCH CỘNG TÁC VIÊN XÃ CAM LỘ
Xã,Tỉnh,Họ và tên,Thôn,Số điện thoại,Vai trò,Thứ tự,Ghi chú
Xã Cam Lộ,Quảng Trị,Nguyễn Văn A,Tân Xuân,0912 345 678,Cán bộ bảo vệ trẻ em,,
cam lo,quang tri,Trần Thị B,Thôn 3,+84 912345679,,,trực tối
19597,,Lê Văn C,,0912345680,công an xã,5,
"""


def write(tmp_path: Path, text: str, name: str = "roster.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_phones_to_e164() -> None:
    assert normalize_phone("0912 345 678") == "+84912345678"
    assert normalize_phone("+84 912345678") == "+84912345678"
    assert normalize_phone("12345") is None
    assert normalize_phone("abc") is None


def test_roles() -> None:
    assert parse_role("Chủ tịch UBND xã") == "commune_chair"
    assert parse_role("TRẠM Y TẾ") == "health_station"
    assert parse_role("commune police") == "commune_police"
    assert parse_role("thủ quỹ") is None


def test_good_file_with_title_line(tmp_path: Path) -> None:
    parsed = parse_roster(write(tmp_path, GOOD, encoding="utf-8-sig"))
    assert parsed.errors == ()
    a, b, c = parsed.rows
    assert (a.commune_code, a.phone, a.role, a.chain_order) == (
        "19597",
        "+84912345678",
        "child_protection_officer",
        10,
    )
    assert (b.role, b.chain_order, b.village, b.note) == ("village_collaborator", 50, "Thôn 3", "trực tối")
    assert (c.commune_code, c.role, c.chain_order, c.province_name) == (
        "19597",
        "commune_police",
        5,
        "Tỉnh Quảng Trị",
    )
    assert a.line == 3


def test_english_headers(tmp_path: Path) -> None:
    text = "commune,province,name,village,phone,role,order,note\nCam Lộ,Quảng Trị,X,,0912345678,chair,,\n"
    parsed = parse_roster(write(tmp_path, text))
    assert parsed.ok and parsed.rows[0].role == "commune_chair"


def test_an_order_that_is_no_whole_number_is_a_listed_problem(tmp_path: Path) -> None:
    text = "commune,province,name,village,phone,role,order,note\nCam Lộ,Quảng Trị,X,,0912345678,chair,²,\n"
    parsed = parse_roster(write(tmp_path, text))
    assert not parsed.ok and "order must be a whole number" in parsed.errors[0].en


def test_bad_rows_have_line_numbers_and_reasons(tmp_path: Path) -> None:
    text = (
        "Xã,Tỉnh,Họ và tên,Thôn,Số điện thoại,Vai trò\n"
        "Cam Lộ,Quảng Trị,A,,0912345678,\n"
        "Không Có,Quảng Trị,B,,0912345679,\n"
        "Cam Lộ,Quảng Trị,,,0912345670,\n"
        "Cam Lộ,Quảng Trị,D,,12,\n"
        "Cam Lộ,Quảng Trị,E,,0912345678,\n"
        "Cam Lộ,Quảng Trị,F,,0912345671,thủ quỹ\n"
        "Cam Lộ,,G,,0912345672,\n"
    )
    parsed = parse_roster(write(tmp_path, text))
    assert [r.line for r in parsed.rows] == [2]
    assert [e.line for e in parsed.errors] == [3, 4, 5, 6, 7, 8]
    reasons = [e.vi for e in parsed.errors]
    assert "không có xã" in reasons[0]
    assert "họ và tên" in reasons[1]
    assert "điện thoại" in reasons[2]
    assert "trùng" in reasons[3]
    assert "vai trò" in reasons[4]
    assert "tỉnh" in reasons[5]
    assert "line 3" in str(parsed.errors[0])


def test_missing_header(tmp_path: Path) -> None:
    parsed = parse_roster(write(tmp_path, "a,b\n1,2\n"))
    assert not parsed.ok and parsed.errors[0].line == 1


def test_xlsx_round_trip(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Họ và tên", "Thôn", "Số điện thoại", "Ghi chú", "Xã", "Tỉnh"])
    sheet.append(["Nguyễn Văn A", "Tân Xuân", 912345678, None, "Xã Cam Lộ", "Tỉnh Quảng Trị"])
    path = tmp_path / "in.xlsx"
    book.save(path)
    parsed = parse_roster(path)
    assert parsed.ok and parsed.rows[0].phone == "+84912345678"
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"out.{suffix}"
        assert write_roster(parsed.rows, out) == 1
        again = parse_roster(out)
        assert again.ok
        assert [_same(r) for r in again.rows] == [_same(r) for r in parsed.rows]


def _same(row: RosterRow) -> tuple[str, ...]:
    return (row.commune_code, row.full_name, row.village, row.phone, row.role, str(row.chain_order), row.note)


def test_a_bad_row_lists_every_problem_and_supervisors_need_only_a_province(tmp_path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "Xã,Tỉnh,Họ và tên,Thôn,Số điện thoại,Vai trò,Thứ tự,Ghi chú\n"
        "Xã Cam Lộ,Quảng Trị,,,12,Phó thủ tướng,x,\n"
        ",Quảng Trị,Giám sát Sở Y tế,,0233 3852 111,Giám sát tỉnh,,\n"
        ",,Giám sát không tỉnh,,0233 3852 112,Giám sát tỉnh,,\n",
        encoding="utf-8",
    )
    parsed = parse_roster(path)
    first, third = parsed.errors
    assert first.line == 2 and first.vi.count(";") == 3  # role, name, phone, order: all at once
    assert third.line == 4 and "tỉnh" in third.vi
    (supervisor,) = parsed.rows
    assert (supervisor.role, supervisor.province_code, supervisor.commune_code) == ("province_supervisor", "44", "")
