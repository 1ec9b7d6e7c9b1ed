"""Build tests/routing/who_is_where.jsonl: texts that say whose place a name is, and the other kinds of
issue 22 item 8.

Written apart from the finder (nothing here imports routing/): hand-written sentences, and the places
put in them drawn from the official data with a fixed seed; the expected communes come from the
package's official tables (tests/routing/official.py), never from the finder. The kinds:

- two_places: the child's place beside someone else's (the reporter's own, "tôi ở…", "gọi từ…",
  "người báo ở…"; a workplace; "chuyển từ A về B"): the child's is the answer.
- child_twice: two different places both said to be the child's ("nhà cháu ở A, chuyện xảy ra ở
  B"): no one can tell, the answer is an operator who is shown both (`ask`).
- landmark: a school or market named after another commune of the province, beside the ward the
  reporter names with its type word ("phường ..."): the ward is the answer.
- telex: the address typed in Telex on a phone whose keyboard did not turn the keys into accents
  ("xax", "huyeenj", "phuwowngf", "Cam Looj").
- special_zone: the island districts that became special zones (đặc khu), on the old map and the new.
- unique: a 2025 commune whose name no other place in the country bears, with no province.

Run: .venv/bin/python -m tests.routing.make_who_is_where
"""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

from tests.routing.make_call_notes import by_province, old_place
from tests.routing.official import NewCommune, OldWard, fold, load

OUT = Path(__file__).with_name("who_is_where.jsonl")
SEED = 22

# {c} is the child's place, {o} someone else's.
TWO_PLACES = [
    "Tôi ở {o}, gọi báo cháu bé ở {c} bị bố đánh nhiều ngày",
    "người báo ở {o}; địa chỉ của trẻ: {c}",
    "Gọi từ {o}. Bé gái 9t, nhà em ở {c}, bị mẹ kế bỏ đói",
    "gia đình mới chuyển từ {o} về {c}, bé trai 6t bị bố dượng đánh",
    "toi o {o}, chau o {c}, chau bi bo roi",
    "Mình ở {o} nhưng cháu sống ở {c}, cháu bị bắt đi làm thuê",
    "Bố cháu làm việc tại {o}, cháu ở {c} với bà nội, bị bà đánh",
    "Người gọi là hàng xóm cũ, tôi ở {o}. Cháu ở {c}, hay bị nhốt trong nhà",
    "Địa chỉ của trẻ: {c}. Người báo ở {o}, xin giấu tên",
    "chị gọi từ {o}, con chị ở {c} với bố, bị bố đánh",
    "Tôi đang ở {o}, thấy bé bị đánh ở {c}, nhờ tổng đài can thiệp",
    "Tôi sống ở {o}. Cháu gái 14t nhà ở {c}, bị ép lấy chồng",
]
CHILD_TWICE = [
    "Nhà cháu ở {a}, chuyện xảy ra ở {b}",
    "bé ở {a}; sự việc xảy ra tại {b}, người gọi không rõ hơn",
]
LANDMARK = [
    "Cháu học trường tiểu học {l}, nhà ở {w}, {p}",
    "bé bán hàng ở chợ {l}, {p}, nhà ở {w}",
    "Học sinh trường THCS {l}, {w}, {p}, bị bạn đánh hội đồng",
    "{w}, {p}: trẻ lang thang gần chợ {l}",
    "Cô giáo trường mầm non {l} báo bé 4t ở {w} có vết bầm, {p}",
]
# The other kinds take the call notes' framing.
NOTES = [
    "bé trai bị bố dượng đánh bầm tím, hàng xóm gọi. ĐC: {p}",
    "Mẹ gọi báo con gái 13t bị hàng xóm sàm sỡ, nhà ở {p}",
    "{p} - có bé gái bị người lạ dụ lên xe, cần hỗ trợ gấp",
    "Trẻ bị bỏ đói, nhốt trong nhà. Địa chỉ {p}",
    "Có trẻ bị xích chân trong nhà tại {p}, đề nghị can thiệp ngay",
]
WARD_TYPE = {"Xã": "xã", "Phường": "phường", "Thị trấn": "thị trấn", "Đặc khu": "đặc khu"}

