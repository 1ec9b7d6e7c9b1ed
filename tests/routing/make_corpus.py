"""Build tests/routing/corpus.jsonl: labelled free-text reports for the location finder.

Expected communes come from the official conversion table (converter_2025.json) and the 2025
list, never from the finder itself. The typo variants (a letter dropped, changed or swapped in the
ward's name while the district and province are right) draw from their own seed, so the lines
before them stay as they were. Run: .venv/bin/python -m tests.routing.make_corpus
"""

from __future__ import annotations

import json
import random
import sqlite3
import unicodedata
from importlib import resources
from pathlib import Path

from tests.routing.make_call_notes import typo

OUT = Path(__file__).with_name("corpus.jsonl")
SEED = 111
TYPO_SEED = 112

SENTENCES = [
    "{a}",
    "Em bé bị bố đánh ở {a}, nhờ tổng đài can thiệp",
    "Có cháu bé bị bỏ rơi tại {a} sáng nay",
    "{a} - mẹ báo con gái bị hàng xóm xâm hại",
    "Tôi là giáo viên, học sinh nhà ở {a} nghỉ học 2 tuần, nghi bị bắt đi làm",
    "địa chỉ: {a}. Người gọi xin giấu tên",
    "SMS: chau be o {a} bi danh, can giup gap",
]
VILLAGES = [
    "Thôn 3",
    "Xóm 2",
    "Ấp Tân Xuân",
    "Bản Na Pheo",
    "Tổ 5",
    "Khu phố 4",
    "thôn Đông",
    "Số 12 đường Lê Lợi",
]
ABBREV = {
    "Xã": "x.",
    "Phường": "P.",
    "Thị trấn": "TT",
    "Huyện": "H.",
    "Quận": "Q.",
    "Thị xã": "TX",
    "Thành phố": "TP",
    "Tỉnh": "",
    "Đặc khu": "đặc khu",
}
NICKNAMES = {
    "Thành phố Hồ Chí Minh": ["TP HCM", "tphcm", "Sài Gòn", "HCM"],
    "Thành phố Hà Nội": ["HN", "Hà Nội"],
}


def strip_accents(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def abbreviate(name: str) -> str:
    for full, short in ABBREV.items():
        if name.startswith(full + " "):
            return (short + " " + name[len(full) + 1 :]).strip()
    return name


def province_variant(rng: random.Random, province: str) -> str:
    if province in NICKNAMES and rng.random() < 0.7:
        return rng.choice(NICKNAMES[province])
    return rng.choice(
        [province, abbreviate(province), province.split(" ", 1)[1] if " " in province else province]
    )


def messy(rng: random.Random, parts: list[str]) -> str:
    style = rng.choice(["no_accents", "abbrev", "no_commas", "lower"])
    if style == "abbrev":
        parts = [abbreviate(p) for p in parts]
    text = (" " if style == "no_commas" else ", ").join(p for p in parts if p)
    if style == "no_accents":
        text = strip_accents(text)
    if style == "lower":
        text = text.lower()
    return text


def main() -> None:
    rng = random.Random(SEED)
    data = resources.files("vietnamadminunits") / "data"
    conv = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    conn = sqlite3.connect(f"file:{data / 'dataset.db'}?mode=ro", uri=True)
    new = conn.execute("SELECT provinceKey, wardKey, wardCode, ward, province FROM admin_units").fetchall()
    old = conn.execute(
        "SELECT provinceKey, districtKey, wardKey, ward, district, province FROM admin_units_legacy"
        " WHERE ward IS NOT NULL"
    ).fetchall()
    conn.close()
    code_of = {(p, w): code for p, w, code, _, _ in new}
    expected_old: dict[str, list[str]] = {}
    for prov, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, olds in wards.items():
            for o in olds:
                expected_old[o] = [code_of[(prov, ward)]]
    for prov, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for o, parts in olds.items():
            expected_old[o] = [code_of[(prov, p["newWardKey"])] for p in parts]
    divided = {o for olds in conv["DICT_PROVINCE_WARD_DIVIDED"].values() for o in olds}

    lines: list[dict[str, object]] = []
    whole = [r for r in old if f"{r[0]}_{r[1]}_{r[2]}" not in divided]
    split = [r for r in old if f"{r[0]}_{r[1]}_{r[2]}" in divided]
    for kind, rows, count in (("old", whole, 160), ("old_split", split, 40)):
        for pk, dk, wk, ward, district, province in rng.sample(rows, count):
            parts = [ward, district, province]
            if kind == "old_split" or rng.random() < 0.3:
                parts.insert(0, rng.choice(VILLAGES))
            text = rng.choice(SENTENCES).format(a=", ".join(parts))
            lines.append({"text": text, "expected": expected_old[f"{pk}_{dk}_{wk}"], "kind": kind})
    for _pk, _wk, code, ward, province in rng.sample(new, 140):
        parts = [ward, province_variant(rng, province) if rng.random() < 0.3 else province]
        if rng.random() < 0.3:
            parts.insert(0, rng.choice(VILLAGES))
        lines.append(
            {"text": rng.choice(SENTENCES).format(a=", ".join(parts)), "expected": [code], "kind": "new"}
        )
    for _pk, _wk, code, ward, province in rng.sample(new, 60):
        parts = [rng.choice(VILLAGES) if rng.random() < 0.5 else "", ward, province_variant(rng, province)]
        lines.append(
            {
                "text": rng.choice(SENTENCES).format(a=messy(rng, parts)),
                "expected": [code],
                "kind": "messy_new",
            }
        )
    for pk, dk, wk, ward, district, province in rng.sample(whole, 60):
        parts = [
            rng.choice(VILLAGES) if rng.random() < 0.5 else "",
            ward,
            district,
            province_variant(rng, province),
        ]
        lines.append(
            {
                "text": rng.choice(SENTENCES).format(a=messy(rng, parts)),
                "expected": expected_old[f"{pk}_{dk}_{wk}"],
                "kind": "messy_old",
            }
        )
    slips = random.Random(TYPO_SEED)
    for pk, dk, wk, ward, district, province in slips.sample(old, 80):
        parts = [typo(slips, ward), district, province_variant(slips, province)]
        if slips.random() < 0.3:
            parts.insert(0, slips.choice(VILLAGES))
        text = slips.choice(SENTENCES).format(a=messy(slips, parts) if slips.random() < 0.4 else ", ".join(parts))
        lines.append({"text": text, "expected": expected_old[f"{pk}_{dk}_{wk}"], "kind": "typo_old"})
    for _pk, _wk, code, ward, province in slips.sample(new, 40):
        parts = [typo(slips, ward), province_variant(slips, province)]
        text = slips.choice(SENTENCES).format(a=messy(slips, parts) if slips.random() < 0.4 else ", ".join(parts))
        lines.append({"text": text, "expected": [code], "kind": "typo_new"})
    with OUT.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{len(lines)} lines -> {OUT}")


if __name__ == "__main__":
    main()
