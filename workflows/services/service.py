"""Storing and reading the directory. Import is all or nothing and idempotent: a re-import changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.text import fold
from workflows.services.directory_file import AgencyRow, DirectoryParse
from workflows.services.models import Agency, AgencyContact


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def import_directory(session: Session, parsed: DirectoryParse) -> ImportResult:
    """Store a parse that has no errors (the caller checks `parsed.ok`); agencies match by their key."""
    if not parsed.ok:
        raise ValueError("a directory with errors is never imported")
    created = updated = unchanged = 0
    existing = {a.key: a for a in session.execute(
        select(Agency).where(Agency.key.in_([row.key for row in parsed.agencies]))).scalars()}
    for row in parsed.agencies:
        agency = existing.get(row.key)
        if agency is None:
            agency = Agency(key=row.key)
            session.add(agency)
            _fill(agency, row, parsed.taxonomy_version)
            created += 1
        elif _differs(agency, row, parsed.taxonomy_version):
            _fill(agency, row, parsed.taxonomy_version)
            updated += 1
        else:
            unchanged += 1
    session.flush()
    return ImportResult(created, updated, unchanged)


def _contacts_of(row: AgencyRow) -> list[tuple[str, str, int, str]]:
    return [(c.full_name, c.phone, c.chain_order, c.note) for c in row.contacts]


def _differs(agency: Agency, row: AgencyRow, version: str) -> bool:
    mine = [(c.full_name, c.phone, c.chain_order, c.note) for c in agency.contacts]
    return (agency.name, agency.level, agency.province_code, agency.commune_code, list(agency.services),
            agency.hours, agency.taxonomy_version, mine) != (
        row.name, row.level, row.province_code, row.commune_code, list(row.services), row.hours, version,
        _contacts_of(row))


def _fill(agency: Agency, row: AgencyRow, version: str) -> None:
    agency.name, agency.level, agency.province_code = row.name, row.level, row.province_code
    agency.commune_code, agency.commune_name = row.commune_code, row.commune_name
    agency.services, agency.hours, agency.taxonomy_version = list(row.services), row.hours, version
    by_phone = {c.phone: c for c in agency.contacts}
    keep: list[AgencyContact] = []
    for c in row.contacts:
        contact = by_phone.get(c.phone) or AgencyContact(phone=c.phone)
        contact.full_name, contact.chain_order, contact.note = c.full_name, c.chain_order, c.note
        keep.append(contact)
    agency.contacts[:] = keep


def list_agencies(session: Session, *, province_code: str | None = None, commune_code: str | None = None,
                  service: str | None = None) -> list[Agency]:
    """The agencies a commune may refer to: its own commune's, its province's, and the national ones."""
    stmt = select(Agency).order_by(Agency.level, Agency.province_code, Agency.commune_code, Agency.name)
    if province_code is not None:
        stmt = stmt.where(Agency.province_code.in_([province_code, "00"]))
    agencies = list(session.execute(stmt).scalars())
    if commune_code is not None:
        agencies = [a for a in agencies if a.level != "commune" or a.commune_code == commune_code]
    if service is not None:
        agencies = [a for a in agencies if service in a.services]
    return agencies


def find_agency(session: Session, text: str) -> Agency | None:
    """An agency by its id or its name (accents optional)."""
    if text.strip().isdigit():
        return session.get(Agency, int(text))
    wanted = fold(text)
    return next((a for a in session.execute(select(Agency).order_by(Agency.id)).scalars() if fold(a.name) == wanted),
                None)


def contact_for_phone(session: Session, agency_id: int, phone: str) -> AgencyContact | None:
    return session.execute(select(AgencyContact).where(
        AgencyContact.agency_id == agency_id, AgencyContact.phone == phone)).scalar_one_or_none()


def is_agency_contact(session: Session, phone: str) -> bool:
    return session.execute(select(AgencyContact.id).where(AgencyContact.phone == phone).limit(1)).first() is not None
