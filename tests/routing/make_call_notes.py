"""Build tests/routing/call_notes.jsonl: call notes as an operator types them during a call.

Written independently of the finder (nothing here imports routing/, and none of its nickname tables
are used): sentences with the place buried in them, missing or half-typed diacritics, a letter
dropped, changed or swapped, the operators' own abbreviations (x., p., h., tp., tx., tt.), old
district and ward names, 2025 names without a district, villages and hamlets first, the province
first, and notes with no usable place at all (the right outcome is an operator). Part of it is
typed by hand (HANDWRITTEN), the rest combines hand-written note templates with places sampled
across every province. The expected communes always come from the package's official data
(tests/routing/official.py). Run: .venv/bin/python -m tests.routing.make_call_notes
"""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

from tests.routing.official import NewCommune, OldWard, load

OUT = Path(__file__).with_name("call_notes.jsonl")
SEED = 2025

# What operators write around the place. {p} is the place as typed.
NOTES = [
    "Mẹ gọi báo con gái 13t bị hàng xóm sàm sỡ, nhà ở {p}, đã báo CA xã nhưng chưa thấy xử lý",
    "bé trai khoảng 8 tuổi bị bố dượng đánh bầm tím, hàng xóm gọi. ĐC: {p}",
    "Cô giáo chủ nhiệm báo hs lớp 6 nghỉ học 2 tuần, nghi bị gia đình cho đi làm thuê. Nhà em ở {p}",
    "NGƯỜI GỌI GIẤU TÊN. Trẻ bị bỏ đói, nhốt trong nhà. Địa chỉ {p}",
    "chau be o {p} bi me ke danh, nguoi goi la ba noi",
    "Bà ngoại gọi: cháu 15t bỏ nhà đi 3 ngày, nghi bị dụ đi làm ở quán karaoke. Gia đình ở {p}.",
    "{p} - có bé gái bị người lạ dụ lên xe, người dân giữ lại được, cần hỗ trợ gấp",
    "Hàng xóm nghe tiếng trẻ khóc thét nhiều đêm liền ({p}), bố hay say rượu",
    "nxr: {p}; trẻ 6t bị bỏ mặc ở nhà 1 mình cả ngày, bố mẹ đi làm xa",
    "Em học sinh tự gọi, nói bị thầy dạy thêm đụng chạm. Em ở {p}, xin giữ bí mật",
    "Người gọi là trưởng thôn, báo 2 anh em mồ côi ở {p} không ai chăm sóc",
    "chị gọi từ {p}, con riêng của chồng bị chồng đánh bằng roi, chị sợ không dám báo CA",
    "Có trẻ bị xích chân trong nhà tại {p}. Người gọi là hàng xóm, đề nghị can thiệp ngay",
    "Bé 4 tuổi bị bỏ rơi ở chợ, người dân đang trông. Chợ thuộc {p}",
    "Phụ huynh báo con bị bạn cùng lớp đánh hội đồng, quay clip tung lên mạng; trường ở {p}",
    "Nghi mua bán trẻ em: có người lạ đến hỏi mua con của một gia đình nghèo ở {p}",
    "{p}. Mẹ bỏ đi, bố nghiện, 3 đứa nhỏ ăn uống thất thường, người gọi là cô ruột",
    "Cuộc gọi từ Zalo: bé gái 11t có dấu hiệu bị xâm hại, gia đình ở {p}, mẹ đang rất hoảng",
    "anh trai goi bao em gai 14t bi nguoi yeu qua mang ru di, nha o {p}",
    "Tổ trưởng tổ dân phố báo trẻ bị đánh, địa chỉ: {p}, gọi lại sđt người báo nếu cần",
    "Bé trai 10t đi bán vé số đêm khuya, bị người lớn thu tiền. Thường ngồi ở {p}",
    "Người gọi nói ở {p}, có ông cụ hàng xóm hay cho tiền rủ các bé gái vào nhà",
    "ĐC nạn nhân: {p}. Nạn nhân 9t, vết bỏng ở tay, mẹ khai do bé nghịch lửa nhưng hàng xóm nghi",
    "trẻ bị ép cưới sớm (15t), gđ ở {p}, nhờ tổng đài can thiệp",
    "Y tá trạm y tế gọi: trẻ sơ sinh bị bỏ trước cổng trạm, {p}",
]
NO_PLACE = [
    "Người gọi không cho địa chỉ, chỉ nói đang ở nhà bà ngoại, con bị bố đánh",
    "bé khóc, nói nhỏ 'cứu con', rồi ngắt máy. Gọi lại không ai nghe",
    "Mẹ gọi hỏi cách nói chuyện với con tuổi dậy thì hay cáu gắt, không có vụ việc",
    "Người gọi hỏi thủ tục nhận con nuôi, tư vấn xong",
    "im lặng 40 giây rồi cúp máy",
    "Gọi nhầm số, xin lỗi",
    "Cháu 12t hỏi về chuyện bị bạn bè tẩy chay trên mạng, tư vấn tâm lý, không cần chuyển",
    "Người gọi báo có trẻ bị đánh nhưng chưa biết địa chỉ cụ thể, hẹn gọi lại sau",
    "Phụ huynh hỏi có được xem điện thoại của con không. Tư vấn kỹ năng",
    "Bé gái nói đang ở nhà trọ gần chỗ bố làm, không biết tên đường",
    "anh ấy đang trên xe khách, thấy một người đàn ông dẫn 2 bé gái có vẻ sợ hãi, chưa rõ xe đi đâu",
    "Người gọi quấy rối, chửi tư vấn viên",
    "Bà nội gọi hỏi quyền nuôi cháu sau khi bố mẹ ly hôn",
    "Trẻ gọi trêu, bấm số bậy",
    "chị hỏi số điện thoại của phòng lao động thương binh xã hội cũ",
    "Người gọi kể con bị bắt nạt ở trường nội trú, không nói tên trường",
    "Có clip trẻ bị bạo hành lan truyền trên Facebook, chưa xác định được nơi quay",
    "Cháu ở với mẹ kế, hay bị mắng, muốn được tư vấn, không cho biết ở đâu",
    "nguoi goi muon phan anh ve quan internet cho tre em choi qua dem, khong noi dia chi",
    "Người báo thấy trẻ ăn xin ở bến xe nhưng không nhớ bến nào",
    "Hỏi về chế độ trợ cấp cho trẻ mồ côi, tư vấn chính sách",
    "Cuộc gọi bị ngắt giữa chừng, chưa kịp lấy thông tin",
    "Mẹ đơn thân hỏi cách xin học bổng cho con, chuyển thông tin",
    "Học sinh hỏi làm gì khi bị thầy giáo phạt quá nặng, tư vấn quyền trẻ em",
    "Người gọi say rượu, nói không rõ",
]
VILLAGES = [
    "thôn 3", "xóm 7", "ấp 2", "tổ 12", "khu phố 5", "thôn Đông", "xóm Trại", "ấp Chợ", "bản Nà Khương",
    "thôn Thượng", "đội 4", "tổ dân phố 9", "số 25 ngõ 40", "hẻm 102", "khu 3", "buôn Ea Tar",
    "xóm Bến", "thôn Hạ", "ấp Mỹ Lợi", "khóm 2", "kp 6", "thôn 10",
]  # fmt: skip
# How operators shorten the type words. The finder's own tables are not consulted.
WARD_WORDS = {
    "Xã": ["xã", "xã", "x.", "x", "X.", "xa"],
    "Phường": ["phường", "phường", "p.", "P.", "p", "phuong", "F."],
    "Thị trấn": ["thị trấn", "tt", "TT.", "tt."],
    "Đặc khu": ["đặc khu"],
}
DISTRICT_WORDS = {
    "Huyện": ["huyện", "huyện", "h.", "H.", "h", "huyen"],
    "Quận": ["quận", "q.", "Q.", "quan"],
    "Thị xã": ["thị xã", "tx", "TX.", "tx."],
    "Thành phố": ["thành phố", "tp", "TP.", "tp."],
}
PROVINCE_WORDS = {"Tỉnh": ["tỉnh", "t.", "tinh"], "Thành phố": ["thành phố", "tp", "TP.", "tp."]}
CITY_SHORT = {"Hồ Chí Minh": ["TP.HCM", "HCM", "Sài Gòn", "tp Hồ Chí Minh"], "Hà Nội": ["HN", "Hà Nội"]}
# Keys next to each other on a phone keyboard, and the vowels people confuse.
NEAR = {
    "a": "s", "e": "r", "i": "o", "o": "i", "u": "y", "y": "u", "d": "s", "h": "j", "n": "m", "g": "h",
    "t": "r", "c": "x", "m": "n", "l": "k", "b": "v", "p": "o", "s": "a", "v": "b", "k": "l", "q": "w",
}

