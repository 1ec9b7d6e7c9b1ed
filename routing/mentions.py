"""Names in free text: the dictionary of every place name, and the words that announce one.

Every run of up to six words is looked up (folded, spaces removed) in a dictionary built once from
the gazetteer: 2025 communes, old wards, old districts, provinces old and new, with the dataset's
own keywords. A name found is a mention; the type word in front of it ("xã", "huyện", "tp") and
whether it sits in the village or street part of an address are noted for the scorer.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache

from routing import fuzzy
from routing.gazetteer import (
    DISTRICT_TYPE_PREFIXES,
    PROVINCE_TYPE_PREFIXES,
    WARD_TYPE_PREFIXES,
    Gazetteer,
    load,
    name_key,
)
from routing.text import Token, fold, tokenize, untelex

MAX_NAME_WORDS = 6


# Type words as folded token runs -> the kind of unit they announce.
TYPE_WORDS: dict[tuple[str, ...], str] = {
    ("xa",): "xa", ("x",): "xa",
    ("phuong",): "phuong", ("p",): "phuong", ("f",): "phuong",
    ("thi", "tran"): "thitran", ("tt",): "thitran",
    ("dac", "khu"): "dackhu", ("huyen", "dao"): "huyen",
    ("huyen",): "huyen", ("h",): "huyen",
    ("quan",): "quan", ("q",): "quan",
    ("thi", "xa"): "thixa", ("tx",): "thixa",
    ("thanh", "pho"): "thanhpho", ("tp",): "thanhpho",
    ("tinh",): "tinh", ("t",): "tinh",
}  # fmt: skip


WARD_KINDS = frozenset({"xa", "phuong", "thitran", "dackhu"})


DISTRICT_KINDS = frozenset({"huyen", "quan", "thixa", "thanhpho"})


PROVINCE_KINDS = frozenset({"tinh", "thanhpho"})


# Words that open the part of an address below the commune (village, street, house number).
VILLAGE_WORDS: dict[tuple[str, ...], bool] = {
    ("thon",): True, ("xom",): True, ("ap",): True, ("ban",): True, ("to",): True, ("khom",): True,
    ("buon",): True, ("lang",): True, ("khu", "pho"): True, ("kp",): True, ("to", "dan", "pho"): True,
    ("tdp",): True, ("khu",): True, ("doi",): True,
    ("duong",): False, ("ngo",): False, ("hem",): False, ("kiet",): False, ("so", "nha"): False,
    ("so",): False, ("ngach",): False,
}  # fmt: skip


# Words that open the name of a place inside a commune (a school, a market, a hospital, a workplace):
# "trường tiểu học Chi Lăng" and "chợ Đông Kinh" bear the names of other wards, and are not them.
LANDMARK_WORDS = frozenset(
    {
        ("truong", "tieu", "hoc"), ("truong", "th"), ("truong", "thcs"), ("truong", "thpt"),
        ("truong", "mam", "non"), ("truong", "mau", "giao"), ("truong", "trung", "hoc"),
        ("truong", "pho", "thong"), ("truong", "dai", "hoc"), ("truong", "cao", "dang"), ("truong", "mn"),
        ("tieu", "hoc"), ("thcs",), ("thpt",), ("mam", "non"), ("mau", "giao"), ("cho",), ("benh", "vien"),
        ("cong", "ty"), ("nha", "may"), ("khu", "cong", "nghiep"), ("kcn",), ("ben", "xe"), ("sieu", "thi"),
        ("cong", "vien"),
    }
)  # fmt: skip
LANDMARK_NAME_WORDS = 3
_LANDMARK_FIRST = frozenset(w[0] for w in LANDMARK_WORDS)


# Words that are not in any name but say whose place a name is ("tôi ở", "cháu ở", "chuyển từ... về").
EXTRA_WORDS = frozenset(
    {"toi", "o", "chau", "be", "tre", "em", "nha", "me", "bo", "song", "tai", "tu", "ve", "chuyen", "goi",
     "cho", "truong", "hoc"}
)


# What people call provinces besides their names.
PROVINCE_NICKNAMES = {
    "hcm": "79", "tphcm": "79", "sg": "79", "saigon": "79", "hochiminh": "79", "hn": "01",
    "hp": "31", "dng": "48", "tthue": "46",
}  # fmt: skip


# The one- and two-letter type words ("x.", "tp") never stand inside a name; "quân", "xá", "phương" do.
LETTER_TYPES = frozenset({"x", "p", "f", "h", "q", "t", "tt", "tx", "tp"})


@dataclass(frozen=True, slots=True)
class Entry:
    role: str  # "province" | "old_province" | "district" | "commune" | "ward"
    ref: str  # a code or a key in the gazetteer


Pool = dict[str, list[Entry]]


@dataclass(slots=True)
class Mention:
    start: int  # token indices
    end: int
    entries: list[Entry]
    prefix: str | None  # kind announced by the type word in front
    prefix_start: int
    in_detail: bool = False
    in_landmark: bool = False  # "chợ Thạnh Hóa": a market's name, not the province's
    inside_longer: bool = False  # "Tân Hưng" within "Tân Hưng Đông": the longer name is meant
    inside_typo: bool = False  # "Trường Long" within "Trường Long Ty": maybe Trường Long Tây is meant
    written: str = ""  # as typed, accents kept, to prefer "Cẩm Giàng" over "Cẩm Giang"
    edits: int = 0  # letters off when the name was matched with a typo


class NameIndex:
    def __init__(self, gaz: Gazetteer) -> None:
        self.gaz = gaz
        self.names: dict[str, list[Entry]] = {}
        for p in gaz.provinces.values():
            self._add(name_key(p.short), Entry("province", p.code))
            for alias in gaz.aliases.get(p.code, []):
                self._add(_strip(alias, PROVINCE_TYPE_PREFIXES, p.short), Entry("province", p.code))
        for nick, code in PROVINCE_NICKNAMES.items():
            self._add(nick, Entry("province", code))
        for lp in gaz.legacy_provinces.values():
            self._add(name_key(lp.short), Entry("old_province", lp.key))
            self._add(name_key(lp.short.replace(" - ", " ")), Entry("old_province", lp.key))
        for d in gaz.legacy_districts.values():
            self._add(name_key(d.short), Entry("district", d.key))
            for alias in gaz.aliases.get(d.key, []):
                self._add(_strip(alias, DISTRICT_TYPE_PREFIXES, d.short), Entry("district", d.key))
        for c in gaz.communes.values():
            self._add(name_key(c.short), Entry("commune", c.code))
            for alias in gaz.aliases.get(c.code, []):
                self._add(_strip(alias, WARD_TYPE_PREFIXES, c.short), Entry("commune", c.code))
        for w in gaz.legacy_wards.values():
            self._add(name_key(w.short), Entry("ward", w.key))
            for alias in gaz.aliases.get(w.key, []):
                self._add(_strip(alias, WARD_TYPE_PREFIXES, w.short), Entry("ward", w.key))
        # Every word of every name, and the words around names: a Telex leftover is read only as one
        # of these ("Ea Kar" keeps its "kar"; "looj" becomes "lo" because Cam Lộ has one).
        self.words: frozenset[str] = frozenset(
            t.text
            for names in (
                [p.short for p in gaz.provinces.values()], [p.short for p in gaz.legacy_provinces.values()],
                [d.short for d in gaz.legacy_districts.values()], [c.short for c in gaz.communes.values()],
                [w.short for w in gaz.legacy_wards.values()],
            )
            for name in names
            for t in tokenize(name)
        ) | {w for words in [*TYPE_WORDS, *VILLAGE_WORDS] for w in words} | EXTRA_WORDS
        self.old_district_of_commune = gaz.district_communes
        self.province_of_old = {k: lp.new_province_code for k, lp in gaz.legacy_provinces.items()}
        # The small pools a typo is forgiven in: the wards of one old district, the communes of one
        # province, the districts of one old province.
        self.wards_of_district: dict[str, Pool] = defaultdict(dict)
        for w in gaz.legacy_wards.values():
            for k in _keys(gaz, w.key, w.short, WARD_TYPE_PREFIXES):
                self.wards_of_district[w.district_key].setdefault(k, []).append(Entry("ward", w.key))
        self.communes_of_province: dict[str, Pool] = defaultdict(dict)
        for c in gaz.communes.values():
            for k in _keys(gaz, c.code, c.short, WARD_TYPE_PREFIXES):
                self.communes_of_province[c.province_code].setdefault(k, []).append(Entry("commune", c.code))
        self.districts_of_province: dict[str, Pool] = defaultdict(dict)
        for d in gaz.legacy_districts.values():
            pool = self.districts_of_province[self.province_of_old[d.province_key]]
            for k in _keys(gaz, d.key, d.short, DISTRICT_TYPE_PREFIXES):
                pool.setdefault(k, []).append(Entry("district", d.key))

    def _add(self, key: str, entry: Entry) -> None:
        if not key:
            return
        bucket = self.names.setdefault(key, [])
        if entry not in bucket:
            bucket.append(entry)


def _keys(gaz: Gazetteer, ref: str, short: str, prefixes: tuple[str, ...]) -> list[str]:
    """Every key a unit is known by: its name and the dataset's keywords, type words stripped."""
    keys = [name_key(short), *(_strip(a, prefixes, short) for a in gaz.aliases.get(ref, []))]
    return [k for k in dict.fromkeys(keys) if k]


