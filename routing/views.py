"""What the directory hands to the rules: plain frozen values, no database objects."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContactView:
    contact_id: int
    full_name: str
    village: str
    phone: str  # E.164
    role: str
    chain_order: int
    note: str = ""


@dataclass(frozen=True, slots=True)
class TeamView:
    team_id: int
    commune_code: str
    commune_name: str
    province_code: str
    province_name: str
    contacts: tuple[ContactView, ...]  # by chain_order


@dataclass(frozen=True, slots=True)
class SupervisorView:
    supervisor_id: int
    province_code: str
    full_name: str
    phone: str
    chain_order: int
