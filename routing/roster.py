"""The commune roster file (the form: Họ và tên, Thôn, Số điện thoại, Ghi chú, plus Xã, Tỉnh, Vai trò,
Thứ tự): read and validate the whole file before anything is stored; write it back in the same shape.

Pure: files in, values out. Storing is routing.directory's job.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
from openpyxl import Workbook, load_workbook

from routing.gazetteer import Gazetteer, load
from routing.roles import DEFAULT_ROLE, LINE_CODE, LINE_NAME, ROLES, SHIFT_LEAD, SUPERVISOR, parse_role
from routing.text import fold

HEADERS = ["Xã", "Tỉnh", "Họ và tên", "Thôn", "Số điện thoại", "Vai trò", "Thứ tự", "Ghi chú"]
FIELDS = ["commune", "province", "name", "village", "phone", "role", "order", "note"]
_ALIASES: dict[str, str] = {
    "xa": "commune", "xa phuong": "commune", "ma xa": "commune", "commune": "commune",
    "commune code": "commune", "ward": "commune",
    "tinh": "province", "tinh thanh pho": "province", "tinh thanh": "province", "province": "province",
    "ho va ten": "name", "ho ten": "name", "name": "name", "full name": "name",
    "thon": "village", "thon to": "village", "thon xom": "village", "village": "village",
    "so dien thoai": "phone", "dien thoai": "phone", "sdt": "phone", "phone": "phone",
    "vai tro": "role", "chuc vu": "role", "role": "role",
    "thu tu": "order", "order": "order", "chain order": "order",
    "ghi chu": "note", "note": "note", "notes": "note",
}  # fmt: skip
REQUIRED = ("commune", "name", "phone")
MAX_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class RosterRow:
    line: int
    commune_code: str
    commune_name: str
    province_code: str
    province_name: str
    full_name: str
    village: str
    phone: str  # E.164
    role: str
    chain_order: int
    note: str


@dataclass(frozen=True, slots=True)
class RosterError:
    line: int
    vi: str
    en: str

    def __str__(self) -> str:
        return f"dòng {self.line}: {self.vi} / line {self.line}: {self.en}"


@dataclass(frozen=True, slots=True)
class RosterParse:
    rows: tuple[RosterRow, ...]
    errors: tuple[RosterError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def normalize_phone(raw: str) -> str | None:
    """E.164 for a Vietnamese number as people write it ("0912 345 678", "+84 912345678"); None if invalid."""
    try:
        number = phonenumbers.parse(raw.strip(), "VN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def spreadsheet_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number as the user sees it, cell texts) for each row of a CSV or XLSX file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            for number, values in enumerate(book.active.iter_rows(values_only=True), start=1):
                yield number, ["" if v is None else _cell_text(v) for v in values]
        finally:
            book.close()
        return
    with path.open(encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(fh, dialect)
        for values in reader:
            yield reader.line_num, values


def _cell_text(value: object) -> str:
    # Excel turns "0912345678" into the number 912345678 and 3 into 3.0.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _header_map(values: list[str]) -> dict[str, int] | None:
    found = {_ALIASES[f]: i for i, v in enumerate(values) if (f := fold(v)) in _ALIASES}
    return found if "name" in found and "phone" in found else None


def count_lines(path: str | Path) -> int:
    """How many lines the file has (the length of a progress bar)."""
    return sum(1 for _ in spreadsheet_rows(Path(path)))


def parse_roster(
    path: str | Path, *, gazetteer: Gazetteer | None = None, on_line: Callable[[], None] | None = None
) -> RosterParse:
    """Every row checked; errors carry the file's line number and a reason in Vietnamese and English."""
    gaz = gazetteer or load()
    rows: list[RosterRow] = []
    errors: list[RosterError] = []
    columns: dict[str, int] | None = None
    seen: dict[tuple[str, str], int] = {}
    for line, values in spreadsheet_rows(Path(path)):
        if on_line is not None:
            on_line()
        if not any(v.strip() for v in values):
            continue
        if columns is None:  # the form may have title lines above its header
            columns = _header_map(values)
            if columns is not None:
                missing = [HEADERS[FIELDS.index(f)] for f in REQUIRED if f not in columns]
                if missing:
                    errors.append(
                        RosterError(line, f"thiếu cột {', '.join(missing)}", f"missing column(s) {missing}")
                    )
                    break
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(RosterError(line, f"quá {MAX_ROWS} dòng", f"more than {MAX_ROWS} rows"))
            break
        cell = {f: (values[i].strip() if i < len(values) else "") for f, i in columns.items()}
        row, error = _check_row(gaz, line, cell)
        if error:
            errors.append(error)
            continue
        assert row is not None
        key = (row.commune_code, row.phone)
        if key in seen:
            errors.append(
                RosterError(
                    line, f"trùng số điện thoại với dòng {seen[key]}", f"same phone as line {seen[key]}"
                )
            )
            continue
        seen[key] = line
        rows.append(row)
    if columns is None and not errors:
        errors.append(
            RosterError(1, "không tìm thấy dòng tiêu đề (Họ và tên, Số điện thoại)", "no header row")
        )
    return RosterParse(tuple(rows), tuple(errors))


