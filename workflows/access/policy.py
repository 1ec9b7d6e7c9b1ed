"""The access policy: who may do what with each protected object. Pure; fails closed.

Objects: a contact (a call, a message, a web report), a case, the identity of the child and the
reporter inside a case, and statistics. Every function answers a yes or a no; anything it does not
recognise (an unknown role, a missing scope, a case with no place yet) is a no.

| role                | scope     | cases it sees                        | identity | moves | routes | statistics |
|---------------------|-----------|--------------------------------------|----------|-------|--------|------------|
| operator            | a line    | every case and contact of its line   | yes      | yes   | yes    | no         |
| shift_lead          | a line    | every case and contact of its line   | yes      | yes   | yes    | its line   |
| commune_officer     | a commune | cases routed to its commune (†)      | yes      | yes   | no     | commune    |
| commune_chair       | a commune | cases routed to its commune (†)      | yes      | yes   | no     | commune    |
| commune_vice_chair  | a commune | cases routed to its commune (†)      | yes      | yes   | no     | commune    |
| commune_police      | a commune | cases routed to its commune (†)      | yes      | yes   | no     | no         |
| province_supervisor | a province| cases routed to its province         | yes      | yes   | yes*   | province   |
| admin               | everywhere| every case (without identities)      | no       | no    | no     | everywhere |

*a supervisor routes only within their own province.
†and the cases of children who live in the commune when it happened elsewhere: the commune where the
child lives chairs the support and intervention plan (Child Law Art. 52(2)) and its chair may order a
temporary separation (Decree 56 Art. 32(2)), so it reads the case and takes part like the commune where
it happened; the workflow's own guards still decide who approves.
What a principal may not see is answered exactly like what does not exist (404): the API must not
admit that a case is there. Seeing an identity is its own permission and its own audit record.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import i18n

DEFAULT_LINE = "111"
LINE_ROLES = frozenset({"operator", "shift_lead"})
COMMUNE_ROLES = frozenset({"commune_officer", "commune_chair", "commune_vice_chair", "commune_police"})
PROVINCE_ROLES = frozenset({"province_supervisor"})
NATIONAL_ROLES = frozenset({"admin"})
ROLES = LINE_ROLES | COMMUNE_ROLES | PROVINCE_ROLES | NATIONAL_ROLES



def __getattr__(name: str) -> dict[str, tuple[str, str]]:
    """ROLE_NAMES (role -> (vi, en)): each staff role's name, from the catalogs (`role_title.*`)."""
    if name == "ROLE_NAMES":
        return i18n.pairs("role_title")
    raise AttributeError(name)


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in user or a token's user, with the role and scope stored for them."""

    user: str  # the user name: what the audit trail and the case history record
    role: str
    line: str | None = None
    province: str | None = None
    commune: str | None = None

    @property
    def username(self) -> str:
        return self.user


@dataclass(frozen=True)
class Place:
    """Where a contact or case belongs: its line, and once routed its province and commune."""

    line: str | None
    province: str | None = None
    commune: str | None = None
    home_commune: str | None = None  # where the child lives, when not where it happened


def scope_problem(role: str, *, line: str | None, province: str | None, commune: str | None) -> str | None:
    """Why this role and scope cannot be given to a user (None when they can)."""
    if role not in ROLES:
        return f"unknown role {role!r}; one of {', '.join(sorted(ROLES))}"
    if role in LINE_ROLES and not (line and len(line) <= 8 and line.isascii() and line.isalnum()):
        return f"a {role} works on a line (e.g. {DEFAULT_LINE})"
    if role in COMMUNE_ROLES and not (commune and len(commune) == 5 and commune.isdigit()):
        return f"a {role} belongs to a commune (5-digit 2025 code)"
    if role in PROVINCE_ROLES and not (province and len(province) == 2 and province.isdigit()):
        return f"a {role} belongs to a province (2-digit code)"
    return None


def _in_scope(who: Principal, where: Place) -> bool:
    if scope_problem(who.role, line=who.line, province=who.province, commune=who.commune):
        return False  # a principal with a broken scope sees nothing
    if who.role in NATIONAL_ROLES:
        return True
    if who.role in LINE_ROLES:
        return where.line is not None and where.line == who.line
    if who.role in PROVINCE_ROLES:
        return where.province is not None and where.province == who.province
    if who.role in COMMUNE_ROLES:
        return who.commune is not None and who.commune in (where.commune, where.home_commune)
    return False


def may_view_case(who: Principal, case: Place) -> bool:
    return _in_scope(who, case)


def may_view_contact(who: Principal, contact: Place) -> bool:
    """A contact that is not (yet) a case has only its line: the line's operators and admins see it."""
    return _in_scope(who, contact)


def may_view_identity(who: Principal, case: Place) -> bool:
    return who.role not in NATIONAL_ROLES and may_view_case(who, case)


def may_transition(who: Principal, case: Place, trigger: str) -> bool:
    """Moving a case needs sight of it; the workflow table's `who` decides the step itself, in `fire`, for
    every channel, so that a refusal can say who may take it (a 409, not the 404 of a case out of sight)."""
    return bool(trigger) and who.role not in NATIONAL_ROLES and may_view_case(who, case)


def may_route(who: Principal, case: Place, *, to_province: str | None) -> bool:
    """Operators and shift leads route a case of their line; a supervisor within their province."""
    if not may_view_case(who, case):
        return False
    if who.role in LINE_ROLES:
        return True
    if who.role in PROVINCE_ROLES:
        return to_province is not None and to_province == who.province
    return False


def may_view_statistics(who: Principal, *, line: str | None = None, province: str | None = None,
                        commune: str | None = None) -> bool:
    """Figures for a line, a province or a commune (none of them: the national figures)."""
    if scope_problem(who.role, line=who.line, province=who.province, commune=who.commune):
        return False
    if who.role in NATIONAL_ROLES:
        return True
    if who.role == "shift_lead":
        return line is not None and line == who.line and province is None and commune is None
    if who.role in PROVINCE_ROLES:
        return province is not None and province == who.province
    if who.role in {"commune_officer", "commune_chair", "commune_vice_chair"}:
        return commune is not None and commune == who.commune
    return False
