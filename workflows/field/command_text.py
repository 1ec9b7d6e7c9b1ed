"""What a commune officer types on a basic phone, read forgivingly. Pure: no I/O.

Vietnamese with or without diacritics, any case and spacing. A command names its case by the short
reply code of the SMS (`NHAN 3`), by the full reference (`NHAN TE4KM7XQ9`), or not at all (`NHAN`:
the case last sent to this phone).

    NHAN [n]                      accept the case
    TU CHOI [n] <ly do>           decline (a reason is required)
    SAI XA [n]                    not our commune
    DA XAC MINH [n] CAO|TB|THAP   initial assessment reported, with the risk level
    KHAN CAP [n] <bien phap>      emergency protection started, with the measure taken (Art. 31)
    XONG [n]                      the work is done (plan carried out, or review finished)
    NHAN|TU CHOI|XONG GT...       an agency's answer to a referral (XONG with the outcome)
    HUONG DAN | ?                 help
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.ids import REFERENCE_ALPHABET

# The words of each command, folded (no diacritics, upper case, single spaces); longest first wins.
_WORDS: dict[str, tuple[str, ...]] = {
    "acknowledge": ("NHAN CA", "NHAN", "ACCEPT", "OK"),
    "decline": ("TU CHOI", "TUCHOI", "KHONG NHAN", "DECLINE"),
    "wrong_commune": ("SAI XA", "SAIXA", "SAI DIA BAN", "KHONG PHAI DIA BAN", "WRONG"),
    "assessed": ("DA XAC MINH", "DAXACMINH", "XAC MINH", "VERIFIED"),
    "emergency": ("KHAN CAP", "KHANCAP", "EMERGENCY"),
    "done": ("XONG", "HOAN THANH", "DONE"),
    "help": ("HUONG DAN", "HUONGDAN", "GIUP", "HELP", "?"),
}
_BY_WORD = sorted(((w, kind) for kind, words in _WORDS.items() for w in words), key=lambda p: -len(p[0]))

RISK_WORDS: dict[str, str] = {
    "CAO": "high", "HIGH": "high",
    "TB": "medium", "TRUNG BINH": "medium", "TRUNGBINH": "medium", "VUA": "medium", "MEDIUM": "medium",
    "THAP": "low", "LOW": "low",
}

_CODE = re.compile(r"^\d{1,2}$")
# A case reference: TE and seven of the reference alphabet (TECKWWDPJ), or letters mixed with digits
# (TE4KM7XQ9, HL-AMR46TN); a word of a reason is never one.
_REFERENCE = re.compile(
    rf"^(TE-?[{REFERENCE_ALPHABET}]{{7}}|(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9-]{{6,16}})$")


@dataclass(frozen=True)
class Command:
    kind: str  # acknowledge | decline | wrong_commune | assessed | emergency | done | help | unknown
    code: int | None = None  # the reply code of the SMS (1..99)
    reference: str | None = None  # a full case reference, when typed instead of the code
    reason: str | None = None  # decline (and done: an outcome): as typed, diacritics kept
    measure: str | None = None  # emergency: the measure taken, as typed (NĐ 56 Art. 31)
    risk_level: str | None = None  # assessed: high | medium | low


def fold_aligned(text: str) -> str:
    """Upper case without diacritics, one character for one, so positions match the original."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char.replace("đ", "d").replace("Đ", "D"))
        base = "".join(c for c in base if not unicodedata.combining(c))
        out.append(base.upper() if len(base) == 1 else char)
    return "".join(out)


def parse_command(text: str) -> Command:
    folded = fold_aligned(text)
    tokens = _split_glued([(m.group(), m.start(), m.end()) for m in re.finditer(r"[^\s.,;:!?]+|\?", folded)])
    kind, used = _command_of(tokens)
    if kind is None:
        return Command("unknown")
    rest = tokens[used:]
    code, reference, rest = _target(rest, anywhere=kind == "assessed")
    if kind in ("decline", "done", "emergency"):  # done: the outcome an agency reports (XONG GT... <ket qua>)
        said = text[rest[0][1]:rest[-1][2]].strip() if rest else ""
        if kind == "emergency":
            return Command(kind, code, reference, measure=said or None)
        return Command(kind, code, reference, reason=said or None)
    if kind == "assessed":
        return Command(kind, code, reference, risk_level=_risk(rest))
    return Command(kind, code, reference)


_LAST_WORDS = {phrase.split(" ")[-1] for phrase, _ in _BY_WORD}
_GLUED = re.compile(r"^([A-Z]+)(\d{1,2})$")


def _split_glued(tokens: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """"NHAN3", "SAIXA12": a command word with the reply code typed against it."""
    out = []
    for word, start, end in tokens:
        glued = _GLUED.match(word)
        if glued and glued[1] in _LAST_WORDS:
            cut = start + len(glued[1])
            out += [(glued[1], start, cut), (glued[2], cut, end)]
        else:
            out.append((word, start, end))
    return out


def _command_of(tokens: list[tuple[str, int, int]]) -> tuple[str | None, int]:
    words = [t[0] for t in tokens]
    for phrase, kind in _BY_WORD:
        parts = phrase.split(" ")
        if words[: len(parts)] == parts:
            return kind, len(parts)
    return None, 0


def _target(
    rest: list[tuple[str, int, int]], *, anywhere: bool
) -> tuple[int | None, str | None, list[tuple[str, int, int]]]:
    """The reply code or reference right after the command (anywhere after it, for DA XAC MINH)."""
    places = range(len(rest)) if anywhere else range(min(1, len(rest)))
    for i in places:
        word = rest[i][0]
        if _CODE.match(word) and 1 <= int(word) <= 99:
            return int(word), None, rest[:i] + rest[i + 1 :]
        if _REFERENCE.match(word):
            return None, word.replace("-", ""), rest[:i] + rest[i + 1 :]
    return None, None, rest


def _risk(rest: list[tuple[str, int, int]]) -> str | None:
    words = [t[0] for t in rest]
    for i, word in enumerate(words):
        pair = " ".join(words[i : i + 2])
        if pair in RISK_WORDS:
            return RISK_WORDS[pair]
        if word in RISK_WORDS:
            return RISK_WORDS[word]
    return None