def _strip(alias: str, prefixes: tuple[str, ...], short: str) -> str:
    # "quanson" is Huyện Quan Sơn's own name, not "Quận Sơn"; "xadung" is Xã Xa Dung's. But the short
    # name of "Phường 5" is "Phường 5", and "5" is what people write after "P.".
    if alias == name_key(short) and not any(
        alias.startswith(p) and alias[len(p) :].isdigit() for p in prefixes
    ):
        return alias
    for prefix in prefixes:
        if alias.startswith(prefix) and len(alias) > len(prefix):
            return alias[len(prefix):]
    return alias


@lru_cache(maxsize=1)
def name_index() -> NameIndex:
    return NameIndex(load())


def words_at(tokens: list[Token], start: int, length: int) -> tuple[str, ...] | None:
    """The folded words tokens[start:start+length] if they stay within one part of the address."""
    if start < 0 or start + length > len(tokens):
        return None
    run = tokens[start : start + length]
    if run[0].segment != run[-1].segment:
        return None
    return tuple(t.text for t in run)


def type_before(tokens: list[Token], i: int) -> tuple[str | None, int]:
    for n in (2, 1):  # "thị xã" before "xã"
        words = words_at(tokens, i - n, n)
        if words and tokens[i - n].segment == tokens[i].segment and words in TYPE_WORDS:
            return TYPE_WORDS[words], i - n
    return None, i


