"""Telling the team's current contact that a case is theirs, and by when to say so."""

from __future__ import annotations

from datetime import datetime

from core.clock import utcnow
from core.db import UnitOfWork
from notifier.models import OutboxMessage
from notifier.templates import Assignment, assignment_sms
from workflows import answer_keys
from workflows.effects import message, record
from workflows.models import Case, Timer
from workflows.routing_step import recipients


def current_recipient(case: Case) -> dict[str, object] | None:
    chain = recipients(case)
    return chain[case.assignee_order] if case.assignee_order < len(chain) else None


def open_deadline(case: Case, clock: str) -> Timer | None:
    for timer in case.timers:
        if timer.clock == clock and timer.kind == "deadline" and timer.fired_at is None \
                and timer.cancelled_at is None:
            return timer
    return None


def notify_assignee(uow: UnitOfWork, case: Case, *, now: datetime, escalated: bool) -> bool:
    """SMS the case's current contact; False when the chain has nobody left."""
    person = current_recipient(case)
    if person is None:
        record(case, event="chain_exhausted", actor="system", via="system", now=now,
               reason="Không còn ai trong chuỗi liên hệ / no contact left in the chain")
        return False
    deadline = open_deadline(case, "acknowledge")
    keys = answer_keys.issue(uow.session, case, phone=str(person["phone"]), now=now)
    text = assignment_sms(Assignment(
        reference=case.reference, commune=case.commune_name or "", urgency=case.urgency,
        respond_by=deadline.due_at if deadline else now, escalated=escalated,
        reply_code=keys.reply_code, link=keys.link,
    ))
    message(uow, case, to=str(person["phone"]), body=text, now=now,
            purpose="escalation" if escalated else "assignment")
    return True


def fail_over(uow: UnitOfWork, msg: OutboxMessage) -> None:
    """An assignment that cannot be delivered goes to the next contact of the chain at once."""
    if msg.case_id is None or msg.purpose not in {"assignment", "escalation"}:
        return
    case = uow.session.get(Case, msg.case_id)
    if case is None or case.state != "assigned":
        return
    chain = recipients(case)
    if case.assignee_order < len(chain) and str(chain[case.assignee_order]["phone"]) != msg.to_phone:
        return  # the case already moved on to someone else
    record(case, event="delivery_failed", actor="system", via="system", now=utcnow(),
           reason=f"{msg.channel} {msg.status}")
    case.assignee_order += 1
    notify_assignee(uow, case, now=utcnow(), escalated=True)
