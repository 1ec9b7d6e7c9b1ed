"""Who did it, as the case history names them: a roster member, never the digits of a phone."""

from __future__ import annotations

from sqlalchemy import select

from core.db import UnitOfWork
from routing.models import Contact, Supervisor
from workflows.case.models import Case
from workflows.team.routing_step import recipients

ACTOR_LENGTH = 64  # CaseHistory.actor


def actor_for_phone(uow: UnitOfWork, case: Case, phone: str) -> str:
    """'member:<contact id> <name>' for a member of the case's chain who answered from `phone`.

    A province supervisor is 'supervisor:<id> <name>'; a phone the roster does not know is 'sms:unknown'
    (its digits stay out of the history).
    """
    for person in recipients(case):
        if str(person.get("phone")) == phone and person.get("contact_id") is not None:
            contact_id = int(str(person["contact_id"]))
            name = uow.session.execute(select(Contact.full_name).where(Contact.id == contact_id)).scalar()
            return _named("member", contact_id, name)
    supervisor = uow.session.execute(
        select(Supervisor.id, Supervisor.full_name).where(
            Supervisor.phone == phone, Supervisor.province_code == case.province_code)
    ).first()
    if supervisor is not None:
        return _named("supervisor", supervisor[0], supervisor[1])
    return "sms:unknown"


def _named(kind: str, ident: int, name: str | None) -> str:
    return f"{kind}:{ident} {name or ''}".strip()[:ACTOR_LENGTH]