# Typed by hand: (note, answer). The answer names the place on the old map (province, district, ward)
# or on the 2025 map (province, commune); the code comes from the official data.
HANDWRITTEN: list[tuple[str, tuple[str, ...]]] = [
    ("Mẹ báo con bị bố đánh, nhà ở x. Vn Hà, Đông Anh, HN", ("Hà Nội", "Đông Anh", "Vân Hà")),
    ("xã Trung Châ huyện Đan Phượng Hà Nội, bé 7t bị bỏ đói", ("Hà Nội", "Đan Phượng", "Trung Châu")),
    ("Phờng Dịch Vọng, quận Cầu Giấy - hs lớp 8 bị đánh hội đồng", ("Hà Nội", "Cầu Giấy", "Dịch Vọng")),
    ("hang xom bao tre bi nhot, p Hang Bac q Hoan Kiem", ("Hà Nội", "Hoàn Kiếm", "Hàng Bạc")),
    ("Bé gái 12t, thôn Xuân Dục, xã Tiên Dược, Sóc Sơn, Hà Nội", ("Hà Nội", "Sóc Sơn", "Tiên Dược")),
    ("ấp 3 xã Bình Hưg huyện Bình Chánh tp HCM, trẻ bị xâm hại", ("Hồ Chí Minh", "Bình Chánh", "Bình Hưng")),
    ("Phường Linh Trung, TP Thủ Đức: bé trai bị bỏ rơi", ("Hồ Chí Minh", "Thủ Đức", "Linh Trung")),
    ("P.5 Gò Vấp, trẻ bị mẹ kế đánh", ("Hồ Chí Minh", "Gò Vấp", "5")),
    ("Tân Định quận 1 sài gòn, bé bán vé số ban đêm", ("Hồ Chí Minh", "1", "Tân Định")),
    ("p Hoà Khánh Bắc, Liên Chiểu, Đà Nẵng - bé gái bị quấy rối", ("Đà Nẵng", "Liên Chiểu", "Hòa Khánh Bắc")),
    ("xa Hoa Bac huyen Hoa Vang DN, tre bi bo mac", ("Đà Nẵng", "Hòa Vang", "Hòa Bắc")),
    ("TT Tân Phong, Quảng Xương, Thanh Hoá, con bị ép bỏ học", ("Thanh Hóa", "Quảng Xương", "Tân Phong")),
    ("bản Cát Cát xã Tả Van, thị xã Sa Pa, Lào Cai", ("Lào Cai", "Sa Pa", "Tả Van")),
    ("Lũng Cú, Đồng Văn, Hà Giang: 2 em bé bị dụ sang biên giới", ("Hà Giang", "Đồng Văn", "Lũng Cú")),
    ("phường Núi Sam TP Châu Đốc, An Giang", ("An Giang", "Châu Đốc", "Núi Sam")),
    ("Số 12 đường Lê Lợi, Xã Tân Hưng Đông, Huyện Cái Nước, Cà Mau", ("Cà Mau", "Cái Nước", "Tân Hưng Đông")),
    ("x. Gành Dầu, Phú Quốc, Kiên Giang - trẻ bị bóc lột lao động", ("Kiên Giang", "Phú Quốc", "Gành Dầu")),
    ("xã Phú Túc huyện Châu Thành tỉnh Bến Tre", ("Bến Tre", "Châu Thành", "Phú Túc")),
    ("thôn Tân Xuân, xã Cam Thành, huyện Cam Lộ, Quảng Trị", ("Quảng Trị", "Cam Lộ", "Cam Thành")),
    ("Quảng Trị, huyện Cam Lộ, xã Cam Thàh", ("Quảng Trị", "Cam Lộ", "Cam Thành")),
    ("bé ở xã Cam Lộ tỉnh Quảng Trị, bố đánh", ("Quảng Trị", "Cam Lộ")),
    ("Phường Hồng Hà, Hà Nội, trẻ lang thang", ("Hà Nội", "Hồng Hà")),
    ("xã Tây Hòa, Đắk Lắk (Phú Yên cũ) - trẻ bị bạo hành", ("Đắk Lắk", "Tây Hòa")),
    ("P. Lương Văn Tri, Lạng Sơn", ("Lạng Sơn", "Lương Văn Tri")),
    ("phường Hồng Bàng, Hải Phòng, hs bị đánh", ("Hải Phòng", "Hồng Bàng")),
    ("Nhà ở phường Dịch Vọng Hậu, Cầu Giấy, Hà Nội", ("Hà Nội", "Cầu Giấy", "Dịch Vọng Hậu")),
    ("xóm 5 xã Nghi Thạch, h Nghi Lộc, Nghệ An", ("Nghệ An", "Nghi Lộc", "Nghi Thạch")),
    ("TT Diễn Châu, huyện Diễn Châu, Nghệ An", ("Nghệ An", "Diễn Châu", "Diễn Thành")),
    ("thị trấn Phong Điền, huyện Phong Điền, Cần Thơ", ("Cần Thơ", "Phong Điền", "Phong Điền")),
]


