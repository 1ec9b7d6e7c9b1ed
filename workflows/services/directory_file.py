"""The service directory file: one line a contact of an agency, CSV or XLSX, read and checked whole.

Columns (Vietnamese header names, English aliases accepted): `Cơ sở` (the agency), `Cấp` (xã, tỉnh,
trung ương), `Tỉnh`, `Xã` (a commune agency's 2025 commune, or its code), `Dịch vụ` (codes or names from
the taxonomy, separated by `;`), `Giờ làm việc`, `Họ và tên`, `Số điện thoại`, `Thứ tự`, `Ghi chú`. The
lines of one agency must agree on its services and hours. Pure: a file in, values out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from routing.gazetteer import Gazetteer, load
from routing.roster import RosterError, normalize_phone, spreadsheet_rows
from routing.text import fold
from workflows.services.taxonomy import LEVELS, parse_level, taxonomy

HEADERS = ["Cơ sở", "Cấp", "Tỉnh", "Xã", "Dịch vụ", "Giờ làm việc", "Họ và tên", "Số điện thoại", "Thứ tự",
           "Ghi chú"]
_ALIASES: dict[str, str] = {
    "co so": "agency", "co quan": "agency", "don vi": "agency", "agency": "agency",
    "cap": "level", "level": "level",
    "tinh": "province", "province": "province",
    "xa": "commune", "xa phuong": "commune", "commune": "commune",
    "dich vu": "services", "services": "services",
    "gio lam viec": "hours", "hours": "hours",
    "ho va ten": "name", "ho ten": "name", "name": "name",
    "so dien thoai": "phone", "dien thoai": "phone", "sdt": "phone", "phone": "phone",
    "thu tu": "order", "order": "order",
    "ghi chu": "note", "note": "note",
}  # fmt: skip
REQUIRED = ("agency", "level", "province", "services", "name", "phone")
MAX_ROWS = 20_000
DirectoryError = RosterError


@dataclass(frozen=True, slots=True)
class ContactRow:
    line: int
    full_name: str
    phone: str
    chain_order: int
    note: str


@dataclass(frozen=True, slots=True)
class AgencyRow:
    key: str
    name: str
    level: str
    province_code: str
    commune_code: str
    commune_name: str
    services: tuple[str, ...]
    hours: str
    contacts: tuple[ContactRow, ...]


@dataclass(frozen=True, slots=True)
class DirectoryParse:
    agencies: tuple[AgencyRow, ...]
    errors: tuple[RosterError, ...]
    taxonomy_version: str

    @property
    def ok(self) -> bool:
        return not self.errors


def agency_key(level: str, province_code: str, commune_code: str, name: str) -> str:
    return f"{level}|{province_code}|{commune_code}|{fold(name)}"[:200]


def parse_directory(path: str | Path, *, gazetteer: Gazetteer | None = None) -> DirectoryParse:
    gaz = gazetteer or load()
    tax = taxonomy()
    errors: list[RosterError] = []
    columns: dict[str, int] | None = None
    agencies: dict[str, dict[str, object]] = {}
    contacts: dict[str, list[ContactRow]] = {}
    count = 0
    for line, values in spreadsheet_rows(Path(path)):
        if not any(v.strip() for v in values):
            continue
        if columns is None:
            found = {_ALIASES[f]: i for i, v in enumerate(values) if (f := fold(v)) in _ALIASES}
            if "agency" in found and "phone" in found:
                columns = found
                missing = [f for f in REQUIRED if f not in columns]
                if missing:
                    errors.append(RosterError(line, f"thiếu cột {', '.join(missing)}", f"missing column(s) {missing}"))
                    break
            continue
        count += 1
        if count > MAX_ROWS:
            errors.append(RosterError(line, f"quá {MAX_ROWS} dòng", f"more than {MAX_ROWS} rows"))
            break
        cell = {f: (values[i].strip() if i < len(values) else "") for f, i in columns.items()}
        problems: list[tuple[str, str]] = []
        name = " ".join(cell["agency"].split())
        if not name:
            problems.append(("thiếu tên cơ sở", "agency name missing"))
        level = parse_level(cell["level"])
        if level is None:
            problems.append((f"cấp không rõ «{cell['level']}» (xã, tỉnh, trung ương)",
                             f"unknown level {cell['level']!r} (commune, province, national)"))
        province = gaz.province(cell["province"]) if cell["province"] else None
        if province is None and level != "national":
            problems.append((f"không có tỉnh «{cell['province']}»", f"no province {cell['province']!r}"))
        commune_code = commune_name = ""
        if level == "commune":
            text = cell.get("commune", "")
            commune = (gaz.commune(text) if text.isdigit() else
                       gaz.find_commune(text, cell["province"]) if text and province else None)
            if commune is None:
                problems.append((f"không có xã «{text}» trên bản đồ 2025", f"no 2025 commune {text!r}"))
            else:
                commune_code, commune_name = commune.code, commune.name
        services: list[str] = []
        for word in (w.strip() for w in cell["services"].replace(",", ";").split(";")):
            if not word:
                continue
            service = tax.find(word)
            if service is None:
                problems.append((f"dịch vụ không có trong danh mục «{word}»", f"service not in the taxonomy {word!r}"))
            elif service.code not in services:
                services.append(service.code)
        if not services and not problems:
            problems.append(("thiếu dịch vụ", "no service"))
        person = " ".join(cell["name"].split())
        if not person:
            problems.append(("thiếu họ và tên", "name missing"))
        phone = normalize_phone(cell["phone"])
        if phone is None:
            problems.append((f"số điện thoại không hợp lệ «{cell['phone']}»", "invalid phone number"))
        order = cell.get("order", "")
        if order and not order.isdecimal():
            problems.append((f"thứ tự phải là số «{order}»", "order must be a whole number"))
        if problems or level is None or phone is None:
            errors.append(RosterError(line, "; ".join(p[0] for p in problems), "; ".join(p[1] for p in problems)))
            continue
        province_code = province.code if province is not None else "00"
        key = agency_key(level, province_code, commune_code, name)
        hours = " ".join(cell.get("hours", "").split())
        agency = {"name": name, "level": level, "province_code": province_code, "commune_code": commune_code,
                  "commune_name": commune_name, "services": tuple(sorted(services)), "hours": hours, "line": line}
        first = agencies.setdefault(key, agency)
        if first is not agency and (first["services"], first["hours"]) != (agency["services"], hours):
            errors.append(RosterError(line, f"dịch vụ hoặc giờ làm việc khác dòng {first['line']} của cùng cơ sở",
                                      f"services or hours differ from line {first['line']} of the same agency"))
            continue
        same = next((c for c in contacts.get(key, []) if c.phone == phone), None)
        if same is not None:
            errors.append(RosterError(line, f"trùng số điện thoại với dòng {same.line}",
                                      f"same phone as line {same.line}"))
            continue
        contacts.setdefault(key, []).append(ContactRow(line, person, phone, int(order) if order else 10 * (
            len(contacts.get(key, [])) + 1), cell.get("note", "")))
    if columns is None and not errors:
        errors.append(RosterError(1, "không tìm thấy dòng tiêu đề (Cơ sở, Số điện thoại)", "no header row"))
    rows = tuple(
        AgencyRow(key=key, name=str(a["name"]), level=str(a["level"]), province_code=str(a["province_code"]),
                  commune_code=str(a["commune_code"]), commune_name=str(a["commune_name"]),
                  services=a["services"], hours=str(a["hours"]),  # type: ignore[arg-type]
                  contacts=tuple(contacts.get(key, ())))
        for key, a in agencies.items())
    return DirectoryParse(rows, tuple(errors), tax.version)


def level_label(level: str) -> str:
    return LEVELS.get(level, (level, level))[0]
