"""A commune as a person names it: "Xã Cam Lộ", "cam lo", "Cam Lộ, Quảng Trị" or the code "19597". Pure."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from functools import lru_cache

from rapidfuzz import fuzz, process

from routing.gazetteer import Commune, Gazetteer, name_key

KINDS = ("xa", "phuong", "dackhu", "thitran")  # "Xã", "Phường", "Đặc khu", "Thị trấn", folded


@lru_cache(maxsize=2)
def _index(gazetteer: Gazetteer) -> dict[str, list[Commune]]:
    """Both the full name ("xacamlo") and the short one ("camlo") lead to the commune."""
    index: dict[str, list[Commune]] = defaultdict(list)
    for commune in gazetteer.communes.values():
        for key in {name_key(commune.name), name_key(commune.short)}:
            index[key].append(commune)
    return dict(index)


def _without_kind(key: str) -> str:
    for kind in KINDS:
        if key.startswith(kind) and len(key) > len(kind):
            return key[len(kind):]
    return key


def find_communes(query: str, gazetteer: Gazetteer) -> list[Commune]:
    """Every commune the words can mean, by code; several when the name is used in several provinces."""
    text = query.strip()
    if text.isdigit():
        by_code = gazetteer.commune(text)
        return [by_code] if by_code else []
    name, _, province_text = text.partition(",")
    index = _index(gazetteer)
    key = name_key(name)
    found: list[Commune] = index.get(key) or index.get(_without_kind(key)) or []
    if province_text.strip():
        province = gazetteer.province(province_text.strip())
        found = [c for c in found if province is not None and c.province_code == province.code]
    exact = [c for c in found if _spelt(name) in {_spelt(c.name), _spelt(c.short)}]
    return sorted(exact or found, key=lambda c: c.code)  # "Tân Thành" typed with its accents is not "Tân Thanh"


def _spelt(text: str) -> str:
    words = unicodedata.normalize("NFC", text).lower().split()
    if words and words[0] in {"xã", "phường", "thị"}:
        words = words[2:] if words[0] == "thị" else words[1:]
    elif words[:2] == ["đặc", "khu"]:
        words = words[2:]
    return " ".join(words)


def suggestions(query: str, gazetteer: Gazetteer, limit: int = 3) -> list[Commune]:
    """Names close to a misspelt one ("Cam Loo"), best first."""
    index = _index(gazetteer)
    key = _without_kind(name_key(query.partition(",")[0]))
    best = process.extract(key, list(index), scorer=fuzz.ratio, limit=limit, score_cutoff=75)
    seen: dict[str, Commune] = {}
    for match, _score, _ in best:
        for commune in index[match]:
            seen.setdefault(commune.code, commune)
    return list(seen.values())[:limit]