# The special zones: (province of 2025, name) and how people name them, old and new.
ZONES: list[tuple[str, str, list[str]]] = [
    ("Hồ Chí Minh", "Côn Đảo", ["huyện Côn Đảo, Bà Rịa - Vũng Tàu", "huyen Con Dao", "đặc khu Côn Đảo", "Côn Đảo",
                                "h. Côn Đảo, tỉnh BR-VT", "huyện đảo Côn Đảo"]),
    ("Quảng Ngãi", "Lý Sơn", ["huyện Lý Sơn, Quảng Ngãi", "huyện đảo Lý Sơn", "đặc khu Lý Sơn", "huyen Ly Son",
                              "Lý Sơn, Quảng Ngãi"]),
    ("Lâm Đồng", "Phú Quý", ["huyện Phú Quý, Bình Thuận", "đảo Phú Quý, Bình Thuận", "đặc khu Phú Quý, Lâm Đồng",
                             "huyen Phu Quy", "h. Phú Quý"]),
    ("Quảng Ninh", "Cô Tô", ["huyện Cô Tô, Quảng Ninh", "huyện đảo Cô Tô", "đặc khu Cô Tô", "h Co To Quang Ninh"]),
    ("Quảng Ninh", "Vân Đồn", ["huyện Vân Đồn, Quảng Ninh", "huyện Vân Đồn", "đặc khu Vân Đồn", "huyen Van Don"]),
    ("Hải Phòng", "Bạch Long Vĩ", ["huyện Bạch Long Vĩ, Hải Phòng", "huyện đảo Bạch Long Vĩ", "Bạch Long Vĩ",
                                   "đặc khu Bạch Long Vĩ, HP", "huyen dao Bach Long Vi"]),
    ("Hải Phòng", "Cát Hải", ["huyện Cát Hải, Hải Phòng", "đặc khu Cát Hải"]),
    ("An Giang", "Kiên Hải", ["huyện Kiên Hải, Kiên Giang", "đặc khu Kiên Hải, An Giang"]),
]  # fmt: skip
# Old wards on the islands: (old province, district, ward) as written.
ZONE_WARDS = [
    ("Kiên Giang", "Kiên Hải", "Hòn Tre"), ("Quảng Ninh", "Cô Tô", "Thanh Lân"), ("Quảng Ninh", "Vân Đồn", "Quan Lạn"),
    ("Bình Thuận", "Phú Quí", "Tam Thanh"), ("Quảng Ninh", "Cô Tô", "Đồng Tiến"), ("Hải Phòng", "Cát Hải", "Gia Luận"),
]  # fmt: skip

# Telex keys for each accented letter, and the tone keys.
_LETTER_KEYS = {"â": "aa", "ă": "aw", "ê": "ee", "ô": "oo", "ơ": "ow", "ư": "uw", "đ": "dd"}
_TONE_KEYS = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}


def telex(word: str) -> str:
    """ "Phường" as its Telex keys, "Phuwowngf": letters first, the tone key at the end of the word."""
    tone = ""
    out = []
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONE_KEYS:
            tone = _TONE_KEYS[ch]
        elif unicodedata.combining(ch):
            out[-1] = out[-1] + ch
        else:
            out.append(ch)
    letters = ""
    for ch in out:
        composed = unicodedata.normalize("NFC", ch)
        keys = _LETTER_KEYS.get(composed.lower())
        if keys is None:
            letters += composed
        else:
            letters += keys if composed.islower() else keys[0].upper() + keys[1:]
    return letters + tone


def telex_text(rng: random.Random, text: str, share: float) -> str:
    """Some words typed in Telex: always the type words, a share of the names' words."""
    words = text.split(" ")
    out = []
    for w in words:
        core = w.rstrip(",.;:-")
        if core and (fold(core) in ("xa", "phuong", "huyen", "quan", "tinh", "thi", "tran") or rng.random() < share):
            out.append(telex(core) + w[len(core) :])
        else:
            out.append(w)
    return " ".join(out)


def place_of_new(c: NewCommune, *, province: bool = True) -> str:
    kind = c.ward[: len(c.ward) - len(c.ward_short)].strip()
    typed = f"{WARD_TYPE.get(kind, kind.lower())} {c.ward_short}"
    return f"{typed}, {c.province_short}" if province else typed


def _unique_communes(official: object) -> list[NewCommune]:
    """2025 communes of two words or more whose name no other commune, old ward, old district or province
    bears, unless that old unit went to the same commune."""
    from tests.routing.official import Official

    assert isinstance(official, Official)
    bearers: dict[str, set[str]] = {}
    for c in official.new_communes:
        bearers.setdefault(fold(c.ward_short), set()).add(c.code)
    for w in official.old_wards:
        bearers.setdefault(fold(w.ward_short.split(" (")[0]), set()).update(w.expected)
        bearers.setdefault(fold(w.district_short), set()).update(w.expected)
        bearers.setdefault(fold(w.province_short), set()).add("province")
    for c in official.new_communes:
        bearers.setdefault(fold(c.province_short), set()).add("province")
    return [
        c for c in official.new_communes
        if len(c.ward_short.split()) >= 2 and not c.ward_short.split()[-1].isdigit()
        and bearers[fold(c.ward_short)] == {c.code}
    ]  # fmt: skip


