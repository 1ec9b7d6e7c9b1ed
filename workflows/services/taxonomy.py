"""The services taxonomy (versioned TOML data) and the agency levels. Pure: no I/O besides the shipped file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from routing.text import fold

_FILE = Path(__file__).with_name("taxonomy.toml")

# The three levels of the service system (no districts since 2025): the commune, the province, the
# centre (the 111 line and national facilities).
LEVELS: dict[str, tuple[str, str]] = {
    "commune": ("Cấp xã", "Commune"),
    "province": ("Cấp tỉnh", "Province"),
    "national": ("Trung ương", "National"),
}
_LEVEL_WORDS = {
    "xa": "commune", "cap xa": "commune", "phuong": "commune", "commune": "commune",
    "tinh": "province", "cap tinh": "province", "province": "province",
    "trung uong": "national", "quoc gia": "national", "national": "national",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    sector: str
    vi: str
    en: str


@dataclass(frozen=True, slots=True)
class Taxonomy:
    version: str
    services: dict[str, Service]

    def find(self, text: str) -> Service | None:
        """A service by its code or its name in either language, accents and case optional."""
        wanted = fold(text)
        for service in self.services.values():
            if wanted in (fold(service.code), fold(service.vi), fold(service.en)):
                return service
        return None


@cache
def taxonomy() -> Taxonomy:
    data = tomllib.loads(_FILE.read_text(encoding="utf-8"))
    services = {s["code"]: Service(s["code"], s["sector"], s["vi"], s["en"]) for s in data["service"]}
    return Taxonomy(str(data["version"]), services)


def parse_level(text: str) -> str | None:
    return _LEVEL_WORDS.get(fold(text))
