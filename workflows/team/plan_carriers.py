"""Who carries out an approved plan (NĐ 56/2017 Art. 28(5)): each line's "responsible" read against the commune
team's roles. Pure: no I/O.

The plan is sent to the bodies and people responsible for it: a line written for "Trạm y tế xã" goes to the
team's health station, "Công an xã" to the police, "cộng tác viên thôn" to the village collaborator, "cán bộ
BVTE" to the officer. The commune's child-protection officer coordinates the plan and gets every line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from routing.text import fold

OFFICER_ROLE = "child_protection_officer"
# A role's words as a plan line writes them, folded (no diacritics, lower case).
_WORDS: dict[str, tuple[str, ...]] = {
    OFFICER_ROLE: ("can bo bao ve tre em", "can bo bvte", "bvte", "can bo xa", "lao dong thuong binh"),
    "commune_police": ("cong an",),
    "health_station": ("tram y te", "y te", "bac si", "y si"),
    "village_collaborator": ("cong tac vien", "ctv", "truong thon"),
    "commune_chair": ("chu tich",),
    "commune_vice_chair": ("pho chu tich",),
}


@dataclass(frozen=True)
class Share:
    phone: str
    role: str
    lines: int  # how many of the plan's lines are this person's
    starts_on: str | None  # the earliest start of those lines (ISO date)
    ends_on: str | None  # the latest end


def roles_named(responsible: str) -> set[str]:
    """The team roles a plan line's "responsible" names."""
    text = f" {fold(responsible)} "
    return {role for role, words in _WORDS.items()
            if any(re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", text) for w in words)}


def shares(services: Iterable[Mapping[str, Any]], team: Iterable[Mapping[str, Any]]) -> list[Share]:
    """For each member of the team with a part in the plan, their lines' count and dates; one per phone."""
    lines = list(services)
    out: dict[str, Share] = {}
    for member in team:
        phone, role = str(member.get("phone") or ""), str(member.get("role") or "")
        if not phone or phone in out:
            continue
        mine = lines if role == OFFICER_ROLE else [s for s in lines if role in roles_named(str(s.get("responsible")))]
        if not mine:
            continue
        starts = [str(s["starts_on"]) for s in mine if s.get("starts_on")]
        ends = [str(s["ends_on"]) for s in mine if s.get("ends_on")]
        out[phone] = Share(phone, role, len(mine), min(starts) if starts else None, max(ends) if ends else None)
    return list(out.values())
