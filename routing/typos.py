"""Where to look for a name typed with a slip, and among which names.

Only where a name is expected (after "xã", "phường", "huyện"..., and just before a district or a
province that was found) and only among the names of the district and province the text names
outright. The string distance itself is in routing/fuzzy.py.
"""

from __future__ import annotations

from routing import fuzzy
from routing.mentions import (
    DISTRICT_KINDS,
    LETTER_TYPES,
    PROVINCE_KINDS,
    TYPE_WORDS,
    WARD_KINDS,
    Entry,
    Mention,
    NameIndex,
    Pool,
    accented,
    contradicts,
    short_name,
    type_before,
    words_at,
)
from routing.text import Token, fold


def _named_places(index: NameIndex, mentions: list[Mention]) -> tuple[set[str], set[str], set[str]]:
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


def _fuzzy_run(
    text: str, index: NameIndex, tokens: list[Token], start: int, end: int, pool: Pool
) -> Mention | None:
    if any(t.text in LETTER_TYPES for t in tokens[start + 1 : end]) or tokens[start].text.isdigit():
        return None
    key = "".join(t.text for t in tokens[start:end])
    if end - start == 1 and len(key) < 6:
        return None  # one short word one letter off is too many things
    written = accented(text[tokens[start].start : tokens[end - 1].end])
    if _typed_otherwise(index, written, pool.get(key)):
        pool = {k: v for k, v in pool.items() if k != key}  # "Bắ Sơn" is not Ba Sơn: Bắc Sơn, maybe
    edits, keys = fuzzy.closest(key, pool)
    keys = [k for k in keys if _digits(k) == _digits(key)]  # "Cát Tiên 3" is not "Cát Tiên 2"
    if not keys:
        return None
    entries = list(dict.fromkeys(e for k in keys for e in pool[k]))
    if len(entries) > 1 and written != fold(written):
        # A tie on the bare letters: the accents typed can still tell "Thàh" is Thành, not Thạch.
        far = {e: fuzzy.accented_distance(written, short_name(index, e)) for e in entries}
        entries = [e for e in entries if far[e] == min(far.values())]
    prefix, prefix_start = type_before(tokens, start)
    return Mention(start, end, entries, prefix, prefix_start, written=written, edits=edits)


def _typed_otherwise(index: NameIndex, written: str, entries: list[Entry] | None) -> bool:
    """The letters name a place here, but the accents typed say it is not that one."""
    return bool(entries) and all(contradicts(written, short_name(index, e)) for e in entries or [])


def _opens_ward(tokens: list[Token], i: int) -> bool:
    """ "xa KRong": the name after "xã" is tried on its own; "Tịnh Biên" and "Quân Chu" begin with a
    word that is also a type word, and stay candidates."""
    if tokens[i].text in LETTER_TYPES:
        return True
    return any((w := words_at(tokens, i, n)) in TYPE_WORDS and TYPE_WORDS[w] in WARD_KINDS for n in (1, 2))


def _digits(key: str) -> str:
    return "".join(ch for ch in key if ch.isdigit())


def typo_mentions(
    text: str, tokens: list[Token], index: NameIndex, mentions: list[Mention], details: list[tuple[int, int]]
) -> list[Mention]:
    """Names with a typo, looked for only where a name is expected and only among the names of the
    district and province the text names: after "xã", "phường", "huyện"..., and just before a
    district or province that was found."""
    codes, old, districts = _named_places(index, mentions)
    if not codes and not districts:
        return []
    found: list[Mention] = []
    # Districts first: "huyện Chi Lăn, Lạng Sơn" gives the pool for the ward in front of it.
    district_pool: Pool = {}
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
        prefix, _p = type_before(tokens, i)
        if prefix in DISTRICT_KINDS and district_pool:  # "huyện Chi Lăn"
            district_runs.append([(i, i + n) for n in range(1, 5) if words_at(tokens, i, n)])
    for m in provinces:  # "Vĩnh Trung, Tịnh Biem, An Giang": the two words before the province
        district_runs.append(
            [(m.prefix_start - n, m.prefix_start) for n in (2, 3)
             if words_at(tokens, m.prefix_start - n, n) and not _opens_ward(tokens, m.prefix_start - n)]
        )  # fmt: skip
    for candidates in district_runs:
        spans = [(a, b) for a, b in candidates if not any(k in named_spans for k in range(a, b))]
        best = _best_of([_fuzzy_run(text, index, tokens, a, b, district_pool) for a, b in spans])
        if best is not None:
            found.append(best)
            districts.update(e.ref for e in best.entries)
    pool: Pool = {}
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
        prefix, _p = type_before(tokens, i)
        if prefix in WARD_KINDS:
            runs.update((i, i + n) for n in range(1, 5) if words_at(tokens, i, n))
        if i in anchors_right:
            before = [(i - n, i) for n in range(1, 5) if words_at(tokens, i - n, n)]
            runs.update((a, b) for a, b in before if not _opens_ward(tokens, a))
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


def _key(tokens: list[Token], m: Mention) -> str:
    return "".join(t.text for t in tokens[m.start : m.end])


def _best_of(mentions: list[Mention | None]) -> Mention | None:
    real = [m for m in mentions if m is not None]
    return min(real, key=lambda m: (m.edits, m.start - m.end)) if real else None
