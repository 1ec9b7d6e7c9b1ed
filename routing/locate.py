"""Find the 2025 commune in free text: an SMS, a call note, an address on the old or the new map.

How: every run of up to six words is looked up (folded, spaces removed) in a dictionary of names
built once from the gazetteer. Each name found is read as a new commune or an old ward; the other
names found (province, old district) support or contradict each reading, and so do the type words
in front of them ("xã", "huyện", "tp"). Old wards are translated to the 2025 commune(s) with the
official conversion table. No scan of the 13,000 rows per query.

A name typed with a slip ("Trung Châ", "Vn Hà") is also found, but only among the names of the
district and province the text names (routing/typos.py), at a cost. Ties stay ties, and a tie
sends the case to an operator rather than to the wrong commune.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field, fields

from core.errors import InvalidInput
from core.settings import get_settings
from routing.gazetteer import Gazetteer
from routing.mentions import (
    DISTRICT_KINDS,
    PROVINCE_KINDS,
    WARD_KINDS,
    Mention,
    NameIndex,
    accented,
    bare_name,
    contradicts,
    find_details,
    find_mentions,
    mend_telex,
    mend_type_words,
    name_index,
    short_name,
)
from routing.text import Token, tokenize
from routing.typos import typo_mentions
from routing.whose import CHILD, OTHER, whose

MAX_TEXT_CHARS = 2000
# How far (in words) a district or province may stand from the commune it supports.
NEAR_WORDS = 12
# Two candidates closer than this on the score behind the confidence are a coin toss: the case goes
# to "needs routing". (Measured before the logistic curve, which squeezes 0.97 and 0.98 together.)
AMBIGUITY_MARGIN = 0.04
# A name matched with one letter off counts this much less than the same name typed right.
FUZZY_PENALTY = 0.12
# Without a district, a name on both maps is likelier the 2025 commune than the old ward.
OLD_WITHOUT_DISTRICT = 0.1
# Accents typed that match the name's own count for it ("Cẩm Giàng" is not "Cẩm Giang"); accents
# that contradict it count against it ("gia đình", family, is not Phường Gia Định).
ACCENTS_AS_TYPED = 0.05
ACCENTS_CONTRADICT = 0.2
# A name typed right inside a longer name typed with a slip ("Trường Long" in "Trường Long Ty").
INSIDE_TYPO = 0.15
# A name of two words or more that no other place in the country bears ("Tiên Dược", "Côn Đảo") needs
# no province to be believed.
UNIQUE_NAME = 0.1
# A province named further off than NEAR_WORDS still tells which of the namesakes is meant, but less.
FAR_PROVINCE = 0.15
# Whose place a name is (routing/whose.py): someone else's counts this much less than the child's,
# and a place nothing is said about a little less when the child's is also given.
OTHERS_PLACE = 0.5
UNSAID_PLACE = 0.2
OTHERS_BELOW = 0.1
# A reading sure enough to be routed on its own (confidence 0.6).
SURE_RAW = 0.68
# A name that serves as the district of the ward before it ("Thắng Lợi, Thường Tín") is not also
# the 2025 commune of the same name.
USED_AS_DISTRICT = 0.3


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


@dataclass(slots=True)
class _Reading:
    raw: float
    mention: Mention
    supports: list[Mention] = field(default_factory=list)
    legacy: Legacy | None = None


def warm_up() -> None:
    """Build the gazetteer and the name index now rather than on the first call."""
    name_index()


def _prefix_fit(prefix: str | None, kind: str, *, old: bool) -> float:
    if prefix is None:
        return 0.0
    if kind == "dackhu" and prefix in DISTRICT_KINDS:
        return 0.15  # "huyện Côn Đảo": the island district became the special zone of the same name
    if prefix in WARD_KINDS:
        if prefix == kind:
            return 0.15
        return 0.0 if prefix == "thitran" and not old else 0.05
    return -0.3  # "huyện X", "tỉnh X": X is not a commune here


def _disjoint(a: Mention, b: Mention) -> bool:
    return a.end <= b.prefix_start or b.end <= a.prefix_start


class _Scorer:
    def __init__(self, index: NameIndex, mentions: list[Mention], roles: list[str | None]) -> None:
        self.index = index
        self.roles = roles
        # Only a text that names someone else's place, or a landmark, needs the mentions sorted out.
        self.sort_out = OTHER in roles or any(m.in_landmark for m in mentions)
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

    def _near(self, mentions: list[Mention], starts: list[int], ward: Mention) -> list[Mention]:
        """The parts of one address stand close together: look no further than a few words away."""
        lo = bisect.bisect_left(starts, ward.start - NEAR_WORDS)
        hi = bisect.bisect_right(starts, ward.end + NEAR_WORDS)
        # The reporter's district does not speak for or against the child's commune, nor the reverse.
        if not self.sort_out:
            return mentions[lo:hi]
        # "chợ Thạnh Hóa" is a market, not the province of Thanh Hóa.
        other = self.roles[ward.start] == OTHER
        return [m for m in mentions[lo:hi] if (self.roles[m.start] == OTHER) == other and not m.in_landmark]

    def province_fit(
        self, ward: Mention, new_code: str, old_key: str | None, district: Mention | None = None
    ) -> tuple[float, Mention | None]:
        best, support, against = 0.0, None, False
        near = self._near(self.provinces, self.province_starts, ward)
        far = not near
        # No province close by: the one the text names further off (not a market's: "chợ Thạnh Hóa").
        for m in near or [p for p in self.provinces if not p.in_landmark]:
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
                score -= FAR_PROVINCE if far else 0.0
                if score > best:
                    best, support = score, m
        if far and against:  # provinces far off that disagree among themselves say nothing
            return 0.0, None
        return (best, support) if support else (-0.15 if against else 0.0, None)

    def district_fit(self, ward: Mention, match: set[str], bonus: float) -> tuple[float, Mention | None]:
        against = False
        for m in self._near(self.districts, self.district_starts, ward):
            if not _disjoint(m, ward):
                continue
            if not self.district_refs[id(m)].isdisjoint(match):
                return bonus, m
            against = against or m.prefix is not None
        return (-0.15 if against else 0.0), None

    def _unique(self, m: Mention, codes: set[str]) -> bool:
        """No other place in the country has this name: not a province, and an old district of that
        name went to the same commune ("Côn Đảo", "Tiên Dược"); typed as it is written, accents and all."""
        if m.edits or m.inside_longer or m.inside_typo:
            return False
        for e in m.entries:
            if e.role in ("commune", "ward") and contradicts(m.written, short_name(self.index, e)):
                return False  # "gia đình" (family) is not Phường Gia Định
            if e.role in ("province", "old_province"):
                return False
            if e.role == "district" and not codes.issuperset(self.gaz.legacy_districts[e.ref].new_codes):
                return False
        return True

    def readings(self, m: Mention) -> dict[str, _Reading]:
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
        if m.prefix in DISTRICT_KINDS or m.prefix == "dackhu":
            # "huyện Vân Đồn", "đặc khu Cô Tô": the special zone, not an old ward or a xã of that name
            codes = {e.ref for e in m.entries if e.role == "commune" and self.gaz.communes[e.ref].kind == "dackhu"}
        base += 0.1 if len(codes) == 1 else 0.0
        if words >= 2 and len(codes) == 1 and not m.in_detail and self._unique(m, codes):
            base += UNIQUE_NAME
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
                raw += _same_accents(m, bare_name(w.short))
                # Without a district, the 2025 name is the likelier reading of a name on both maps.
                raw -= 0.0 if d_sup else OLD_WITHOUT_DISTRICT
                legacy = Legacy(w.name, w.district, w.province)
                for rank, code in enumerate(w.new_codes):
                    _keep(out, code, _Reading(raw - 0.01 * rank, m, [s for s in (p_sup, d_sup) if s], legacy))
        return out


def _same_accents(m: Mention, short: str) -> float:
    """Accents typed that agree with the name count for it; accents that disagree count against:
    "gia đình" (family) is not Phường Gia Định. A word typed without accents says nothing."""
    name = accented(short)
    if m.written == name:
        return ACCENTS_AS_TYPED
    if m.edits == 0 and contradicts(m.written, name):
        return -ACCENTS_CONTRADICT
    return 0.0


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
    index = name_index()
    tokens = mend_type_words(text, mend_telex(index, tokens))
    details, village, landmarks = find_details(text, tokens)
    mentions = find_mentions(text, tokens, index, details)
    typos = typo_mentions(text, tokens, index, mentions, details)
    for m in [*mentions, *typos]:
        m.inside_typo = any(
            f.start <= m.start and m.end <= f.end and f.end - f.start > m.end - m.start
            and any(e.role in ("commune", "ward") and e not in m.entries for e in f.entries)
            for f in typos
        )  # fmt: skip
    mentions += typos
    for m in mentions if landmarks else ():
        m.in_landmark = any(s <= m.start and m.end <= e for s, e in landmarks)
    roles = whose(text, tokens)
    scorer = _Scorer(index, mentions, roles)
    readings = [(m, scorer.readings(m)) for m in mentions]
    as_district = {
        (s.start, s.end) for m, found in readings for r in found.values() if r.raw >= MIN_RAW
        for s in r.supports if s.start > m.start and any(e.role == "district" for e in s.entries)
    }  # fmt: skip
    for mention, found in readings:
        for reading in found.values():
            if (mention.start, mention.end) in as_district:
                reading.raw -= USED_AS_DISTRICT
    _weigh_whose(readings, roles)
    best: dict[str, _Reading] = {}
    for _mention, found in readings:
        for code, reading in found.items():
            _keep(best, code, reading)
    ranked = sorted(
        ((r, code) for code, r in best.items() if r.raw >= MIN_RAW), key=lambda rc: (-rc[0].raw, rc[1])
    )
    _two_places_of_the_child(ranked, roles)
    return [_candidate(index.gaz, text, tokens, code, r, village) for r, code in ranked[:limit]]


def _weigh_whose(readings: list[tuple[Mention, dict[str, _Reading]]], roles: list[str | None]) -> None:
    """The child's place wins over the reporter's, a workplace's or where the family came from; a place
    nothing is said about, over those too. Only against another place: a text that names only the
    reporter's place still points near the child."""
    if not any(roles):
        return
    # A place said to be the child's counts however faint; a place nothing is said about only if it
    # could be routed on its own (not the "con" of "con riêng" read as Thị trấn Cồn).
    present: set[str | None] = {
        role for m, found in readings
        if (role := roles[m.start]) is not None
        and any(r.raw >= (MIN_RAW if role == CHILD else SURE_RAW) for r in found.values())
    }  # fmt: skip
    if any(roles[m.start] is None and r.raw >= SURE_RAW for m, found in readings for r in found.values()):
        present.add(None)
    if len(present) < 2:
        return
    favoured = CHILD if CHILD in present else None
    # Someone else's place stays below the child's (or the unsaid one's) however fully it is written:
    # when that one is too faint to be routed, both are, and an operator chooses.
    ceiling = max(r.raw for m, found in readings if roles[m.start] == favoured for r in found.values())
    for mention, found in readings:
        role = roles[mention.start]
        for reading in found.values():
            if role == OTHER:
                reading.raw = min(reading.raw - OTHERS_PLACE, ceiling - OTHERS_BELOW)
            elif role is None and favoured == CHILD:
                reading.raw -= UNSAID_PLACE


def _two_places_of_the_child(ranked: list[tuple[_Reading, str]], roles: list[str | None]) -> None:
    """Two different places, both said to be the child's ("nhà cháu ở xã A... xảy ra ở xã B"), both
    likely: no one can tell from the text which leads, so they stand level and an operator chooses."""
    if len(ranked) < 2 or roles[ranked[0][0].mention.start] != CHILD:
        return
    top = ranked[0][0]
    for reading, _code in ranked[1:]:
        if reading.mention is top.mention or (top.legacy is not None and reading.legacy == top.legacy):
            continue
        if roles[reading.mention.start] == CHILD and _disjoint(reading.mention, top.mention):
            if reading.raw >= SURE_RAW:
                reading.raw = top.raw
                ranked.sort(key=lambda rc: (-rc[0].raw, rc[1]))
        return


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