def _check_row(
    gaz: Gazetteer, line: int, cell: dict[str, str]
) -> tuple[RosterRow | None, RosterError | None]:
    """The row, or every problem it has at once (so a whole file is fixed in one pass)."""
    problems: list[tuple[str, str]] = []
    role = parse_role(cell["role"]) if cell.get("role") else DEFAULT_ROLE
    if role is None:
        problems.append((f"vai trò không rõ «{cell['role']}»", f"unknown role {cell['role']!r}"))
    place = (_line_place(cell, problems) if role == SHIFT_LEAD
             else _place(gaz, cell, supervisor=role == SUPERVISOR, problems=problems))
    name = " ".join(cell.get("name", "").split())
    if not name:
        problems.append(("thiếu họ và tên", "name missing"))
    phone = normalize_phone(cell.get("phone", ""))
    if phone is None:
        problems.append((f"số điện thoại không hợp lệ «{cell.get('phone', '')}»", "invalid phone number"))
    order_text = cell.get("order", "")
    if order_text and not order_text.isdecimal():  # not isdigit: "²" is a digit int() cannot read
        problems.append((f"thứ tự phải là số «{order_text}»", "order must be a whole number"))
    if problems or place is None or role is None or phone is None:
        return None, RosterError(line, "; ".join(p[0] for p in problems), "; ".join(p[1] for p in problems))
    commune_code, commune_name, province_code, province_name = place
    return RosterRow(
        line=line,
        commune_code=commune_code,
        commune_name=commune_name,
        province_code=province_code,
        province_name=province_name,
        full_name=name,
        village=cell.get("village", ""),
        phone=phone,
        role=role,
        chain_order=int(order_text) if order_text else ROLES[role].default_order,
        note=cell.get("note", ""),
    ), None


def _line_place(cell: dict[str, str], problems: list[tuple[str, str]]) -> tuple[str, str, str, str] | None:
    """A shift lead works for the line, not a commune or a province: Xã blank, Tỉnh blank or «Tổng đài 111»."""
    province = fold(cell.get("province", ""))
    if cell.get("commune", "").strip() or province not in ("", "111", fold(LINE_NAME)):
        problems.append(("trưởng ca thuộc tổng đài: để trống Xã và Tỉnh (hoặc Tỉnh «Tổng đài 111»)",
                         "a shift lead belongs to the line: leave Xã and Tỉnh blank (or Tỉnh 'Tổng đài 111')"))
        return None
    return "", "", LINE_CODE, LINE_NAME


def _place(
    gaz: Gazetteer, cell: dict[str, str], *, supervisor: bool, problems: list[tuple[str, str]]
) -> tuple[str, str, str, str] | None:
    """(commune code, commune, province code, province); a supervisor has a province and no commune."""
    commune_text, province_text = cell.get("commune", ""), cell.get("province", "")
    if supervisor and not commune_text:
        province = gaz.province(province_text) if province_text else None
        if province is None:
            problems.append((f"giám sát tỉnh cần tỉnh đúng «{province_text}»", "a supervisor needs a province"))
            return None
        return "", "", province.code, province.name
    if not commune_text:
        problems.append(("thiếu tên xã", "commune missing"))
        return None
    if commune_text.isdigit():
        commune = gaz.commune(commune_text)
    elif not province_text:
        problems.append((f"thiếu tỉnh cho xã «{commune_text}»", f"province missing for commune {commune_text!r}"))
        return None
    else:
        commune = gaz.find_commune(commune_text, province_text)
    if commune is None:
        problems.append((f"không có xã «{commune_text}» trên bản đồ 2025 ({province_text or 'mã xã'})",
                         f"no 2025 commune {commune_text!r} in {province_text or 'the codes'}"))
        return None
    province = gaz.provinces[commune.province_code]
    return commune.code, commune.name, province.code, province.name


def roster_records(rows: Iterable[RosterRow]) -> list[list[str]]:
    """The table as written to a file: the header, then one line a contact."""
    table = [list(HEADERS)]
    for r in rows:
        role = ROLES[r.role].vi if r.role in ROLES else r.role
        table.append(
            [
                r.commune_name,
                r.province_name,
                r.full_name,
                r.village,
                r.phone,
                role,
                str(r.chain_order),
                r.note,
            ]
        )
    return table


def write_roster(rows: Iterable[RosterRow], path: str | Path) -> int:
    """CSV (utf-8 with BOM, so Excel shows the accents) or XLSX by the file's suffix; the number of rows."""
    target = Path(path)
    table = roster_records(rows)
    if target.suffix.lower() == ".xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Danh sách"
        for values in table:
            sheet.append(values)
        book.save(target)
    else:
        with target.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(table)
    return len(table) - 1