def starts_type(tokens: list[Token], i: int) -> bool:
    return any(words_at(tokens, i, n) in TYPE_WORDS for n in (2, 1))


def _looks_like_name(text: str, token: Token, mixed_case: bool) -> bool:
    # In "đi học trên đường về nhà" the "đường" opens no street: a real name is capitalised.
    first = text[token.start]
    return not mixed_case or first.isupper() or first.isdigit()


def find_details(
    text: str, tokens: list[Token]
) -> tuple[list[tuple[int, int]], str | None, list[tuple[int, int]]]:
    """Spans of village / street parts (token indices), the first village as written, and the spans
    of landmarks (a school, a market) among them."""
    mixed_case = text != text.lower() and text != text.upper()
    spans: list[tuple[int, int]] = []
    landmarks: list[tuple[int, int]] = []
    village: str | None = None
    i = 0
    while i < len(tokens):
        found = next(
            ((n, VILLAGE_WORDS[w]) for n in (3, 2, 1) if (w := words_at(tokens, i, n)) and w in VILLAGE_WORDS),
            None,
        )
        landmark = 0
        if tokens[i].text in _LANDMARK_FIRST:
            landmark = next((n for n in (3, 2, 1) if _opens_landmark(text, tokens, i, n)), 0)
            if landmark:
                found = (landmark, False)
        if found is None or (
            words_at(tokens, i - 1, 2) in {("dac", "khu"), ("thanh", "pho")} or after_ward_word(tokens, i)
            or type_before(tokens, i)[0] is not None  # "TP. Buôn Ma Thuột", "huyện Lang Chánh"
        ):  # fmt: skip
            i += 1
            continue
        n, is_village = found
        j = i + n
        if j < len(tokens) and tokens[j].segment == tokens[i].segment:
            if tokens[j].text.isdigit():
                j += 1
            elif _looks_like_name(text, tokens[j], mixed_case):
                while (
                    j < min(len(tokens), i + n + (LANDMARK_NAME_WORDS if landmark else 2))
                    and tokens[j].segment == tokens[i].segment
                    and not starts_type(tokens, j)
                ):
                    j += 1
        if j > i + n:
            spans.append((i, j))
            if landmark:
                landmarks.append((i, j))
            if is_village and village is None:
                village = text[tokens[i].start : tokens[j - 1].end]
        i = max(j, i + 1)
    return spans, village, landmarks


def _opens_landmark(text: str, tokens: list[Token], i: int, n: int) -> bool:
    words = words_at(tokens, i, n)
    if words not in LANDMARK_WORDS:
        return False
    if words == ("cho",):  # "chợ" (market), not "cho" (for): as typed, or in a text typed without accents
        typed = text[tokens[i].start : tokens[i].end].lower()
        return typed == "chợ" or (typed == "cho" and text == fold_case(text))
    return True


