"""Folding Vietnamese text so that "Quảng Trị", "quang tri" and "QUẢNG-TRỊ" compare equal."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"\w+", re.UNICODE)
# A comma, semicolon, newline or bracket ends one part of an address; a hyphen or a dot does not
# ("Bà Rịa - Vũng Tàu", "P. Tân Sơn").
_BREAK = re.compile(r"[,;\n\r()\[\]|:/\\]")
# "q1", "p12", "f7" are written glued to the number.
_GLUED = re.compile(r"^(q|p|f|x|h|kp|tdp)(\d+)$")


def fold(text: str) -> str:
    """Lowercase, no diacritics (đ -> d), punctuation to single spaces."""
    text = text.replace("đ", "d").replace("Đ", "d")
    decomposed = unicodedata.normalize("NFD", text.lower())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(bare.replace("_", " ")))


def key(text: str) -> str:
    """The folded text without spaces: the form the gazetteer indexes names by."""
    return fold(text).replace(" ", "")


def _norm_token(token: str) -> str:
    # "01" and "1" are the same ward number. isdecimal, not isdigit: "²" is a digit int() cannot read.
    return str(int(token)) if token.isdecimal() and len(token) < 6 else token


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # folded
    start: int  # offsets in the original text
    end: int
    segment: int  # index of the comma-separated part it belongs to


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    segment = 0
    last_end = 0
    for match in _WORD.finditer(text):
        if _BREAK.search(text, last_end, match.start()):
            segment += 1
        last_end = match.end()
        folded = fold(match.group())
        for part in folded.split():
            glued = _GLUED.match(part)
            if glued:
                tokens.append(Token(glued.group(1), match.start(), match.end(), segment))
                tokens.append(Token(_norm_token(glued.group(2)), match.start(), match.end(), segment))
            else:
                tokens.append(Token(_norm_token(part), match.start(), match.end(), segment))
    return tokens


# Telex, the usual way to type Vietnamese on a phone: "aa" is â, "ow" is ơ, "dd" is đ, and a tone key
# after the word (s sắc, f huyền, r hỏi, x ngã, j nặng). When the phone's keyboard did not turn the
# keys into accents, they stay in the word: "xax" is xã, "huyeenj" huyện, "phuwowngf" phường.
_TELEX_PAIRS = (("dd", "d"), ("aa", "a"), ("ee", "e"), ("oo", "o"), ("aw", "a"), ("ow", "o"), ("uw", "u"))
_TONE_KEYS = frozenset("sfrxj")
_VOWELS = frozenset("aeiouy")


def untelex(word: str) -> str | None:
    """The folded word a Telex leftover stands for ("huyeenj" -> "huyen"), or None when it is not one.

    Only the form: whether the result is a word that names places is for the caller to check.
    """
    if len(word) < 3 or not word.isalpha() or not word.isascii():
        return None
    bare = word
    if bare[-1] in _TONE_KEYS and any(ch in _VOWELS for ch in bare[:-1]):
        bare = bare[:-1]
    for pair, single in _TELEX_PAIRS:
        bare = bare.replace(pair, single)
    bare = bare.replace("w", "u")  # "w" alone is ư: "nhwng" is "nhưng"
    if bare == word or not any(ch in _VOWELS for ch in bare):
        return None
    return bare
