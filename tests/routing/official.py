"""The official answer key for the routing corpora, read straight from `vietnamadminunits`' data files.

Nothing here imports routing/: the expected communes come from the package's 2025 list and its
old-to-new conversion table, never from the finder that is being measured.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


def fold(text: str) -> str:
    """lowercase, no accents, single spaces, numbers without leading zeros ("Phường 07" = "phuong 7")."""
    text = text.replace("đ", "d").replace("Đ", "d")
    bare = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))
    words = re.findall(r"\w+", bare)
    return " ".join(str(int(w)) if w.isdigit() else w for w in words)


@dataclass(frozen=True, slots=True)
class OldWard:
    key: str
    ward: str  # "Xã Cam Thành"
    ward_short: str
    district: str  # "Huyện Cam Lộ"
    district_short: str
    province: str  # "Tỉnh Quảng Trị" (the old province)
    province_short: str
    new_province: str  # "Tỉnh Quảng Trị" (the 2025 province it now belongs to)
    expected: tuple[str, ...]  # every 2025 commune that received part of it
    divided: bool


@dataclass(frozen=True, slots=True)
class NewCommune:
    code: str
    ward: str  # "Xã Cam Lộ"
    ward_short: str
    province: str
    province_short: str
    old_provinces: tuple[str, ...]  # short names of the old provinces its territory came from


@dataclass(frozen=True, slots=True)
class Official:
    old_wards: list[OldWard]
    new_communes: list[NewCommune]

    def old(self, province: str, district: str, ward: str) -> OldWard:
        """An old ward by its (old) province, district and ward names, any accents."""
        found = [
            w for w in self.old_wards
            if _named(province, w.province, w.province_short)
            and _named(district, w.district, w.district_short)
            and _named(ward, w.ward, w.ward_short)
        ]  # fmt: skip
        if len(found) != 1:
            raise KeyError(f"{ward}, {district}, {province}: {len(found)} matches")
        return found[0]

    def new(self, province: str, ward: str) -> NewCommune:
        """A 2025 commune by its province and name, any accents."""
        found = [
            c for c in self.new_communes
            if _named(province, c.province, c.province_short) and _named(ward, c.ward, c.ward_short)
        ]  # fmt: skip
        if len(found) != 1:
            raise KeyError(f"{ward}, {province}: {len(found)} matches")
        return found[0]


def _named(given: str, full: str, short: str) -> bool:
    """ "7" names "Phường 7", "1" names "Quận 1", "Cam Lộ" names "Huyện Cam Lộ". """
    want = fold(given)
    return want in (fold(full), fold(short)) or (fold(full).endswith(" " + want) and not want.isalpha())


@lru_cache(maxsize=1)
def load() -> Official:
    data = resources.files("vietnamadminunits") / "data"
    conv = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    conn = sqlite3.connect(f"file:{data / 'dataset.db'}?mode=ro", uri=True)
    try:
        new_rows = conn.execute(
            "SELECT provinceKey, wardKey, wardCode, ward, wardShort, province, provinceShort FROM admin_units"
        ).fetchall()
        old_rows = conn.execute(
            "SELECT provinceKey, districtKey, wardKey, ward, wardShort, district, districtShort, province,"
            " provinceShort FROM admin_units_legacy WHERE ward IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    code_of = {(p, w): code for p, w, code, *_ in new_rows}
    new_province_of_key = {p: prov for p, _w, _c, _ward, _ws, prov, _ps in new_rows}
    new_of_old_province: dict[str, str] = {}
    for new_key, old_keys in conv["DICT_PROVINCE"].items():
        for old_key in old_keys:
            new_of_old_province[old_key] = new_province_of_key[new_key]
    expected: dict[str, list[str]] = {}
    for prov, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, olds in wards.items():
            for old in olds:
                expected.setdefault(old, []).append(code_of[(prov, ward)])
    divided: set[str] = set()
    for prov, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in olds.items():
            divided.add(old)
            expected.setdefault(old, []).extend(code_of[(prov, p["newWardKey"])] for p in parts)
    old_wards: list[OldWard] = []
    old_provinces_of: dict[str, set[str]] = {}
    for pk, dk, wk, ward, ward_short, district, district_short, province, province_short in old_rows:
        key = f"{pk}_{dk}_{wk}"
        codes = tuple(dict.fromkeys(expected.get(key, [])))
        if not codes:
            continue
        old_wards.append(
            OldWard(
                key, ward, ward_short, district, district_short, province, province_short,
                new_of_old_province[pk], codes, key in divided,
            )
        )  # fmt: skip
        for code in codes:
            old_provinces_of.setdefault(code, set()).add(province_short)
    new_communes = [
        NewCommune(code, ward, ward_short, prov, prov_short, tuple(sorted(old_provinces_of.get(code, ()))))
        for _p, _w, code, ward, ward_short, prov, prov_short in new_rows
    ]
    return Official(old_wards, new_communes)