def fold_case(text: str) -> str:
    """The text as it would be without its accents, case kept: equal to the text when none were typed."""
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)).replace(
        "đ", "d"
    ).replace("Đ", "D")


def after_ward_word(tokens: list[Token], i: int) -> bool:
    """ "x. Tô Tung": a word right after "xã" is the commune's name, whatever else it may mean."""
    return any(
        (w := words_at(tokens, i - n, n)) in TYPE_WORDS and TYPE_WORDS[w] in WARD_KINDS
        and tokens[i - n].segment == tokens[i].segment
        for n in (1, 2)
    )  # fmt: skip


def find_mentions(
    text: str, tokens: list[Token], index: NameIndex, details: list[tuple[int, int]]
) -> list[Mention]:
    found: list[Mention] = []
    for i in range(len(tokens)):
        for length in range(1, MAX_NAME_WORDS + 1):
            words = words_at(tokens, i, length)
            if words is None:
                break
            if words in TYPE_WORDS or (length > 1 and (words[0] in LETTER_TYPES or words[-1] in LETTER_TYPES)):
                continue  # "x phuoc long" is in the dataset's keywords; it is "xã" + the name
            entries = index.names.get("".join(words))
            if not entries:
                continue
            prefix, prefix_start = type_before(tokens, i)
            if words[-1].isdigit() and length == 1 and prefix is None:
                continue  # a bare number is a ward only after "phường", "quận"...
            inside = any(s <= i and i + length <= e for s, e in details)
            written = accented(text[tokens[i].start : tokens[i + length - 1].end])
            found.append(Mention(i, i + length, entries, prefix, prefix_start, inside, written=written))
    for m in found:  # "huyện Đan Phượng Hà Nội": the "phượng" ends a name, it announces nothing
        if (
            m.prefix is not None and tokens[m.prefix_start].text not in LETTER_TYPES
            and any(o.start < m.prefix_start and o.end == m.start for o in found)
        ):  # fmt: skip
            m.prefix, m.prefix_start = None, m.start
    provinces = [m for m in found if any(e.role in ("province", "old_province") for e in m.entries)]
    # "Tân Phú - Đồng Tháp" holds "Tân Phú Đông" only by borrowing the province's first word.
    named = [
        m for m in found
        if any(e.role in ("commune", "ward") for e in m.entries)
        and not any(m.start < p.start < m.end < p.end for p in provinces)
    ]  # fmt: skip
    for m in found:
        m.inside_longer = any(
            o.start <= m.start and m.end <= o.end and o.end - o.start > m.end - m.start for o in named
        )
    return found


def mend_telex(index: NameIndex, tokens: list[Token]) -> list[Token]:
    """ "xax Cam Looj, Quangr Trij": Telex keys the phone left in the words, read as the words meant."""
    mended = tokens
    for i, t in enumerate(tokens):
        if t.text in index.words:
            continue
        meant = untelex(t.text)
        if meant is not None and meant in index.words:
            if mended is tokens:
                mended = list(tokens)
            mended[i] = replace(t, text=meant)
    return mended


def mend_type_words(text: str, tokens: list[Token]) -> list[Token]:
    """"Phờng Dịch Vọng", "huyn Cam Lộ": a type word typed with a slip still announces a unit."""
    mended = list(tokens)
    for i, t in enumerate(tokens):
        if t.text[:1] not in ("p", "h", "q") or not 3 <= len(t.text) <= 8:
            continue
        following = tokens[i + 1].text if i + 1 < len(tokens) else ""
        meant = fuzzy.type_word(text[t.start : t.end], t.text, following.isdigit())
        if meant is not None:
            mended[i] = replace(t, text=meant)
    return mended


def accented(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text.lower()).replace("-", " ").split())


def contradicts(written: str, name: str) -> bool:
    typed, own = written.split(), accented(name).split()
    return len(typed) == len(own) and any(t != fold(t) and t != o for t, o in zip(typed, own, strict=True))


def short_name(index: NameIndex, entry: Entry) -> str:
    gaz = index.gaz
    if entry.role == "commune":
        return gaz.communes[entry.ref].short
    if entry.role == "ward":
        return bare_name(gaz.legacy_wards[entry.ref].short)
    return bare_name(gaz.legacy_districts[entry.ref].short)


def bare_name(short: str) -> str:
    """ "Thạnh An (Xã)" -> "Thạnh An": the dataset tells namesakes in one district apart this way."""
    return short.split(" (", 1)[0]
