"""The team directory in the database: roster import (an upsert), export, and read-only views.

Functions take a session and never commit: the caller's unit of work decides.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from routing.models import Contact, Supervisor, Team
from routing.roles import LINE_CODE, LINE_NAME, SHIFT_LEAD, SUPERVISOR
from routing.roster import RosterError, RosterParse, RosterRow, write_roster
from routing.views import ContactView, SupervisorView, TeamView


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    errors: tuple[RosterError, ...]

    @property
    def imported(self) -> bool:
        return self.created + self.updated + self.unchanged > 0


def import_roster(
    session: Session, parse: RosterParse, *, skip_invalid: bool = False, on_row: Callable[[], None] | None = None
) -> ImportResult:
    """Upsert each contact by (commune, phone). With a bad row and no skip_invalid, nothing is stored."""
    if parse.errors and not skip_invalid:
        return ImportResult(0, 0, 0, parse.errors)
    forget_cached_directory()
    created = updated = unchanged = 0
    teams = {t.commune_code: t for t in session.scalars(select(Team).options(selectinload(Team.contacts)))}
    supervisors = {(v.province_code, v.phone): v for v in session.scalars(select(Supervisor))}
    for row in parse.rows:
        if on_row is not None:
            on_row()
        if row.role in (SUPERVISOR, SHIFT_LEAD):  # shift leads: the line's code, LINE_CODE
            outcome = _upsert_supervisor(session, supervisors, row)
            created, updated, unchanged = (created + (outcome == "created"), updated + (outcome == "updated"),
                                           unchanged + (outcome == "unchanged"))
            continue
        team = teams.get(row.commune_code)
        if team is None:
            team = Team(
                commune_code=row.commune_code,
                commune_name=row.commune_name,
                province_code=row.province_code,
                province_name=row.province_name,
            )
            session.add(team)
            teams[row.commune_code] = team
        contact = next((c for c in team.contacts if c.phone == row.phone), None)
        wanted = {
            "full_name": row.full_name,
            "village": row.village,
            "role": row.role,
            "chain_order": row.chain_order,
            "note": row.note,
        }
        if contact is None:
            team.contacts.append(Contact(phone=row.phone, **wanted))
            created += 1
        elif any(getattr(contact, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(contact, k, v)
            updated += 1
        else:
            unchanged += 1
    session.flush()
    forget_cached_directory()
    return ImportResult(created, updated, unchanged, parse.errors)


def _upsert_supervisor(session: Session, known: dict[tuple[str, str], Supervisor], row: RosterRow) -> str:
    current = known.get((row.province_code, row.phone))
    if current is None:
        known[(row.province_code, row.phone)] = current = Supervisor(
            province_code=row.province_code, phone=row.phone, full_name=row.full_name, chain_order=row.chain_order)
        session.add(current)
        return "created"
    if (current.full_name, current.chain_order) == (row.full_name, row.chain_order):
        return "unchanged"
    current.full_name, current.chain_order = row.full_name, row.chain_order
    return "updated"


def _contact_view(c: Contact) -> ContactView:
    return ContactView(c.id, c.full_name, c.village, c.phone, c.role, c.chain_order, c.note)


def _team_view(team: Team) -> TeamView:
    contacts = sorted(team.contacts, key=lambda c: (c.chain_order, c.id))
    return TeamView(
        team_id=team.id,
        commune_code=team.commune_code,
        commune_name=team.commune_name,
        province_code=team.province_code,
        province_name=team.province_name,
        contacts=tuple(_contact_view(c) for c in contacts),
    )


def load_team(session: Session, commune_code: str) -> TeamView | None:
    team = session.scalar(
        select(Team).where(Team.commune_code == commune_code).options(selectinload(Team.contacts))
    )
    return _team_view(team) if team else None


def list_teams(session: Session) -> list[TeamView]:
    teams = session.scalars(
        select(Team).options(selectinload(Team.contacts)).order_by(Team.province_code, Team.commune_code)
    )
    return [_team_view(t) for t in teams]


def load_supervisors(session: Session, province_code: str) -> list[SupervisorView]:
    rows = session.scalars(
        select(Supervisor)
        .where(Supervisor.province_code == province_code)
        .order_by(Supervisor.chain_order, Supervisor.id)
    )
    return [SupervisorView(s.id, s.province_code, s.full_name, s.phone, s.chain_order) for s in rows]


def load_shift_leads(session: Session) -> list[SupervisorView]:
    """The hotline's shift leads (Trưởng ca), stored with the supervisors under the line's code."""
    return load_supervisors(session, LINE_CODE)


# Every report looks up its commune's team and its province's supervisors: three SELECTs for data
# that changes when a roster is imported, a few times a year. The intake path reads them from this
# process-wide cache; an import in this process empties it at once, one in another process (the
# `hotline teams import` command) is seen within CACHE_SECONDS. Views are frozen: safe to share.
CACHE_SECONDS = 10.0
_V = TypeVar("_V")
_cache: dict[tuple[str, str], tuple[float, object]] = {}
_cache_lock = threading.Lock()


def forget_cached_directory() -> None:
    with _cache_lock:
        _cache.clear()


def cached_team(session: Session, commune_code: str) -> TeamView | None:
    """`load_team`, remembered for CACHE_SECONDS (None too: a commune without a team stays so)."""
    return _cached(("team", commune_code), lambda: load_team(session, commune_code))


def cached_supervisors(session: Session, province_code: str) -> list[SupervisorView]:
    return list(_cached(("supervisors", province_code), lambda: tuple(load_supervisors(session, province_code))))


def _cached(key: tuple[str, str], load: Callable[[], _V]) -> _V:
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]  # type: ignore[return-value]
    value = load()
    with _cache_lock:
        _cache[key] = (now, value)
    return value


def export_roster(session: Session, path: str | Path) -> int:
    """Every contact, in the shape of the import file (CSV or XLSX by suffix); the number of contacts."""
    rows = [
        RosterRow(
            line=0,
            commune_code=t.commune_code,
            commune_name=t.commune_name,
            province_code=t.province_code,
            province_name=t.province_name,
            full_name=c.full_name,
            village=c.village,
            phone=c.phone,
            role=c.role,
            chain_order=c.chain_order,
            note=c.note,
        )
        for t in list_teams(session)
        for c in t.contacts
    ]
    provinces = {t.province_code: t.province_name for t in list_teams(session)}
    provinces[LINE_CODE] = LINE_NAME
    rows += [
        RosterRow(line=0, commune_code="", commune_name="", province_code=s.province_code,
                  province_name=provinces.get(s.province_code, s.province_code), full_name=s.full_name,
                  village="", phone=s.phone, role=SHIFT_LEAD if s.province_code == LINE_CODE else SUPERVISOR,
                  chain_order=s.chain_order, note="")
        for s in session.scalars(select(Supervisor).order_by(Supervisor.province_code, Supervisor.chain_order))
    ]
    return write_roster(rows, path)