def strip_accents(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def typo(rng: random.Random, name: str) -> str:
    """One slip of the finger in one word of at least 3 letters: a letter dropped, changed or swapped."""
    words = name.split(" ")
    options = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
    if not options:
        return name
    i = rng.choice(options)
    word = words[i]
    for _ in range(10):
        op = rng.choice(["drop", "drop", "change", "swap"])
        pos = rng.randrange(1, len(word)) if op != "swap" else rng.randrange(1, len(word) - 1)
        if op == "drop":
            new = word[:pos] + word[pos + 1 :]
        elif op == "change":
            base = strip_accents(word[pos]).lower()
            new = word[:pos] + NEAR.get(base, "a") + word[pos + 1 :]
        else:
            new = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
        if new != word and strip_accents(new).lower() != strip_accents(word).lower():
            words[i] = new
            return " ".join(words)
    return name


def half_accents(rng: random.Random, text: str) -> str:
    """Fast typing: some words keep their accents, some do not."""
    return " ".join(w if rng.random() < 0.5 else strip_accents(w) for w in text.split(" "))


def typed_unit(rng: random.Random, full: str, short: str, words: dict[str, list[str]], bare: float) -> str:
    """"Huyện Cam Lộ" as typed: "huyện Cam Lộ", "h. Cam Lộ", "H Cam Lộ" or just "Cam Lộ"."""
    kind = full[: len(full) - len(short)].strip()
    if rng.random() < bare or kind not in words:
        return short
    word = rng.choice(words[kind])
    return f"{word}{'' if word.endswith('.') and rng.random() < 0.5 else ' '}{short}"


def typed_province(rng: random.Random, full: str, short: str) -> str:
    if short in CITY_SHORT and rng.random() < 0.5:
        return rng.choice(CITY_SHORT[short])
    return typed_unit(rng, full, short, PROVINCE_WORDS, 0.6)


def finish(rng: random.Random, parts: list[str], *, typo_first: bool) -> str:
    """Join the parts of an address the way a hurried operator does."""
    if typo_first and rng.random() < 0.3:
        parts[0] = typo(rng, parts[0])
    sep = rng.choice([", ", ", ", " ", " - ", ","])
    text = sep.join(p for p in parts if p)
    style = rng.random()
    if style < 0.25:
        text = strip_accents(text)
    elif style < 0.4:
        text = half_accents(rng, text)
    if rng.random() < 0.2:
        text = text.lower()
    return text


def old_place(rng: random.Random, w: OldWard) -> str:
    ward = typed_unit(rng, w.ward, w.ward_short, WARD_WORDS, 0.25)
    district = typed_unit(rng, w.district, w.district_short, DISTRICT_WORDS, 0.35)
    if rng.random() < 0.1:
        district = typo(rng, district)
    province = "" if rng.random() < 0.06 else typed_province(rng, w.province, w.province_short)
    if province and rng.random() < 0.15:  # callers also name the 2025 province with the old district
        province = typed_province(rng, w.new_province, w.new_province.split(" ", 1)[1])
    parts = [ward, district, province]
    if rng.random() < 0.1:
        parts.reverse()
    elif rng.random() < 0.35:
        parts.insert(0, rng.choice(VILLAGES))
        place = finish(rng, parts[1:], typo_first=True)
        return f"{parts[0]} {place}" if rng.random() < 0.5 else f"{parts[0]}, {place}"
    return finish(rng, parts, typo_first=parts[0] == ward)


def new_place(rng: random.Random, c: NewCommune) -> str:
    ward = typed_unit(rng, c.ward, c.ward_short, WARD_WORDS, 0.2)
    roll = rng.random()
    if roll < 0.05:
        province = ""
    elif roll < 0.2 and c.old_provinces:
        province = rng.choice(c.old_provinces)  # "Phú Yên" for a commune now in Đắk Lắk
    else:
        province = typed_province(rng, c.province, c.province_short)
    parts = [ward, province]
    if rng.random() < 0.3:
        return f"{rng.choice(VILLAGES)}, {finish(rng, parts, typo_first=True)}"
    return finish(rng, parts, typo_first=True)


def by_province(items: list, key) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Round-robin over provinces, so that every province is in the sample."""
    groups: dict[str, list] = {}  # type: ignore[type-arg]
    for item in items:
        groups.setdefault(key(item), []).append(item)
    order = sorted(groups)
    return [groups[p][i % len(groups[p])] for i in range(max(map(len, groups.values()))) for p in order]


def main() -> None:
    rng = random.Random(SEED)
    official = load()
    lines: list[dict[str, object]] = []
    for note, answer in HANDWRITTEN:
        if len(answer) == 3:
            expected = list(official.old(*answer).expected)
        else:
            expected = [official.new(*answer).code]
        lines.append({"text": note, "expected": expected, "kind": "handwritten", "district": len(answer) == 3})
    shuffled_old = rng.sample(official.old_wards, len(official.old_wards))
    whole = by_province([w for w in shuffled_old if not w.divided], lambda w: w.new_province)
    split = by_province([w for w in shuffled_old if w.divided], lambda w: w.new_province)
    new = by_province(rng.sample(official.new_communes, len(official.new_communes)), lambda c: c.province)
    for kind, wards, count in (("old", whole, 150), ("old_split", split, 40)):
        for w in wards[:count]:
            text = rng.choice(NOTES).format(p=old_place(rng, w))
            lines.append({"text": text, "expected": list(w.expected), "kind": kind, "district": True})
    for c in new[:110]:
        text = rng.choice(NOTES).format(p=new_place(rng, c))
        lines.append({"text": text, "expected": [c.code], "kind": "new", "district": False})
    for note in NO_PLACE:
        lines.append({"text": note, "expected": [], "kind": "no_place", "district": False})
    with OUT.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{len(lines)} notes -> {OUT}")


if __name__ == "__main__":
    main()
