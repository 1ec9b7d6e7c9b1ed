"""Who answers the lines: operators on duty (rung for waiting callers) and callers who may not call."""

from __future__ import annotations

from datetime import datetime

import phonenumbers
from sqlalchemy import select

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import InvalidInput, NotFound
from workflows.contacts import presence
from workflows.contacts.models import BlockedCaller, DutyOperator
from workflows.contacts.service import caller_index


def operator_address(raw: str) -> str:
    """A SIP address as given, or a Vietnamese phone number in E.164."""
    text = raw.strip()
    if text.startswith("sip:"):
        return text
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"Số hoặc địa chỉ SIP không hợp lệ: {raw}", f"Not a phone or SIP address: {raw}",
                           field="address") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"Số không hợp lệ: {raw}", f"Not a valid phone number: {raw}", field="address")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def add_operator(
    uow: UnitOfWork, *, line: str, name: str, address: str, order: int = 100, username: str | None = None,
) -> DutyOperator:
    """`username`: the operator's desk account, so that they set their own presence there."""
    with uow:
        row = DutyOperator(line=line, name=name, address=operator_address(address), on_duty=False, ring_order=order,
                           username=username or None, presence="away")
        uow.session.add(row)
        uow.commit()
        return row


def set_on_duty(uow: UnitOfWork, *, line: str, name: str, on_duty: bool) -> DutyOperator:
    with uow:
        row = uow.session.execute(select(DutyOperator).where(DutyOperator.line == line, DutyOperator.name == name)
                                  ).scalar_one_or_none()
        if row is None:
            raise NotFound(f"Không có tư vấn viên {name} ở đường dây {line}", f"No operator {name} on line {line}")
        row.on_duty = on_duty
        presence.move(row, "available" if on_duty else "away", now=utcnow())
        uow.commit()
        return row


def list_operators(uow: UnitOfWork, *, line: str | None = None) -> list[DutyOperator]:
    with uow:
        stmt = select(DutyOperator).order_by(DutyOperator.line, DutyOperator.ring_order, DutyOperator.id)
        if line:
            stmt = stmt.where(DutyOperator.line == line)
        return list(uow.session.execute(stmt).scalars())


def block_caller(uow: UnitOfWork, *, phone: str, reason: str, until: datetime | None, now: datetime) -> None:
    """Only the keyed hash is kept: the number cannot be read back, yet the same number is recognised."""
    index = caller_index(operator_address(phone))
    assert index is not None
    with uow:
        row = uow.session.execute(select(BlockedCaller).where(BlockedCaller.caller_index == index)).scalar_one_or_none()
        if row is None:
            uow.session.add(BlockedCaller(caller_index=index, reason=reason[:200], blocked_at=now, until=until))
        else:
            row.reason, row.until = reason[:200], until
        uow.commit()


def unblock_caller(uow: UnitOfWork, *, phone: str) -> bool:
    index = caller_index(operator_address(phone))
    with uow:
        row = uow.session.execute(select(BlockedCaller).where(BlockedCaller.caller_index == index)).scalar_one_or_none()
        if row is not None:
            uow.session.delete(row)
        uow.commit()
        return row is not None
