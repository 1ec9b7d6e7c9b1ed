"""The supervisor board's texts: Vietnamese first, English second (the `board.*` messages laid over the
console's `desk.*`); a clock's name is `board_clock.<clock>`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from core import i18n
from intake.console.texts import console_texts


@lru_cache(maxsize=len(i18n.LANGUAGES))
def _board_texts(lang: str) -> Mapping[str, str]:
    return MappingProxyType({**console_texts(lang), **i18n.texts(lang, "board")})


def board_texts(lang: str) -> Mapping[str, str]:
    """The console's texts (the shared layout uses them) with the board's laid over."""
    return _board_texts(i18n.language(lang))


def clock_name(clock: str, lang: str) -> str:
    return i18n.texts(lang, "board_clock").get(clock, clock)


def __getattr__(name: str) -> Any:
    """VI, EN (the board's own texts) and CLOCKS (clock -> (vi, en)): the old tables, read from the catalogs."""
    if name in ("VI", "EN"):
        return i18n.texts(name.lower(), "board")
    if name == "CLOCKS":
        return i18n.pairs("board_clock")
    raise AttributeError(name)
