"""A live call handed over warm, or joined in a conference, to 113, 115, a commune officer or a province line.

Twilio's Conference: the caller's leg is redirected into a conference named for the transfer, the one
called is dialled into it through the outbox (retried, never twice), and the operator's leg, whose
bridge to the caller ends with the redirect, joins it from its Dial's action URL
(`operator_leg_after_bridge`). The transfer is on the contact's record (and its case's history, if it
has one); the caller's number is never part of it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select

from core.db import UnitOfWork
from core.errors import Conflict, HotlineError, InvalidInput
from notifier import ivr
from workflows.access.policy import Principal, may_view_contact
from workflows.case.effects import record, send
from workflows.case.models import Case
from workflows.casework.desk import HiddenContact, contact_place
from workflows.contacts.duty import operator_address
from workflows.contacts.lines import configured_lines
from workflows.contacts.models import CallTransfer, IntakeContact
from workflows.contacts.service import lock_contact

log = logging.getLogger(__name__)

TARGETS = ("police", "ambulance", "commune", "province")
MODES = ("warm", "conference")
EMERGENCY_NUMBERS = {"police": "113", "ambulance": "115"}  # dialled as the carrier routes short codes
LIVE = ("dialling", "joined")


def transfer_address(*, target: str, number: str) -> str:
    """Where a transfer goes: 113, 115, a commune officer's phone, a province line (its code or number). Pure
    apart from the lines file."""
    if target not in TARGETS:
        raise InvalidInput(f"Nơi chuyển không hợp lệ: {target}", f"Unknown transfer target {target!r}", field="target")
    if target in EMERGENCY_NUMBERS:
        return EMERGENCY_NUMBERS[target]
    given = number.strip()
    if target == "province":
        line = configured_lines().get(given)
        if line is not None and line.number:
            return line.number
    if not given:
        raise InvalidInput("Cần số điện thoại để chuyển tới", "A phone number is needed for this transfer",
                           field="number")
    return operator_address(given)


def transfer_call(
    uow: UnitOfWork, *, reference: str, who: Principal, target: str, number: str = "", mode: str, now: datetime,
) -> CallTransfer:
    if mode not in MODES:
        raise InvalidInput(f"Cách chuyển không hợp lệ: {mode}", f"Unknown transfer mode {mode!r}", field="mode")
    address = transfer_address(target=target, number=number)
    with uow:
        contact = lock_contact(uow, reference)
        if not may_view_contact(who, contact_place(contact)):
            raise HiddenContact(reference, contact_id=contact.id)
        if contact.channel != "voice" or contact.state != "in_progress" or contact.ended_at is not None:
            raise Conflict("Chỉ chuyển được cuộc gọi đang nói chuyện", "Only a call in progress can be transferred")
        if _live_transfer(uow, contact.id) is not None:
            raise Conflict("Cuộc gọi này đang được chuyển", "This call is already being transferred")
        n = uow.session.execute(select(func.count()).select_from(CallTransfer)
                                .where(CallTransfer.contact_id == contact.id)).scalar_one()
        name = f"xfer-{contact.reference}-{n + 1}"
        outbox_id = send(uow, to=address, body=ivr.conference(name, role="target", mode=mode),
                         purpose="call_transfer", channel="voice", now=now, priority=0)
        row = CallTransfer(contact_id=contact.id, target=target, address=address, mode=mode, conference=name,
                           by_user=who.user, at=now, state="dialling", outbox_id=outbox_id)
        uow.session.add(row)
        if contact.case_id is not None:
            case = uow.session.get(Case, contact.case_id)
            if case is not None:
                record(case, event="call_transferred", actor=who.user, via="ui", now=now,
                       facts={"contact": contact.reference, "target": target, "mode": mode})
        call_sid, caller_twiml = contact.external_id, ivr.conference(name, role="caller", mode=mode)
        uow.after_commit(lambda: _redirect_caller(call_sid, caller_twiml))
        uow.commit()
        return row


def _redirect_caller(call_sid: str, twiml: str) -> None:
    from workflows.clocks.context import gateways

    caller = gateways()[1]
    redirect = getattr(caller, "redirect", None)
    if redirect is None:
        return
    try:
        redirect(call_sid=call_sid, twiml=twiml)
    except HotlineError:
        raise
    except Exception:  # the provider's errors: the operator still has the caller, and sees the transfer failed
        log.exception("a transfer's redirect of the caller's leg failed")
        mark_failed_by_call(call_sid)


def mark_failed_by_call(call_sid: str) -> None:
    with UnitOfWork() as uow:
        contact = uow.session.execute(select(IntakeContact).where(
            IntakeContact.channel == "voice", IntakeContact.external_id == call_sid)).scalar_one_or_none()
        row = None if contact is None else _live_transfer(uow, contact.id)
        if row is not None:
            row.state = "failed"
        uow.commit()


def _live_transfer(uow: UnitOfWork, contact_id: int) -> CallTransfer | None:
    return uow.session.execute(select(CallTransfer).where(
        CallTransfer.contact_id == contact_id, CallTransfer.state.in_(LIVE)).order_by(CallTransfer.id.desc())
    ).scalars().first()


def operator_leg_after_bridge(uow: UnitOfWork, *, contact_id: int) -> str:
    """The operator's bridge to the caller ended: into the transfer's conference if one is under way."""
    with uow:
        row = _live_transfer(uow, contact_id)
        uow.commit()
    if row is None:
        return ivr.hang_up()
    return ivr.conference(row.conference, role="operator", mode=row.mode)


def transfer_call_status(uow: UnitOfWork, *, outbox_id: int, status: str) -> None:
    """The target's leg: answered, the transfer joined; busy, failed or not answered, it failed (the
    caller, in the conference with the operator or on hold, is still ours). Inside the receipt's
    transaction (`workflows.field.receipts`)."""
    row = uow.session.execute(select(CallTransfer).where(CallTransfer.outbox_id == outbox_id)).scalar_one_or_none()
    if row is None:
        return
    if status in ("in-progress", "answered") and row.state == "dialling":
        row.state = "joined"
    elif status in ("busy", "failed", "no-answer", "canceled", "undeliverable") and row.state == "dialling":
        row.state = "failed"
    elif status == "completed" and row.state in LIVE:
        row.state = "ended"


def transfers_of(uow: UnitOfWork, contact_id: int) -> list[CallTransfer]:
    return list(uow.session.execute(select(CallTransfer).where(CallTransfer.contact_id == contact_id)
                                    .order_by(CallTransfer.id)).scalars())
