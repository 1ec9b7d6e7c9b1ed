"""Find the 2025 commune in free text: an SMS, a call note, an address on the old or the new map.

How: every run of up to six words is looked up (folded, spaces removed) in a dictionary of names
built once from the gazetteer. Each name found is read as a new commune or an old ward; the other
names found (province, old district) support or contradict each reading, and so do the type words
in front of them ("xã", "huyện", "tp"). Old wards are translated to the 2025 commune(s) with the
official conversion table. No scan of the 13,000 rows per query.
"""

from __future__ import annotations

import bisect
import math
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache

from core.errors import InvalidInput
from core.settings import get_settings
from routing import fuzzy
from routing.gazetteer import (
    DISTRICT_TYPE_PREFIXES,
    PROVINCE_TYPE_PREFIXES,
    WARD_TYPE_PREFIXES,
    Gazetteer,
    load,
    name_key,
)
from routing.text import Token, fold, tokenize

MAX_TEXT_CHARS = 2000
MAX_NAME_WORDS = 6
# How far (in words) a district or province may stand from the commune it supports.
NEAR_WORDS = 12
# Two candidates closer than this on the score behind the confidence are a coin toss: the case goes
# to "needs routing". (Measured before the logistic curve, which squeezes 0.97 and 0.98 together.)
AMBIGUITY_MARGIN = 0.04
# A name matched with one letter off counts this much less than the same name typed right.
FUZZY_PENALTY = 0.12
OLD_WITHOUT_DISTRICT = 0.1
# The accents typed match the name's own: "Cẩm Giàng" is not "Cẩm Giang".
ACCENTS_AS_TYPED = 0.05
ACCENTS_CONTRADICT = 0.2
INSIDE_TYPO = 0.15
# A name that serves as the district of the ward before it ("Thắng Lợi, Thường Tín") is not also
# the 2025 commune of the same name.
USED_AS_DISTRICT = 0.3

