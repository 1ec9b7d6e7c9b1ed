"""The roles in a commune team, their names as people write them, and their default place in the chain."""

from __future__ import annotations

from dataclasses import dataclass

from routing.text import fold


@dataclass(frozen=True, slots=True)
class Role:
    code: str
    vi: str
    en: str
    default_order: int  # lower is called first


SUPERVISOR = "province_supervisor"
SHIFT_LEAD = "shift_lead"
# The hotline's own shift leads belong to no province: they are stored with the supervisors under this
# code (no province has it; the 34 provinces of 2025 keep their old codes, 01 to 96).
LINE_CODE = "00"
LINE_NAME = "Tổng đài 111"

ROLES: dict[str, Role] = {
    r.code: r
    for r in (
        Role("child_protection_officer", "Cán bộ bảo vệ trẻ em", "Child protection officer", 10),
        Role("commune_chair", "Chủ tịch UBND xã", "Commune chair", 20),
        # A vice chair acting for the chair ("KT. Chủ tịch"): takes the chair's decisions, recorded as such.
        Role("commune_vice_chair", "Phó Chủ tịch UBND xã (KT. Chủ tịch)", "Commune vice chair (for the chair)", 25),
        Role("commune_police", "Công an xã", "Commune police", 30),
        Role("health_station", "Trạm y tế", "Health station", 40),
        Role("village_collaborator", "Cộng tác viên", "Village collaborator", 50),
        # Not a commune team member: the province's last step of every escalation (Xã left blank).
        Role(SUPERVISOR, "Giám sát tỉnh", "Province supervisor", 90),
        # Not a commune team member either: the hotline's shift lead (Xã and Tỉnh left blank), told
        # when a case waits for routing and when a team says the case is not theirs.
        Role(SHIFT_LEAD, "Trưởng ca", "Hotline shift lead", 95),
    )
}

# The commune roster form is the list of village collaborators: a row without a role is one of them.
DEFAULT_ROLE = "village_collaborator"

_ALIASES: dict[str, str] = {
    "can bo bao ve tre em": "child_protection_officer",
    "cong chuc bao ve tre em": "child_protection_officer",
    "nguoi lam cong tac bao ve tre em": "child_protection_officer",
    "can bo tre em": "child_protection_officer",
    "bvte": "child_protection_officer",
    "child protection officer": "child_protection_officer",
    "chu tich ubnd xa": "commune_chair",
    "chu tich ubnd": "commune_chair",
    "chu tich xa": "commune_chair",
    "chu tich": "commune_chair",
    "commune chair": "commune_chair",
    "chair": "commune_chair",
    "pho chu tich ubnd xa": "commune_vice_chair",
    "pho chu tich xa": "commune_vice_chair",
    "pho chu tich": "commune_vice_chair",
    "kt chu tich": "commune_vice_chair",
    "kt. chu tich": "commune_vice_chair",
    "vice chair": "commune_vice_chair",
    "cong an xa": "commune_police",
    "cong an": "commune_police",
    "commune police": "commune_police",
    "police": "commune_police",
    "tram y te": "health_station",
    "y te": "health_station",
    "health station": "health_station",
    "cong tac vien": "village_collaborator",
    "ctv": "village_collaborator",
    "village collaborator": "village_collaborator",
    "collaborator": "village_collaborator",
    "giam sat tinh": SUPERVISOR,
    "giam sat": SUPERVISOR,
    "so y te": SUPERVISOR,
    "giam sat so y te": SUPERVISOR,
    "supervisor": SUPERVISOR,
    "province supervisor": SUPERVISOR,
    "truong ca": SHIFT_LEAD,
    "truong ca truc": SHIFT_LEAD,
    "truong ca tong dai": SHIFT_LEAD,
    "truc ca 111": SHIFT_LEAD,
    "shift lead": SHIFT_LEAD,
    "hotline shift lead": SHIFT_LEAD,
}


def parse_role(text: str) -> str | None:
    """A role code from a code, a Vietnamese or an English name (any case, any accents); None if unknown."""
    folded = fold(text)
    if folded.replace(" ", "_") in ROLES:
        return folded.replace(" ", "_")
    return _ALIASES.get(folded)
