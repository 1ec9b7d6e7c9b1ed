"""Names with a slip of the finger ("Trung Châ", "Vn Hà", "Bình Hưg"), matched within a small pool.

A typo is only forgiven among the names of the district or province the text also names: a few
dozen wards, never the whole country, so that one letter off cannot wander to another province.
The distance is optimal string alignment (a letter dropped, added, changed, or two swapped count
one edit each), on folded names without spaces. Every name at the smallest distance is returned:
the caller turns a tie into two candidates, and two candidates into a question for an operator.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_KEY = 4  # "vnha" ("Vn Hà") still counts; shorter words are too easily something else


def max_edits(key: str) -> int:
    """One slip in a short name, two in a long one."""
    return 1 if len(key) < 10 else 2


def closest(key: str, pool: Mapping[str, Sequence[object]]) -> tuple[int, list[str]]:
    """(edits, every pool key at that distance); (0, []) when nothing is close enough or it is exact."""
    if len(key) < MIN_KEY or not pool or key in pool:
        return 0, []
    found = process.extract(key, list(pool), scorer=OSA.distance, score_cutoff=max_edits(key), limit=None)
    if not found:
        return 0, []
    best = min(score for _k, score, _i in found)
    return int(best), sorted(k for k, score, _i in found if score == best)


def accented_distance(written: str, name: str) -> int:
    """Edits between two names as typed, accents kept ("thàh long" is nearer Thành Long than Thạch Long)."""
    a = unicodedata.normalize("NFC", written.lower()).replace(" ", "")
    return int(OSA.distance(a, unicodedata.normalize("NFC", name.lower()).replace(" ", "")))


_TYPE_WORDS = {"phường": "phuong", "huyện": "huyen"}


def type_word(written: str, folded: str, next_is_number: bool) -> str | None:
    """"Phờng", "phuog", "Huyn": the long type words typed with a slip. Returns the folded word meant.

    With accents typed, the accents decide ("Phờng" is a slip, "Phong" is a name); without them, a
    bare "phong" is a type word only in front of a number ("phong 12"). The first letter is never
    the slip, so "Tuyen" (Quang) stays a name.
    """
    if folded in ("qun", "qan"):  # "Qun 3"; longer neighbours of "quan" are names ("Quang")
        return "quan"
    if len(folded) < 4 or folded in ("phuong", "huyen", "uyen"):
        return None
    lower = unicodedata.normalize("NFC", written.lower())
    accented = lower != folded
    for word, bare in _TYPE_WORDS.items():
        if folded[0] != bare[0]:
            continue
        if accented:
            if OSA.distance(lower, word) <= 1:
                return bare
        elif OSA.distance(folded, bare) <= 1:
            if folded == "phong" and not next_is_number:
                continue
            return bare
    return None