# Type words as folded token runs -> the kind of unit they announce.
TYPE_WORDS: dict[tuple[str, ...], str] = {
    ("xa",): "xa", ("x",): "xa",
    ("phuong",): "phuong", ("p",): "phuong", ("f",): "phuong",
    ("thi", "tran"): "thitran", ("tt",): "thitran",
    ("dac", "khu"): "dackhu",
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

# What people call provinces besides their names.
PROVINCE_NICKNAMES = {
    "hcm": "79", "tphcm": "79", "sg": "79", "saigon": "79", "hochiminh": "79", "hn": "01",
    "hp": "31", "dng": "48", "tthue": "46",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Legacy:
    ward: str
    district: str
    province: str


@dataclass(frozen=True, slots=True)
class Candidate:
    commune_code: str
    commune: str
    province_code: str
    province: str
    confidence: float
    matched: str
    legacy: Legacy | None = None
    village: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Entry:
    role: str  # "province" | "old_province" | "district" | "commune" | "ward"
    ref: str  # a code or a key in the gazetteer


_Pool = dict[str, list[_Entry]]


@dataclass(slots=True)
class _Mention:
    start: int  # token indices
    end: int
    entries: list[_Entry]
    prefix: str | None  # kind announced by the type word in front
    prefix_start: int
    in_detail: bool = False
    inside_longer: bool = False  # "Tân Hưng" within "Tân Hưng Đông": the longer name is meant
    inside_typo: bool = False  # "Trường Long" within "Trường Long Ty": maybe Trường Long Tây is meant
    written: str = ""  # as typed, accents kept, to prefer "Cẩm Giàng" over "Cẩm Giang"
    edits: int = 0  # letters off when the name was matched with a typo


@dataclass(slots=True)
class _Reading:
    raw: float
    mention: _Mention
    supports: list[_Mention] = field(default_factory=list)
    legacy: Legacy | None = None


class _Index:
    def __init__(self, gaz: Gazetteer) -> None:
        self.gaz = gaz
        self.names: dict[str, list[_Entry]] = {}
        for p in gaz.provinces.values():
            self._add(name_key(p.short), _Entry("province", p.code))
            for alias in gaz.aliases.get(p.code, []):
                self._add(_strip(alias, PROVINCE_TYPE_PREFIXES, p.short), _Entry("province", p.code))
        for nick, code in PROVINCE_NICKNAMES.items():
            self._add(nick, _Entry("province", code))
        for lp in gaz.legacy_provinces.values():
            self._add(name_key(lp.short), _Entry("old_province", lp.key))
            self._add(name_key(lp.short.replace(" - ", " ")), _Entry("old_province", lp.key))
        for d in gaz.legacy_districts.values():
            self._add(name_key(d.short), _Entry("district", d.key))
            for alias in gaz.aliases.get(d.key, []):
                self._add(_strip(alias, DISTRICT_TYPE_PREFIXES, d.short), _Entry("district", d.key))
        for c in gaz.communes.values():
            self._add(name_key(c.short), _Entry("commune", c.code))
            for alias in gaz.aliases.get(c.code, []):
                self._add(_strip(alias, WARD_TYPE_PREFIXES, c.short), _Entry("commune", c.code))
        for w in gaz.legacy_wards.values():
            self._add(name_key(w.short), _Entry("ward", w.key))
            for alias in gaz.aliases.get(w.key, []):
                self._add(_strip(alias, WARD_TYPE_PREFIXES, w.short), _Entry("ward", w.key))
        self.old_district_of_commune = gaz.district_communes
        self.province_of_old = {k: lp.new_province_code for k, lp in gaz.legacy_provinces.items()}
        # The small pools a typo is forgiven in: the wards of one old district, the communes of one
        # province, the districts of one old province.
        self.wards_of_district: dict[str, _Pool] = defaultdict(dict)
        for w in gaz.legacy_wards.values():
            for k in _keys(gaz, w.key, w.short, WARD_TYPE_PREFIXES):
                self.wards_of_district[w.district_key].setdefault(k, []).append(_Entry("ward", w.key))
        self.communes_of_province: dict[str, _Pool] = defaultdict(dict)
        for c in gaz.communes.values():
            for k in _keys(gaz, c.code, c.short, WARD_TYPE_PREFIXES):
                self.communes_of_province[c.province_code].setdefault(k, []).append(_Entry("commune", c.code))
        self.districts_of_province: dict[str, _Pool] = defaultdict(dict)
        for d in gaz.legacy_districts.values():
            pool = self.districts_of_province[self.province_of_old[d.province_key]]
            for k in _keys(gaz, d.key, d.short, DISTRICT_TYPE_PREFIXES):
                pool.setdefault(k, []).append(_Entry("district", d.key))

    def _add(self, key: str, entry: _Entry) -> None:
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
def _index() -> _Index:
    return _Index(load())


def warm_up() -> None:
    """Build the gazetteer and the name index now rather than on the first call."""
    _index()


def _run(tokens: list[Token], start: int, length: int) -> tuple[str, ...] | None:
    """The folded words tokens[start:start+length] if they stay within one part of the address."""
    if start < 0 or start + length > len(tokens):
        return None
    run = tokens[start : start + length]
    if run[0].segment != run[-1].segment:
        return None
    return tuple(t.text for t in run)


def _type_before(tokens: list[Token], i: int) -> tuple[str | None, int]:
    for n in (2, 1):  # "thị xã" before "xã"
        words = _run(tokens, i - n, n)
        if words and tokens[i - n].segment == tokens[i].segment and words in TYPE_WORDS:
            return TYPE_WORDS[words], i - n
    return None, i


def _starts_type(tokens: list[Token], i: int) -> bool:
    return any(_run(tokens, i, n) in TYPE_WORDS for n in (2, 1))


def _looks_like_name(text: str, token: Token, mixed_case: bool) -> bool:
    # In "đi học trên đường về nhà" the "đường" opens no street: a real name is capitalised.
    first = text[token.start]
    return not mixed_case or first.isupper() or first.isdigit()


def _details(text: str, tokens: list[Token]) -> tuple[list[tuple[int, int]], str | None]:
    """Spans of village / street parts (token indices) and the first village as written."""
    mixed_case = text != text.lower() and text != text.upper()
    spans: list[tuple[int, int]] = []
    village: str | None = None
    i = 0
    while i < len(tokens):
        found = next(
            ((n, VILLAGE_WORDS[w]) for n in (3, 2, 1) if (w := _run(tokens, i, n)) and w in VILLAGE_WORDS),
            None,
        )
        if found is None or _run(tokens, i - 1, 2) in {("dac", "khu"), ("thanh", "pho")} or _after_ward_word(tokens, i):
            i += 1
            continue
        n, is_village = found
        j = i + n
        if j < len(tokens) and tokens[j].segment == tokens[i].segment:
            if tokens[j].text.isdigit():
                j += 1
            elif _looks_like_name(text, tokens[j], mixed_case):
                while (
                    j < min(len(tokens), i + n + 2)
                    and tokens[j].segment == tokens[i].segment
                    and not _starts_type(tokens, j)
                ):
                    j += 1
        if j > i + n:
            spans.append((i, j))
            if is_village and village is None:
                village = text[tokens[i].start : tokens[j - 1].end]
        i = max(j, i + 1)
    return spans, village


def _after_ward_word(tokens: list[Token], i: int) -> bool:
    """ "x. Tô Tung": a word right after "xã" is the commune's name, whatever else it may mean."""
    return any(
        (w := _run(tokens, i - n, n)) in TYPE_WORDS and TYPE_WORDS[w] in WARD_KINDS
        and tokens[i - n].segment == tokens[i].segment
        for n in (1, 2)
    )  # fmt: skip


def _mentions(
    text: str, tokens: list[Token], index: _Index, details: list[tuple[int, int]]
) -> list[_Mention]:
    found: list[_Mention] = []
    for i in range(len(tokens)):
        for length in range(1, MAX_NAME_WORDS + 1):
            words = _run(tokens, i, length)
            if words is None:
                break
            if words in TYPE_WORDS or (length > 1 and (words[0] in _LETTER_TYPES or words[-1] in _LETTER_TYPES)):
                continue  # "x phuoc long" is in the dataset's keywords; it is "xã" + the name
            entries = index.names.get("".join(words))
            if not entries:
                continue
            prefix, prefix_start = _type_before(tokens, i)
            if words[-1].isdigit() and length == 1 and prefix is None:
                continue  # a bare number is a ward only after "phường", "quận"...
            inside = any(s <= i and i + length <= e for s, e in details)
            written = _accented(text[tokens[i].start : tokens[i + length - 1].end])
            found.append(_Mention(i, i + length, entries, prefix, prefix_start, inside, written=written))
    for m in found:  # "huyện Đan Phượng Hà Nội": the "phượng" ends a name, it announces nothing
        if (
            m.prefix is not None and tokens[m.prefix_start].text not in _LETTER_TYPES
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


def _mend_type_words(text: str, tokens: list[Token]) -> list[Token]:
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


def _named_places(index: _Index, mentions: list[_Mention]) -> tuple[set[str], set[str], set[str]]:
    """(new province codes, old province keys, old district keys) the text names outright."""
    codes: set[str] = set()
    old: set[str] = set()
    for m in mentions:
        if m.prefix is not None and m.prefix not in PROVINCE_KINDS:
            continue
        for e in m.entries:
            if e.role == "province":
                codes.add(e.ref)
            elif e.role == "old_province":
                old.add(e.ref)
                codes.add(index.province_of_old[e.ref])
    districts: set[str] = set()
    for m in mentions:
        if m.prefix is not None and m.prefix not in DISTRICT_KINDS:
            continue
        if m.prefix is None and m.end - m.start < 2:
            continue  # "chủ nhiệm" does not name Thị xã Chũ; "h. Chũ" or "KBang Gia Lai" would
        for e in m.entries:
            if e.role != "district":
                continue
            province_key = index.gaz.legacy_districts[e.ref].province_key
            if not codes or province_key in old or index.province_of_old[province_key] in codes:
                districts.add(e.ref)
    return codes, old, districts


# The one- and two-letter type words ("x.", "tp") never stand inside a name; "quân", "xá", "phương" do.
_LETTER_TYPES = frozenset({"x", "p", "f", "h", "q", "t", "tt", "tx", "tp"})


def _fuzzy_run(
    text: str, index: _Index, tokens: list[Token], start: int, end: int, pool: _Pool
) -> _Mention | None:
    if any(t.text in _LETTER_TYPES for t in tokens[start + 1 : end]) or tokens[start].text.isdigit():
        return None
    key = "".join(t.text for t in tokens[start:end])
    if end - start == 1 and len(key) < 6:
        return None  # one short word one letter off is too many things
    written = _accented(text[tokens[start].start : tokens[end - 1].end])
    if _typed_otherwise(index, written, pool.get(key)):
        pool = {k: v for k, v in pool.items() if k != key}  # "Bắ Sơn" is not Ba Sơn: Bắc Sơn, maybe
    edits, keys = fuzzy.closest(key, pool)
    keys = [k for k in keys if _digits(k) == _digits(key)]  # "Cát Tiên 3" is not "Cát Tiên 2"
    if not keys:
        return None
    entries = list(dict.fromkeys(e for k in keys for e in pool[k]))
    if len(entries) > 1 and written != fold(written):
        # A tie on the bare letters: the accents typed can still tell "Thàh" is Thành, not Thạch.
        far = {e: fuzzy.accented_distance(written, _short_name(index, e)) for e in entries}
        entries = [e for e in entries if far[e] == min(far.values())]
    prefix, prefix_start = _type_before(tokens, start)
    return _Mention(start, end, entries, prefix, prefix_start, written=written, edits=edits)


def _typed_otherwise(index: _Index, written: str, entries: list[_Entry] | None) -> bool:
    """The letters name a place here, but the accents typed say it is not that one."""
    return bool(entries) and all(_contradicts(written, _short_name(index, e)) for e in entries or [])


def _opens_ward(tokens: list[Token], i: int) -> bool:
    """ "xa KRong": the name after "xã" is tried on its own; "Tịnh Biên" and "Quân Chu" begin with a
    word that is also a type word, and stay candidates."""
    if tokens[i].text in _LETTER_TYPES:
        return True
    return any((w := _run(tokens, i, n)) in TYPE_WORDS and TYPE_WORDS[w] in WARD_KINDS for n in (1, 2))


def _digits(key: str) -> str:
    return "".join(ch for ch in key if ch.isdigit())


def _short_name(index: _Index, entry: _Entry) -> str:
    gaz = index.gaz
    if entry.role == "commune":
        return gaz.communes[entry.ref].short
    if entry.role == "ward":
        return _bare(gaz.legacy_wards[entry.ref].short)
    return _bare(gaz.legacy_districts[entry.ref].short)


def _bare(short: str) -> str:
    """ "Thạnh An (Xã)" -> "Thạnh An": the dataset tells namesakes in one district apart this way."""
    return short.split(" (", 1)[0]


def _fuzzy_mentions(
    text: str, tokens: list[Token], index: _Index, mentions: list[_Mention], details: list[tuple[int, int]]
) -> list[_Mention]:
    """Names with a typo, looked for only where a name is expected and only among the names of the
    district and province the text names: after "xã", "phường", "huyện"..., and just before a
    district or province that was found."""
    codes, old, districts = _named_places(index, mentions)
    if not codes and not districts:
        return []
    found: list[_Mention] = []
    # Districts first: "huyện Chi Lăn, Lạng Sơn" gives the pool for the ward in front of it.
    district_pool: _Pool = {}
    for code in sorted(codes):
        district_pool.update(index.districts_of_province[code])
    named = [m for m in mentions if any(e.role == "district" and e.ref in districts for e in m.entries)]
    named_spans = {k for m in named for k in range(m.prefix_start, m.end)}
    provinces = [
        m for m in mentions
        if (m.prefix is None or m.prefix in PROVINCE_KINDS)
        and any((e.role == "province" and e.ref in codes) or e.role == "old_province" for e in m.entries)
    ]  # fmt: skip
    district_runs: list[list[tuple[int, int]]] = []
    for i in range(len(tokens)):
        prefix, _p = _type_before(tokens, i)
        if prefix in DISTRICT_KINDS and district_pool:  # "huyện Chi Lăn"
            district_runs.append([(i, i + n) for n in range(1, 5) if _run(tokens, i, n)])
    for m in provinces:  # "Vĩnh Trung, Tịnh Biem, An Giang": the two words before the province
        district_runs.append(
            [(m.prefix_start - n, m.prefix_start) for n in (2, 3)
             if _run(tokens, m.prefix_start - n, n) and not _opens_ward(tokens, m.prefix_start - n)]
        )  # fmt: skip
    for candidates in district_runs:
        spans = [(a, b) for a, b in candidates if not any(k in named_spans for k in range(a, b))]
        best = _best_of([_fuzzy_run(text, index, tokens, a, b, district_pool) for a, b in spans])
        if best is not None:
            found.append(best)
            districts.update(e.ref for e in best.entries)
    pool: _Pool = {}
    for code in sorted(codes):  # sorted: the same text gives the same answer in every process
        for k, entries in index.communes_of_province[code].items():
            pool.setdefault(k, []).extend(entries)
    for key in sorted(districts):
        for k, entries in index.wards_of_district[key].items():
            pool.setdefault(k, []).extend(entries)
    places = [
        m for m in [*mentions, *found]
        if (m.prefix is None or m.prefix not in WARD_KINDS)
        and any(
            (e.role == "district" and e.ref in districts) or (e.role == "province" and e.ref in codes)
            or (e.role == "old_province" and e.ref in old)
            for e in m.entries
        )
    ]  # fmt: skip
    anchors_right = {m.prefix_start for m in places}
    runs: set[tuple[int, int]] = set()
    for i in range(len(tokens)):
        prefix, _p = _type_before(tokens, i)
        if prefix in WARD_KINDS:
            runs.update((i, i + n) for n in range(1, 5) if _run(tokens, i, n))
        if i in anchors_right:
            runs.update((i - n, i) for n in range(1, 5) if _run(tokens, i - n, n) and not _opens_ward(tokens, i - n))
    # A run inside a name typed right and local ("Tạ An" in "Tạ An Khương") is that name.
    names = [
        (m.start, m.end) for m in mentions
        if m.end - m.start >= 2 and _key(tokens, m) in pool
        and not _typed_otherwise(index, m.written, pool[_key(tokens, m)])
    ]  # fmt: skip
    for start, end in sorted(runs):
        if any(s <= start and end <= e for s, e in [*details, *names]):
            continue
        mention = _fuzzy_run(text, index, tokens, start, end, pool)
        if mention is not None:
            found.append(mention)
    return found


def _key(tokens: list[Token], m: _Mention) -> str:
    return "".join(t.text for t in tokens[m.start : m.end])


def _best_of(mentions: list[_Mention | None]) -> _Mention | None:
    real = [m for m in mentions if m is not None]
    return min(real, key=lambda m: (m.edits, m.start - m.end)) if real else None


def _accented(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text.lower()).replace("-", " ").split())


def _prefix_fit(prefix: str | None, kind: str, *, old: bool) -> float:
    if prefix is None:
        return 0.0
    if prefix in WARD_KINDS:
        if prefix == kind:
            return 0.15
        return 0.0 if prefix == "thitran" and not old else 0.05
    return -0.3  # "huyện X", "tỉnh X": X is not a commune here


def _disjoint(a: _Mention, b: _Mention) -> bool:
    return a.end <= b.prefix_start or b.end <= a.prefix_start


class _Scorer:
    def __init__(self, index: _Index, mentions: list[_Mention]) -> None:
        self.index = index
        self.gaz = index.gaz
        self.provinces = sorted(
            (
                m for m in mentions
                if (m.prefix is None or m.prefix in PROVINCE_KINDS)
                and any(e.role in ("province", "old_province") for e in m.entries)
            ),
            key=lambda m: m.start,
        )  # fmt: skip
        self.districts = sorted(
            (
                m for m in mentions
                if (m.prefix is None or m.prefix in DISTRICT_KINDS)
                and any(e.role == "district" for e in m.entries)
            ),
            key=lambda m: m.start,
        )  # fmt: skip
        self.province_starts = [m.start for m in self.provinces]
        self.district_starts = [m.start for m in self.districts]
        self.district_refs = {
            id(m): frozenset(e.ref for e in m.entries if e.role == "district") for m in self.districts
        }

    def _near(self, mentions: list[_Mention], starts: list[int], ward: _Mention) -> list[_Mention]:
        """The parts of one address stand close together: look no further than a few words away."""
        lo = bisect.bisect_left(starts, ward.start - NEAR_WORDS)
        hi = bisect.bisect_right(starts, ward.end + NEAR_WORDS)
        return mentions[lo:hi]

    def province_fit(
        self, ward: _Mention, new_code: str, old_key: str | None, district: _Mention | None = None
    ) -> tuple[float, _Mention | None]:
        best, support, against = 0.0, None, False
        for m in self._near(self.provinces, self.province_starts, ward):
            if not _disjoint(m, ward) or m is district:  # "TP. Hà Tĩnh, Hà Tĩnh": city, then province
                continue
            for e in m.entries:
                if e.role not in ("province", "old_province"):
                    continue
                exact = e.ref == new_code if e.role == "province" else e.ref == old_key
                if exact:
                    score = 0.3
                elif e.role == "old_province" and self.index.province_of_old[e.ref] == new_code:
                    score = 0.25
                else:
                    against = True
                    continue
                if score > best:
                    best, support = score, m
        return (best, support) if support else (-0.15 if against else 0.0, None)

    def district_fit(self, ward: _Mention, match: set[str], bonus: float) -> tuple[float, _Mention | None]:
        against = False
        for m in self._near(self.districts, self.district_starts, ward):
            if not _disjoint(m, ward):
                continue
            if not self.district_refs[id(m)].isdisjoint(match):
                return bonus, m
            against = against or m.prefix is not None
        return (-0.15 if against else 0.0), None

    def readings(self, m: _Mention) -> dict[str, _Reading]:
        out: dict[str, _Reading] = {}
        words = m.end - m.start
        # "P.5" is as specific as a two-word name: the type word and the number.
        numbered = words == 1 and m.prefix is not None and m.written.isdigit()
        base = 0.45 if words >= 2 or numbered else 0.2
        base -= (0.3 if m.in_detail else 0.0) + (0.25 if m.inside_longer else 0.0) + FUZZY_PENALTY * m.edits
        base -= INSIDE_TYPO if m.inside_typo else 0.0
        codes = {e.ref for e in m.entries if e.role == "commune"}
        for e in m.entries:
            if e.role == "ward":
                codes.update(self.gaz.legacy_wards[e.ref].new_codes)
        base += 0.1 if len(codes) == 1 else 0.0
        for e in m.entries:
            if e.role == "commune":
                c = self.gaz.communes[e.ref]
                p_score, p_sup = self.province_fit(m, c.province_code, None)
                d_score, d_sup = self.district_fit(m, self.index.old_district_of_commune[c.code], 0.15)
                raw = base + _prefix_fit(m.prefix, c.kind, old=False) + p_score + d_score
                raw += _same_accents(m, c.short)
                _keep(out, c.code, _Reading(raw, m, [s for s in (p_sup, d_sup) if s]))
            elif e.role == "ward":
                w = self.gaz.legacy_wards[e.ref]
                new_province = self.index.province_of_old[w.province_key]
                d_score, d_sup = self.district_fit(m, {w.district_key}, 0.3)
                # "Lai Châu" once is the province or the city, not both.
                p_score, p_sup = self.province_fit(m, new_province, w.province_key, d_sup)
                raw = base + _prefix_fit(m.prefix, w.kind, old=True) + p_score + d_score
                raw += _same_accents(m, _bare(w.short))
                # Without a district, the 2025 name is the likelier reading of a name on both maps.
                raw -= 0.0 if d_sup else OLD_WITHOUT_DISTRICT
                legacy = Legacy(w.name, w.district, w.province)
                for rank, code in enumerate(w.new_codes):
                    _keep(out, code, _Reading(raw - 0.01 * rank, m, [s for s in (p_sup, d_sup) if s], legacy))
        return out


def _same_accents(m: _Mention, short: str) -> float:
    """Accents typed that agree with the name count for it; accents that disagree count against:
    "gia đình" (family) is not Phường Gia Định. A word typed without accents says nothing."""
    name = _accented(short)
    if m.written == name:
        return ACCENTS_AS_TYPED
    if m.edits == 0 and _contradicts(m.written, name):
        return -ACCENTS_CONTRADICT
    return 0.0


def _contradicts(written: str, name: str) -> bool:
    typed, own = written.split(), _accented(name).split()
    return len(typed) == len(own) and any(t != fold(t) and t != o for t, o in zip(typed, own, strict=True))


def _keep(out: dict[str, _Reading], code: str, reading: _Reading) -> None:
    if code not in out or reading.raw > out[code].raw:
        out[code] = reading


def _confidence(raw: float) -> float:
    # A logistic curve: a typed name with its province (raw 0.9) is ~0.86, a bare name ~0.3.
    return round(1.0 / (1.0 + math.exp(-6.0 * (raw - 0.6))), 3)


def _score(confidence: float) -> float:
    """The raw score behind a confidence (the inverse of the curve above)."""
    c = min(max(confidence, 0.0005), 0.9995)
    return 0.6 + math.log(c / (1.0 - c)) / 6.0


MIN_RAW = 0.35


def locate(text: str, *, limit: int = 5) -> list[Candidate]:
    """The 2025 communes the text most likely points to, best first; [] when it names none."""
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(
            f"Văn bản quá dài (tối đa {MAX_TEXT_CHARS} ký tự).",
            f"Text too long (at most {MAX_TEXT_CHARS} characters).",
            field="text",
        )
    tokens = tokenize(text)
    if not tokens:
        return []
    index = _index()
    tokens = _mend_type_words(text, tokens)
    details, village = _details(text, tokens)
    mentions = _mentions(text, tokens, index, details)
    typos = _fuzzy_mentions(text, tokens, index, mentions, details)
    for m in [*mentions, *typos]:
        m.inside_typo = any(
            f.start <= m.start and m.end <= f.end and f.end - f.start > m.end - m.start
            and any(e.role in ("commune", "ward") and e not in m.entries for e in f.entries)
            for f in typos
        )  # fmt: skip
    mentions += typos
    scorer = _Scorer(index, mentions)
    readings = [(m, scorer.readings(m)) for m in mentions]
    as_district = {
        (s.start, s.end) for m, found in readings for r in found.values() if r.raw >= MIN_RAW
        for s in r.supports if s.start > m.start and any(e.role == "district" for e in s.entries)
    }  # fmt: skip
    best: dict[str, _Reading] = {}
    for mention, found in readings:
        for code, reading in found.items():
            if (mention.start, mention.end) in as_district:
                reading.raw -= USED_AS_DISTRICT
            _keep(best, code, reading)
    ranked = sorted(
        ((r, code) for code, r in best.items() if r.raw >= MIN_RAW), key=lambda rc: (-rc[0].raw, rc[1])
    )
    return [_candidate(index.gaz, text, tokens, code, r, village) for r, code in ranked[:limit]]


def _candidate(
    gaz: Gazetteer, text: str, tokens: list[Token], code: str, r: _Reading, village: str | None
) -> Candidate:
    commune = gaz.communes[code]
    province = gaz.provinces[commune.province_code]
    parts = sorted([r.mention, *r.supports], key=lambda m: m.prefix_start)
    matched = ", ".join(text[tokens[m.prefix_start].start : tokens[m.end - 1].end] for m in parts)
    return Candidate(
        commune_code=code,
        commune=commune.name,
        province_code=province.code,
        province=province.name,
        confidence=_confidence(r.raw),
        matched=matched,
        legacy=r.legacy,
        village=village,
    )


def best_confident(candidates: list[Candidate], threshold: float | None = None) -> Candidate | None:
    """The top candidate if it is sure enough and clearly ahead; None sends the case to "needs routing".

    The communes that share an old ward which was split are not rivals: any of them is the right
    team to start with (the first is the one the conversion table names by default), so the margin
    is measured against the best candidate that comes from another reading.
    """
    if not candidates:
        return None
    limit = get_settings().routing_threshold if threshold is None else threshold
    top = candidates[0]
    if top.confidence < limit:
        return None
    rivals = [c for c in candidates[1:] if top.legacy is None or c.legacy != top.legacy]
    if rivals and _score(top.confidence) - _score(rivals[0].confidence) < AMBIGUITY_MARGIN:
        return None
    return top
