"""Find the 2025 commune in free text: an SMS, a call note, an address on the old or the new map.

How: every run of up to six words is looked up (folded, spaces removed) in a dictionary of names
built once from the gazetteer. Each name found is read as a new commune or an old ward; the other
names found (province, old district) support or contradict each reading, and so do the type words
in front of them ("xã", "huyện", "tp"). Old wards are translated to the 2025 commune(s) with the
official conversion table. No scan of the 13,000 rows per query.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field, fields
from functools import lru_cache

from core.errors import InvalidInput
from core.settings import get_settings
from routing.gazetteer import (
    DISTRICT_TYPE_PREFIXES,
    PROVINCE_TYPE_PREFIXES,
    WARD_TYPE_PREFIXES,
    Gazetteer,
    load,
    name_key,
)
from routing.text import Token, tokenize

MAX_TEXT_CHARS = 2000
MAX_NAME_WORDS = 6
# Two candidates closer than this are a coin toss: the case goes to "needs routing".
AMBIGUITY_MARGIN = 0.05

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
    ("tinh",): "tinh",
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
        # What asdict gives, without its deep copies (every report stores five candidates).
        data: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.legacy is not None:
            data["legacy"] = {f.name: getattr(self.legacy, f.name) for f in fields(self.legacy)}
        return data


@dataclass(frozen=True, slots=True)
class _Entry:
    role: str  # "province" | "old_province" | "district" | "commune" | "ward"
    ref: str  # a code or a key in the gazetteer


@dataclass(slots=True)
class _Mention:
    start: int  # token indices
    end: int
    entries: list[_Entry]
    prefix: str | None  # kind announced by the type word in front
    prefix_start: int
    in_detail: bool = False
    inside_longer: bool = False  # "Tân Hưng" within "Tân Hưng Đông": the longer name is meant
    written: str = ""  # as typed, accents kept, to prefer "Cẩm Giàng" over "Cẩm Giang"


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
                self._add(_strip(alias, PROVINCE_TYPE_PREFIXES), _Entry("province", p.code))
        for nick, code in PROVINCE_NICKNAMES.items():
            self._add(nick, _Entry("province", code))
        for lp in gaz.legacy_provinces.values():
            self._add(name_key(lp.short), _Entry("old_province", lp.key))
            self._add(name_key(lp.short.replace(" - ", " ")), _Entry("old_province", lp.key))
        for d in gaz.legacy_districts.values():
            self._add(name_key(d.short), _Entry("district", d.key))
            for alias in gaz.aliases.get(d.key, []):
                self._add(_strip(alias, DISTRICT_TYPE_PREFIXES), _Entry("district", d.key))
        for c in gaz.communes.values():
            self._add(name_key(c.short), _Entry("commune", c.code))
            for alias in gaz.aliases.get(c.code, []):
                self._add(_strip(alias, WARD_TYPE_PREFIXES), _Entry("commune", c.code))
        for w in gaz.legacy_wards.values():
            self._add(name_key(w.short), _Entry("ward", w.key))
            for alias in gaz.aliases.get(w.key, []):
                self._add(_strip(alias, WARD_TYPE_PREFIXES), _Entry("ward", w.key))
        self.old_district_of_commune = gaz.district_communes
        self.province_of_old = {k: lp.new_province_code for k, lp in gaz.legacy_provinces.items()}

    def _add(self, key: str, entry: _Entry) -> None:
        if not key:
            return
        bucket = self.names.setdefault(key, [])
        if entry not in bucket:
            bucket.append(entry)


def _strip(alias: str, prefixes: tuple[str, ...]) -> str:
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
        if found is None or _run(tokens, i - 1, 2) in {("dac", "khu"), ("thanh", "pho")}:
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


def _mentions(
    text: str, tokens: list[Token], index: _Index, details: list[tuple[int, int]]
) -> list[_Mention]:
    found: list[_Mention] = []
    for i in range(len(tokens)):
        for length in range(1, MAX_NAME_WORDS + 1):
            words = _run(tokens, i, length)
            if words is None:
                break
            if words in TYPE_WORDS:
                continue
            entries = index.names.get("".join(words))
            if not entries:
                continue
            prefix, prefix_start = _type_before(tokens, i)
            if words[-1].isdigit() and length == 1 and prefix is None:
                continue  # a bare number is a ward only after "phường", "quận"...
            inside = any(s <= i and i + length <= e for s, e in details)
            written = _accented(text[tokens[i].start : tokens[i + length - 1].end])
            found.append(_Mention(i, i + length, entries, prefix, prefix_start, inside, written=written))
    named = [m for m in found if any(e.role in ("commune", "ward") for e in m.entries)]
    for m in found:
        m.inside_longer = any(
            o.start <= m.start and m.end <= o.end and o.end - o.start > m.end - m.start for o in named
        )
    return found


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
        self.provinces = [
            m for m in mentions
            if (m.prefix is None or m.prefix in PROVINCE_KINDS)
            and any(e.role in ("province", "old_province") for e in m.entries)
        ]  # fmt: skip
        self.districts = [
            m for m in mentions
            if (m.prefix is None or m.prefix in DISTRICT_KINDS)
            and any(e.role == "district" for e in m.entries)
        ]  # fmt: skip

    def province_fit(
        self, ward: _Mention, new_code: str, old_key: str | None
    ) -> tuple[float, _Mention | None]:
        best, support, against = 0.0, None, False
        for m in self.provinces:
            if not _disjoint(m, ward):
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
        for m in self.districts:
            if not _disjoint(m, ward):
                continue
            if any(e.role == "district" and e.ref in match for e in m.entries):
                return bonus, m
            against = against or m.prefix is not None
        return (-0.15 if against else 0.0), None

    def readings(self, m: _Mention) -> dict[str, _Reading]:
        out: dict[str, _Reading] = {}
        words = m.end - m.start
        base = 0.45 if words >= 2 else 0.2
        base -= (0.3 if m.in_detail else 0.0) + (0.25 if m.inside_longer else 0.0)
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
                p_score, p_sup = self.province_fit(m, new_province, w.province_key)
                d_score, d_sup = self.district_fit(m, {w.district_key}, 0.3)
                raw = base + _prefix_fit(m.prefix, w.kind, old=True) + p_score + d_score
                raw += _same_accents(m, w.short)
                raw -= 0.0 if d_sup else 0.05  # without a district, the new map is the likelier reading
                legacy = Legacy(w.name, w.district, w.province)
                for rank, code in enumerate(w.new_codes):
                    _keep(out, code, _Reading(raw - 0.01 * rank, m, [s for s in (p_sup, d_sup) if s], legacy))
        return out


def _same_accents(m: _Mention, short: str) -> float:
    return 0.05 if m.written == _accented(short) else 0.0


def _keep(out: dict[str, _Reading], code: str, reading: _Reading) -> None:
    if code not in out or reading.raw > out[code].raw:
        out[code] = reading


def _confidence(raw: float) -> float:
    # A logistic curve: a typed name with its province (raw 0.9) is ~0.86, a bare name ~0.3.
    return round(1.0 / (1.0 + math.exp(-6.0 * (raw - 0.6))), 3)


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
    details, village = _details(text, tokens)
    mentions = _mentions(text, tokens, index, details)
    scorer = _Scorer(index, mentions)
    best: dict[str, _Reading] = {}
    for mention in mentions:
        for code, reading in scorer.readings(mention).items():
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
    """The top candidate if it is sure enough and clearly ahead; None sends the case to "needs routing"."""
    if not candidates:
        return None
    limit = get_settings().routing_threshold if threshold is None else threshold
    top = candidates[0]
    if top.confidence < limit:
        return None
    if len(candidates) > 1 and top.confidence - candidates[1].confidence < AMBIGUITY_MARGIN:
        return None
    return top