def main() -> None:
    rng = random.Random(SEED)
    official = load()
    lines: list[dict[str, object]] = []
    news = by_province(rng.sample(official.new_communes, len(official.new_communes)), lambda c: c.province)
    olds = by_province(
        rng.sample([w for w in official.old_wards if not w.divided], len(official.old_wards) // 2),
        lambda w: w.new_province,
    )

    def a_place(i: int) -> tuple[str, list[str], bool]:
        """The i-th place: an old address or a 2025 one, as the call notes type them."""
        if i % 2:
            w: OldWard = olds[i]
            return old_place(rng, w), list(w.expected), True
        c = news[i]
        return place_of_new(c), [c.code], False

    # The child's place beside someone else's.
    for i in range(156):
        child, expected, district = a_place(2 * i)
        other, other_codes, _d = a_place(2 * i + 301)
        if set(other_codes) & set(expected):
            continue
        text = TWO_PLACES[i % len(TWO_PLACES)].format(c=child, o=other)
        lines.append({"text": text, "expected": expected, "kind": "two_places", "district": district})
    # Two places, both the child's: an operator, shown both.
    for i in range(20):
        a, b = news[700 + 2 * i], news[701 + 2 * i]
        text = CHILD_TWICE[i % len(CHILD_TWICE)].format(a=place_of_new(a), b=place_of_new(b))
        lines.append({"text": text, "expected": [], "ask": [a.code, b.code], "kind": "child_twice", "district": False})
    # A landmark named after another commune of the province, beside the ward named with its type word.
    by_prov: dict[str, list[NewCommune]] = {}
    for c in official.new_communes:
        if len(c.ward_short.split()) >= 2 and not c.ward_short.split()[-1].isdigit():
            by_prov.setdefault(c.province, []).append(c)
    for i in range(68):
        c = news[900 + i]
        others = [o for o in by_prov.get(c.province, []) if o.code != c.code]
        if not others:
            continue
        landmark = rng.choice(others)
        text = LANDMARK[i % len(LANDMARK)].format(
            l=landmark.ward_short, w=place_of_new(c, province=False), p=c.province_short
        )
        lines.append({"text": text, "expected": [c.code], "kind": "landmark", "district": False})
    lines.append(
        {"text": "Nhà cháu ở phường Tam Thanh, bố mẹ đi làm xa, cháu ở với bà nội, hay bị đánh, đi học ở trường"
         " tiểu học Chi Lăng thành phố Lạng Sơn", "expected": [official.new("Lạng Sơn", "Tam Thanh").code],
         "kind": "landmark", "district": False}
    )  # fmt: skip
    lines.append(
        {"text": "phường Kỳ Lừa, gần chợ Đông Kinh, Lạng Sơn", "expected": [official.new("Lạng Sơn", "Kỳ Lừa").code],
         "kind": "landmark", "district": False}
    )  # fmt: skip
    # Telex leftovers.
    for i in range(100):
        place, expected, district = a_place(1200 + i)
        text = NOTES[i % len(NOTES)].format(p=telex_text(rng, place, 0.3 if i % 3 else 1.0))
        lines.append({"text": text, "expected": expected, "kind": "telex", "district": district})
    # The special zones.
    for province, name, forms in ZONES:
        code = official.new(province, name).code
        for k, form in enumerate(forms):
            text = NOTES[k % len(NOTES)].format(p=form)
            lines.append({"text": text, "expected": [code], "kind": "special_zone", "district": "huy" in fold(form)})
    for k, (province, district, ward) in enumerate(ZONE_WARDS):
        w = official.old(province, district, ward)
        kind = w.ward[: len(w.ward) - len(w.ward_short)].strip().lower()
        text = NOTES[k % len(NOTES)].format(p=f"{kind} {w.ward_short}, huyện {w.district_short}")
        lines.append({"text": text, "expected": list(w.expected), "kind": "special_zone", "district": True})
    # A name unique in the country, with no province.
    uniques = by_province(rng.sample(_unique_communes(official), len(_unique_communes(official))), lambda c: c.province)
    for i, c in enumerate(uniques[:70]):
        text = NOTES[i % len(NOTES)].format(p=place_of_new(c, province=False))
        lines.append({"text": text, "expected": [c.code], "kind": "unique", "district": False})
    with OUT.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{len(lines)} texts -> {OUT}")


if __name__ == "__main__":
    main()
