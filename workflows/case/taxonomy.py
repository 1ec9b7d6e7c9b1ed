"""The intake taxonomy as versioned data (workflows/case/intake_taxonomy.toml): categories, the 14 groups of
children in special circumstances (Luật Trẻ em Art. 10), non-case outcomes and counselling topics."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FILE = Path(__file__).with_name("intake_taxonomy.toml")


@dataclass(frozen=True)
class Term:
    code: str
    vi: str
    en: str

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class Taxonomy:
    version: str
    categories: tuple[Term, ...]
    special_circumstances: tuple[Term, ...]
    outcomes: tuple[Term, ...]
    counselling_topics: tuple[Term, ...]

    def codes(self, kind: str) -> frozenset[str]:
        return frozenset(t.code for t in getattr(self, kind))

    def label(self, kind: str, code: str | None, lang: str) -> str:
        for term in getattr(self, kind):
            if term.code == code:
                return str(term.label(lang))
        return code or ""


@lru_cache(maxsize=1)
def load() -> Taxonomy:
    data = tomllib.loads(FILE.read_text(encoding="utf-8"))

    def terms(kind: str) -> tuple[Term, ...]:
        return tuple(Term(str(t["code"]), str(t["vi"]), str(t["en"])) for t in data[kind])

    taxonomy = Taxonomy(version=str(data["version"]), categories=terms("categories"),
                        special_circumstances=terms("special_circumstances"), outcomes=terms("outcomes"),
                        counselling_topics=terms("counselling_topics"))
    if len(taxonomy.special_circumstances) != 14:
        raise ValueError(f"{FILE}: Art. 10 has 14 groups, the file has {len(taxonomy.special_circumstances)}")
    return taxonomy
