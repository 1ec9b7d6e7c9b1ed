"""Whose place a name is: the child's ("cháu ở…", "nhà em ở…", "địa chỉ của trẻ", "xảy ra tại…") or
someone else's (the reporter's own, "tôi ở…", "gọi từ…", "người báo ở…"; a workplace or school, "làm
việc tại…", "học ở…"; where a family came from, "chuyển từ A về B").

Only the words around the names: a phrase like these opens a stretch of the text that runs to the
next such phrase or to the end of the sentence. The scorer (routing/locate.py) weighs a name in
someone else's stretch below the child's, and when two different places are both the child's it
cannot tell, so an operator gets both.
"""

from __future__ import annotations

from routing.mentions import LETTER_TYPES
from routing.text import Token

CHILD = "child"
OTHER = "other"

# Folded word runs -> whose place follows. Longest first where they overlap ("nhà cháu ở" before "cháu ở").
_CUES: dict[tuple[str, ...], str] = {
    # The child's place.
    ("chau", "o"): CHILD, ("chau", "song", "o"): CHILD, ("chau", "dang", "o"): CHILD,
    ("be", "o"): CHILD, ("be", "song", "o"): CHILD, ("be", "dang", "o"): CHILD,
    ("tre", "o"): CHILD, ("tre", "song", "o"): CHILD, ("em", "be", "o"): CHILD,
    ("nha", "chau", "o"): CHILD, ("nha", "be", "o"): CHILD, ("nha", "em", "o"): CHILD,
    ("nha", "tre", "o"): CHILD, ("nha", "chau", "tai"): CHILD, ("nha", "em", "tai"): CHILD,
    ("dia", "chi", "cua", "tre"): CHILD, ("dia", "chi", "cua", "chau"): CHILD,
    ("dia", "chi", "cua", "be"): CHILD, ("dia", "chi", "cua", "em"): CHILD, ("dia", "chi", "tre"): CHILD,
    ("dia", "chi", "chau"): CHILD, ("dia", "chi", "be"): CHILD, ("dia", "chi", "nha", "tre"): CHILD,
    ("xay", "ra", "o"): CHILD, ("xay", "ra", "tai"): CHILD, ("noi", "xay", "ra"): CHILD,
    ("chuyen", "ve"): CHILD, ("chuyen", "den"): CHILD, ("don", "ve"): CHILD, ("don", "den"): CHILD,
    ("hien", "o"): CHILD, ("nay", "o"): CHILD, ("hien", "dang", "o"): CHILD,
    ("con", "o"): CHILD, ("con", "toi", "o"): CHILD, ("chau", "toi", "o"): CHILD,
    ("be", "nha", "toi", "o"): CHILD, ("con", "em", "o"): CHILD,
    # Someone else's: the reporter, a workplace or school, where the family came from.
    ("toi", "o"): OTHER, ("toi", "song", "o"): OTHER, ("toi", "dang", "o"): OTHER, ("minh", "o"): OTHER,
    ("goi", "tu"): OTHER, ("nguoi", "bao", "o"): OTHER, ("nguoi", "goi", "o"): OTHER,
    ("nguoi", "bao", "tin", "o"): OTHER, ("nguoi", "bao", "song", "o"): OTHER, ("nguoi", "goi", "tu"): OTHER,
    ("lam", "viec", "o"): OTHER, ("lam", "viec", "tai"): OTHER, ("lam", "o"): OTHER, ("lam", "tai"): OTHER,
    ("cong", "tac", "o"): OTHER, ("cong", "tac", "tai"): OTHER, ("day", "o"): OTHER, ("day", "tai"): OTHER,
    ("hoc", "o"): OTHER, ("hoc", "tai"): OTHER,
    ("chuyen", "tu"): OTHER, ("don", "tu"): OTHER, ("truoc", "day", "o"): OTHER, ("que", "o"): OTHER,
}  # fmt: skip
# By first word, longest first: most words open no cue, and are passed over with one look-up.
_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _words, _role in sorted(_CUES.items(), key=lambda kv: -len(kv[0])):
    _BY_FIRST.setdefault(_words[0], []).append((_words, _role))
# After "chuyển từ A", a bare "về B" or "đến B" is where the family went.
_MOVED_TO = frozenset({("ve",), ("den",), ("sang",), ("xuong",), ("len",)})
_MOVED_FROM = frozenset({("chuyen", "tu"), ("don", "tu")})


# A child named after someone else's place ends that stretch: "tôi ở phường A, thấy bé bị đánh ở xã B".
_CHILD_WORDS = frozenset({("chau",), ("be",), ("tre",), ("hoc", "sinh"), ("con",)})


def _child_named(text: str, tokens: list[Token], i: int, mixed_case: bool) -> bool:
    """ "thấy bé bị đánh": a child is spoken of here, not the "Châu" of Hải Châu."""
    if tokens[i].text not in _CHILD_FIRST or not any(
        tuple(t.text for t in tokens[i : i + len(w)]) == w for w in _CHILD_WORDS
    ):
        return False
    if mixed_case:
        return not text[tokens[i].start].isupper()
    return i == 0 or tokens[i - 1].segment != tokens[i].segment or tokens[i - 1].text in _BEFORE_CHILD


_CHILD_FIRST = frozenset(w[0] for w in _CHILD_WORDS)
_BEFORE_CHILD = frozenset({"thay", "co", "nghe", "biet", "la", "ma", "nhung", "va", "con"})


def _cue_at(tokens: list[Token], i: int, moving: bool) -> tuple[str, int] | None:
    first = tokens[i].text
    for words, role in _BY_FIRST.get(first, ()):
        n = len(words)
        if i + n <= len(tokens) and all(tokens[i + k].text == words[k] for k in range(1, n)):
            return role, n
    if moving and (first,) in _MOVED_TO:
        return CHILD, 1
    return None


def _sentence_ends(text: str, tokens: list[Token], k: int) -> bool:
    """A full stop, "!" or "?" between tokens k-1 and k ends a sentence; "P. Tân Sơn" does not."""
    gap = text[tokens[k - 1].end : tokens[k].start]
    if "!" in gap or "?" in gap or "\n" in gap:
        return True
    return "." in gap and tokens[k - 1].text not in LETTER_TYPES and not tokens[k - 1].text.isdigit()


def whose(text: str, tokens: list[Token]) -> list[str | None]:
    """For each token, CHILD, OTHER or None (nothing in the text says whose place it is)."""
    roles: list[str | None] = [None] * len(tokens)
    if not tokens:
        return roles
    current: str | None = None
    moving = False
    mixed_case = text != text.lower() and text != text.upper()
    i = 0
    while i < len(tokens):
        if i and _sentence_ends(text, tokens, i):
            current, moving = None, False
        cue = _cue_at(tokens, i, moving)
        if cue is None and current == OTHER and _child_named(text, tokens, i, mixed_case):
            current = None
        if cue is None:
            roles[i] = current
            i += 1
            continue
        current, n = cue
        words = tuple(t.text for t in tokens[i : i + n])
        moving = words in _MOVED_FROM
        for k in range(i, i + n):
            roles[k] = current
        i += n
    return roles
