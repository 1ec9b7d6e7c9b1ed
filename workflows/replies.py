"""What comes back from the field: delivery receipts and the team's SMS answers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import HotlineError
from core.ids import normalise_reference
from notifier.models import OutboxMessage
from notifier.outbox import record_status
from notifier.templates import ascii_fold
from workflows.assignment import fail_over
from workflows.models import RawSubmission
from workflows.routing_step import recipients
from workflows.service import lock_case, transition

# Commands a commune officer types on a basic phone; Vietnamese words, diacritics optional.
COMMANDS = {
    "NHAN": "acknowledge", "ACCEPT": "acknowledge", "OK": "acknowledge",
    "TUCHOI": "decline", "DECLINE": "decline",
}
_REPLY = re.compile(r"^\s*(?P<cmd>[A-Za-z]+)\s+(?P<ref>[A-Za-z0-9-]{6,16})\s*(?P<rest>.*)$", re.S)


@dataclass(frozen=True)
class ParsedReply:
    trigger: str
    reference: str
    reason: str | None


def parse_reply(body: str) -> ParsedReply | None:
    match = _REPLY.match(ascii_fold(body).replace("TU CHOI", "TUCHOI").replace("tu choi", "TUCHOI"))
    if not match or match["cmd"].upper() not in COMMANDS:
        return None
    reason = match["rest"].strip() or None
    return ParsedReply(COMMANDS[match["cmd"].upper()], normalise_reference(match["ref"]), reason)


HELP = "111: Tra loi: NHAN <ma ca> de nhan ca, TUCHOI <ma ca> <ly do> de tu choi."


def handle_team_reply(uow: UnitOfWork, *, message_sid: str, from_phone: str, body: str) -> str:
    """Apply a team's SMS answer once; a retried webhook gets the first answer again."""
    with uow:
        first = _first_answer(uow, message_sid)
        if first is not None:
            return first
        try:
            answer = _answer(uow, from_phone=from_phone, body=body)
            uow.session.add(RawSubmission(channel="sms_reply", external_id=message_sid, received_at=utcnow(),
                                          payload=json.dumps({"body": body, "answer": answer})))
            uow.commit()
            return answer
        except IntegrityError:  # the same retry at the same moment: the one that committed answers
            uow.rollback()
            return _first_answer(uow, message_sid) or HELP


def _first_answer(uow: UnitOfWork, message_sid: str) -> str | None:
    seen = uow.session.execute(select(RawSubmission).where(
        RawSubmission.channel == "sms_reply", RawSubmission.external_id == message_sid)).scalar_one_or_none()
    return None if seen is None else str(json.loads(seen.payload)["answer"])


def _answer(uow: UnitOfWork, *, from_phone: str, body: str) -> str:
    parsed = parse_reply(body)
    if parsed is None:
        return HELP
    try:
        case = lock_case(uow, parsed.reference)
    except HotlineError:
        return f"111: Khong tim thay ca {parsed.reference}. {HELP}"
    if from_phone not in {str(r["phone"]) for r in recipients(case)}:
        return f"111: So nay khong thuoc nhom xu ly ca {parsed.reference}."
    if parsed.trigger == "decline" and not parsed.reason:
        return f"111: Vui long ghi ly do: TUCHOI {parsed.reference} <ly do>."
    try:  # a refused trigger raises before anything changes
        transition(uow, case, parsed.trigger, actor=f"phone:{from_phone[-4:]}", via="sms",
                   now=utcnow(), reason=parsed.reason)
    except HotlineError as exc:
        return ascii_fold(f"111: Ca {parsed.reference}: {exc.vi}")
    if parsed.trigger == "decline":
        transition(uow, case, "assign", actor="system", via="system", now=utcnow(), reason="re-route")
        return f"111: Da ghi nhan tu choi ca {parsed.reference}. Ca duoc chuyen cho nguoi tiep theo."
    return f"111: Da ghi nhan: ban nhan ca {parsed.reference}. Cam on."


def record_delivery(
    uow: UnitOfWork, *, outbox_id: int, status: str, provider_sid: str | None,
    recipient_reason: str | None = None, error_code: int | None = None,
) -> bool:
    """A delivery receipt; an assignment that cannot be delivered falls over to the next contact."""
    with uow:
        failed: list[OutboxMessage] = []
        moved = record_status(uow.session, outbox_id=outbox_id, status=status, provider_sid=provider_sid,
                              now=utcnow(), on_failed=failed.append, recipient_reason=recipient_reason,
                              error_code=error_code)
        for msg in failed:
            fail_over(uow, msg)
        uow.commit()
        return moved
