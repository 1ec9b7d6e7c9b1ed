"""Telling the team's current contact that a case is theirs, and by when to say so."""

from __future__ import annotations

from datetime import datetime

from core.db import UnitOfWork
from notifier.templates import Assignment, assignment_sms
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
        record(uow, case, event="chain_exhausted", actor="system", via="system", now=now,
               reason="Không còn ai trong chuỗi liên hệ / no contact left in the chain")
        return False
    deadline = open_deadline(case, "acknowledge")
    text = assignment_sms(Assignment(
        reference=case.reference, commune=case.commune_name or "", urgency=case.urgency,
        respond_by=deadline.due_at if deadline else now, escalated=escalated,
    ))
    message(uow, case, to=str(person["phone"]), body=text, now=now,
            purpose="escalation" if escalated else "assignment")
    return True
