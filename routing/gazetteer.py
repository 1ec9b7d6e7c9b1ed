"""The 2025 map (34 provinces, 3,321 communes), the 10,040 wards before it, and how old maps to new.

Read once, read-only, from the data files shipped with `vietnamadminunits` (never its converter,
which may geocode online). An old ward that was split maps to every new commune that received part
of it: the caller decides, we never guess with coordinates.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from routing.text import fold, tokenize

WARD_TYPE_PREFIXES = ("xa", "phuong", "thitran", "dackhu")
PROVINCE_TYPE_PREFIXES = ("tinh", "thanhpho")
DISTRICT_TYPE_PREFIXES = ("huyen", "quan", "thixa", "thanhpho", "tx", "tp")


def name_key(text: str) -> str:
    """Folded, no spaces, numbers without leading zeros: "Phường 01" and "phuong 1" agree."""
    return "".join(t.text for t in tokenize(text))


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str  # "Tỉnh Quảng Trị"
    short: str  # "Quảng Trị"
    key: str  # "tinhquangtri", the converter's key


@dataclass(frozen=True, slots=True)
class Commune:
    code: str
    name: str  # "Xã Cam Lộ"
    short: str
    kind: str  # "xa" | "phuong" | "dackhu"
    province_code: str
    key: str  # "xacamlo", unique within its province


@dataclass(frozen=True, slots=True)
class LegacyWard:
    key: str  # "tinhquangtri_huyencamlo_xacamthanh"
    name: str  # "Xã Cam Thành"
    short: str
    kind: str  # "xa" | "phuong" | "thitran"
    district: str  # "Huyện Cam Lộ"
    district_key: str  # "tinhquangtri_huyencamlo"
    province: str  # "Tỉnh Quảng Trị" (old province)
    province_key: str
    new_codes: tuple[str, ...]  # every 2025 commune that received part of it; default first
    divided: bool


@dataclass(frozen=True, slots=True)
class LegacyDistrict:
    key: str
    name: str
    short: str
    kind: str  # "huyen" | "quan" | "thixa" | "thanhpho"
    province_key: str
    new_codes: tuple[str, ...]  # 2025 communes that took over some of its wards


@dataclass(frozen=True, slots=True)
class LegacyProvince:
    key: str
    name: str
    short: str
    new_province_code: str


class Gazetteer:
    """All of it in memory (a few MB); lookups are dictionary reads."""

    def __init__(
        self,
        provinces: list[Province],
        communes: list[Commune],
        legacy_provinces: list[LegacyProvince],
        legacy_districts: list[LegacyDistrict],
        legacy_wards: list[LegacyWard],
        aliases: dict[str, list[str]],
    ) -> None:
        self.provinces = {p.code: p for p in provinces}
        self.communes = {c.code: c for c in communes}
        self.legacy_provinces = {p.key: p for p in legacy_provinces}
        self.legacy_districts = {d.key: d for d in legacy_districts}
        self.legacy_wards = {w.key: w for w in legacy_wards}
        # Extra spellings from the dataset (renamed wards, "phuc xa"/"phuc sa"), by entity key/code.
        self.aliases = aliases
        self._by_province_name: dict[tuple[str, str], Commune] = {}
        self._province_by_key: dict[str, Province] = {p.key: p for p in provinces}
        self._province_by_name: dict[str, Province] = {}
        for p in provinces:
            self._province_by_name[name_key(p.short)] = p
            self._province_by_name[name_key(p.name)] = p
        for c in communes:
            self._by_province_name[(c.province_code, name_key(c.name))] = c
            self._by_province_name.setdefault((c.province_code, name_key(c.short)), c)
        self.district_communes: dict[str, set[str]] = defaultdict(set)  # new code -> old district keys
        for d in legacy_districts:
            for code in d.new_codes:
                self.district_communes[code].add(d.key)

    def commune(self, code: str) -> Commune | None:
        return self.communes.get(code.strip().zfill(5)) if code.strip().isdigit() else None

    def province(self, code_or_name: str) -> Province | None:
        text = code_or_name.strip()
        if text.isdigit():
            return self.provinces.get(text.zfill(2))
        return self._province_by_name.get(name_key(text))

    def province_by_key(self, key: str) -> Province:
        return self._province_by_key[key]

    def find_commune(self, name: str, province: str) -> Commune | None:
        """A commune by its name ("Xã Cam Lộ" or "Cam Lộ", any accents) within a province."""
        prov = self.province(province)
        if prov is None:
            return None
        return self._by_province_name.get((prov.code, name_key(name)))


def _data_dir() -> resources.abc.Traversable:
    return resources.files("vietnamadminunits") / "data"


def _kind(type_name: str | None) -> str:
    return fold(type_name or "").replace(" ", "")


def _list(raw: str | None) -> list[str]:
    return list(json.loads(raw)) if raw else []


@lru_cache(maxsize=1)
def province_codes() -> frozenset[str]:
    """The 2025 map's 34 province codes, read alone (without building the whole gazetteer)."""
    conn = sqlite3.connect(f"file:{_data_dir() / 'dataset.db'}?mode=ro", uri=True)
    try:
        return frozenset(str(code).zfill(2) for (code,) in conn.execute(
            "SELECT DISTINCT provinceCode FROM admin_units"))
    finally:
        conn.close()


