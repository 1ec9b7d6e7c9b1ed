"""Operators' presence: available, on a call, wrap-up, away.

Set on the desk by the operator and moved by the call's own events: pressing 1 to take a caller puts
them on the call, the caller's leg ending puts them in wrap-up (they say when they are free again). A
waiting call rings the available operator who has waited longest (since their presence last changed),
never one on a call, in wrap-up or away; operators not yet rung in this round come first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.db import UnitOfWork, for_update
from core.errors import InvalidInput, NotFound
from workflows.contacts.models import PRESENCES, DutyOperator, IntakeContact, OperatorRing

RINGABLE = "available"


def set_presence(uow: UnitOfWork, *, line: str, username: str, presence: str, now: datetime) -> DutyOperator:
    """The operator's own choice on the desk (their account is linked to their duty row on the line)."""
    if presence not in PRESENCES:
        raise InvalidInput(f"Trạng thái không hợp lệ: {presence}", f"Unknown presence {presence!r}", field="presence")
    with uow:
        s = uow.session
        row = s.execute(for_update(s, select(DutyOperator).where(
            DutyOperator.line == line, DutyOperator.username == username))).scalars().first()
        if row is None:
            raise NotFound("Tài khoản của bạn chưa gắn với tư vấn viên trực nào của đường dây",
                           "Your account is not linked to an operator on duty of this line", field="presence")
        move(row, presence, now=now)
        if presence != "away":
            row.on_duty = True
        uow.commit()
        return row


def move(row: DutyOperator, presence: str, *, now: datetime) -> None:
    """A change of presence starts its clock again (the longest wait is counted from here); the same one
    keeps it (a repeated status callback does not send the operator to the back of the line)."""
    if row.presence != presence:
        row.presence, row.presence_since = presence, now


def operator_named(uow: UnitOfWork, *, line: str, name: str | None) -> DutyOperator | None:
    if not name:
        return None
    return uow.session.execute(select(DutyOperator).where(DutyOperator.line == line, DutyOperator.name == name)
                               ).scalars().first()


def took_call(uow: UnitOfWork, operator: DutyOperator, *, now: datetime) -> None:
    move(operator, "on_call", now=now)


def call_ended(uow: UnitOfWork, contact: IntakeContact, *, now: datetime) -> None:
    """The caller's leg ended: whoever had it goes to wrap-up (their notes), unless they already moved on."""
    operator = operator_named(uow, line=contact.line, name=contact.answered_by)
    if operator is not None and operator.presence == "on_call":
        move(operator, "wrap_up", now=now)


def available_operators(uow: UnitOfWork, line: str) -> list[DutyOperator]:
    """On duty and available, the longest wait first (never changed: first of all, then the roster's order)."""
    return list(uow.session.execute(
        select(DutyOperator).where(DutyOperator.line == line, DutyOperator.on_duty.is_(True),
                                   DutyOperator.presence == RINGABLE)
        .order_by(DutyOperator.presence_since.asc().nulls_first(), DutyOperator.ring_order, DutyOperator.id)
    ).scalars())


def next_to_ring(uow: UnitOfWork, contact: IntakeContact) -> tuple[DutyOperator | None, int]:
    """Who to ring next for this caller, and how many are available at all. `contact.ring_index` counts the
    rings of this round (a caller moved to the front queue starts a new one): those operators wait."""
    free = available_operators(uow, contact.line)
    rung: set[int] = set()
    if contact.ring_index > 0:
        rung = set(uow.session.execute(
            select(OperatorRing.operator_id).where(OperatorRing.contact_id == contact.id)
            .order_by(OperatorRing.id.desc()).limit(contact.ring_index)).scalars())
    return next((o for o in free if o.id not in rung), None), len(free)


@dataclass(frozen=True)
class Presence:
    name: str
    presence: str
    since: datetime | None


def line_presence(uow: UnitOfWork, line: str) -> list[Presence]:
    """Who is on duty on a line, and how: for the desk (the free ones first)."""
    order = {p: n for n, p in enumerate(PRESENCES)}
    rows = uow.session.execute(select(DutyOperator).where(DutyOperator.line == line, DutyOperator.on_duty.is_(True))
                               .order_by(DutyOperator.ring_order, DutyOperator.id)).scalars()
    found = [Presence(r.name, r.presence, r.presence_since) for r in rows]
    return sorted(found, key=lambda p: order.get(p.presence, 9))