@lru_cache(maxsize=1)
def load() -> Gazetteer:
    """The gazetteer, built on first use and kept for the life of the process."""
    data = _data_dir()
    converter = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    db_path = str(data / "dataset.db")
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        new_rows = conn.execute(
            "SELECT province, provinceShort, provinceCode, provinceKey, ward, wardShort, wardType,"
            " wardCode, wardKey, wardKeywords FROM admin_units"
        ).fetchall()
        old_rows = conn.execute(
            "SELECT province, provinceShort, provinceKey, district, districtShort, districtType, districtKey,"
            " ward, wardShort, wardType, wardKey, wardKeywords, districtKeywords FROM admin_units_legacy"
        ).fetchall()
    finally:
        conn.close()

    provinces: dict[str, Province] = {}
    communes: list[Commune] = []
    code_by_key: dict[tuple[str, str], str] = {}
    aliases: dict[str, list[str]] = defaultdict(list)
    for prov, prov_short, prov_code, prov_key, ward, ward_short, ward_type, code, ward_key, kws in new_rows:
        provinces.setdefault(prov_code, Province(prov_code, prov, prov_short, prov_key))
        communes.append(Commune(code, ward, ward_short, _kind(ward_type), prov_code, ward_key))
        code_by_key[(prov_key, ward_key)] = code
        aliases[code] = _list(kws)

    new_province_of_old: dict[str, str] = {}
    for new_key, old_keys in converter["DICT_PROVINCE"].items():
        for old_key in old_keys:
            new_province_of_old[old_key] = new_key

    new_codes_of_old: dict[str, list[str]] = defaultdict(list)
    for new_prov, new_wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, olds in new_wards.items():
            for old in olds:
                new_codes_of_old[old].append(code_by_key[(new_prov, new_ward)])
    divided: set[str] = set()
    for new_prov, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in olds.items():
            divided.add(old)
            ordered = sorted(parts, key=lambda part: not part["isDefaultNewWard"])
            new_codes_of_old[old].extend(code_by_key[(new_prov, p["newWardKey"])] for p in ordered)

    province_of_key = {p.key: p for p in provinces.values()}
    legacy_provinces: dict[str, LegacyProvince] = {}
    districts: dict[str, tuple[str, str, str, str]] = {}
    district_codes: dict[str, dict[str, None]] = defaultdict(dict)
    wards: list[LegacyWard] = []
    for row in old_rows:
        prov, prov_short, prov_key, dist, dist_short, dist_type, dist_key = row[:7]
        ward, ward_short, ward_type, ward_key, ward_kws, dist_kws = row[7:]
        new_prov = province_of_key[new_province_of_old[prov_key]]
        legacy_provinces.setdefault(prov_key, LegacyProvince(prov_key, prov, prov_short, new_prov.code))
        full_dist_key = f"{prov_key}_{dist_key}"
        districts.setdefault(full_dist_key, (dist, dist_short, _kind(dist_type), prov_key))
        aliases[full_dist_key] = _list(dist_kws)
        old_key = f"{full_dist_key}_{ward_key or ''}"
        codes = tuple(dict.fromkeys(new_codes_of_old.get(old_key, [])))
        district_codes[full_dist_key].update(dict.fromkeys(codes))
        if ward is None:  # island districts with no wards (Côn Đảo, Lý Sơn...): the district maps whole
            continue
        wards.append(
            LegacyWard(
                old_key, ward, ward_short, _kind(ward_type), dist, full_dist_key, prov, prov_key, codes,
                old_key in divided,
            )
        )
        aliases[old_key] = _list(ward_kws)
    legacy_districts = [
        LegacyDistrict(k, name, short, kind, prov_key, tuple(district_codes[k]))
        for k, (name, short, kind, prov_key) in districts.items()
    ]
    return Gazetteer(
        list(provinces.values()), communes, list(legacy_provinces.values()), legacy_districts, wards, aliases
    )

