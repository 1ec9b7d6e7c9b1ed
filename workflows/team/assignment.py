"""Telling the team's current contact that a case is theirs, and by when to say so; handing it on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.db import UnitOfWork, for_update
from notifier.folding import FoldInfo, folded_with
from notifier.models import OutboxMessage
from notifier.templates import Assignment, assignment_sms, chain_exhausted_sms
from routing.directory import load_supervisors
from workflows.case.effects import message, record
from workflows.case.models import Case, Timer
from workflows.clocks.context import active_policy
from workflows.team import answer_keys
from workflows.team.alerts import alert_operators
from workflows.team.routing_step import recipients


def current_recipient(case: Case) -> dict[str, object] | None:
    chain = recipients(case)
    return chain[case.assignee_order] if case.assignee_order < len(chain) else None


def open_deadline(case: Case, clock: str) -> Timer | None:
    for timer in case.timers:
        if timer.clock == clock and timer.kind == "deadline" and timer.fired_at is None \
                and timer.cancelled_at is None:
            return timer
    return None


def notify_assignee(
    uow: UnitOfWork, case: Case, *, now: datetime, escalated: bool, respond_by: datetime | None = None
) -> bool:
    """SMS the case's current contact; False when the chain has nobody left (the supervisor is told at once).

    `respond_by` is when the case moves on without an answer: the acknowledgement deadline for the first
    contact, the next rung of the ladder for a contact it is handed to; never the time of sending.
    """
    person = current_recipient(case)
    if person is None:
        chain_exhausted(uow, case, now=now)
        return False
    deadline = open_deadline(case, "acknowledge") if respond_by is None else None
    if respond_by is None:
        respond_by = deadline.due_at if deadline else _acknowledge_window(case, now)
    # The first SMS of a new assignment is written by reference; its reply code and link are issued when it
    # is sent (`keys_when_sent`), which keeps them out of the report's transaction.
    later = not escalated and deadline is not None  # respond_by is that deadline's, found again when sent
    keys = None if later else answer_keys.issue(uow.session, case, phone=str(person["phone"]), now=now)
    text = assignment_sms(Assignment(
        reference=case.reference, commune=case.commune_name or "", urgency=case.urgency,
        respond_by=respond_by, escalated=escalated, reply_code=keys.reply_code if keys else None,
        link=keys.link if keys else None,
    ))
    # A burst of new cases for one phone is folded into one SMS; an emergency or an escalation never waits.
    fold = None if escalated or case.urgency == "emergency" else FoldInfo(
        reference=case.reference, commune=case.commune_name or "", urgency=case.urgency, respond_by=respond_by)
    message(uow, case, to=str(person["phone"]), body=text, now=now,
            purpose="escalation" if escalated else "assignment", fold=fold, keys_at_send=later)
    return True


def keys_when_sent(session: Session, msg: OutboxMessage, now: datetime) -> None:
    """Just before an assignment SMS written by reference is first sent: issue its reply code and one-tap
    link and write them into it. A case that moved on in between (taken back, handed on, answered) keeps
    the SMS as written: a reference answers as well as a code."""
    case = session.get(Case, msg.case_id) if msg.case_id is not None else None
    if case is None or case.state != "assigned":
        return
    person = current_recipient(case)
    deadline = open_deadline(case, "acknowledge")
    if person is None or str(person["phone"]) != msg.to_phone or deadline is None:
        return
    keys = answer_keys.issue(session, case, phone=msg.to_phone, now=now)
    if keys is None:  # another transaction is issuing for this phone right now: the SMS stays by reference
        return
    msg.body = assignment_sms(Assignment(
        reference=case.reference, commune=case.commune_name or "", urgency=case.urgency,
        respond_by=deadline.due_at, reply_code=keys.reply_code, link=keys.link,
    ))


def _acknowledge_window(case: Case, now: datetime) -> datetime:
    """A contact the case falls over to outside a ladder's rung gets the clock's own window."""
    return active_policy().deadline("acknowledge", urgency=case.urgency, province_code=case.province_code, start=now)


def hand_to_next(uow: UnitOfWork, case: Case, *, now: datetime, respond_by: datetime) -> str | None:
    """The acknowledgement ladder's chain step: the next contact gets the case; their phone, or None."""
    if case.assignee_order + 1 >= len(recipients(case)):
        return None
    case.assignee_order += 1
    notify_assignee(uow, case, now=now, escalated=True, respond_by=respond_by)
    person = current_recipient(case)
    return str(person["phone"]) if person else None


def chain_exhausted(uow: UnitOfWork, case: Case, *, now: datetime) -> list[str]:
    """Nobody in the team's chain is left to take the case: the supervisor hears now, not hours later.

    Returns the supervisors' phones (the operators' alert goes to the shift lead when there are none)."""
    record(case, event="chain_exhausted", actor="system", via="system", now=now,
           reason="Không còn ai trong chuỗi liên hệ / no contact left in the chain")
    text = chain_exhausted_sms(reference=case.reference, commune=case.commune_name or "?")
    supervisors = load_supervisors(uow.session, case.province_code) if case.province_code else []
    for supervisor in supervisors:
        message(uow, case, to=supervisor.phone, purpose="supervisor", now=now, body=text)
    alert_operators(uow, case, kind="chain_exhausted", now=now, sms_shift_lead=not supervisors,
                    message_vi=f"Ca {case.reference}: không còn ai trong nhóm {case.commune_name or ''} nhận ca",
                    message_en=f"Case {case.reference}: nobody left in the team's chain")
    return [supervisor.phone for supervisor in supervisors]


def decline_moves_on(case: Case, facts: dict[str, Any]) -> bool:
    """Whether a decline hands the case to the next contact: only the holder's own decline does.

    A decline from someone else in the chain (the chair, say) is recorded but does not skip the officer
    who holds the case. Without a phone (API), the actor's role tells who declined.
    """
    holder = current_recipient(case)
    if holder is None:
        return False
    phone = facts.get("contact_phone")
    if phone:
        return str(phone) == str(holder["phone"]) or phone not in {str(r["phone"]) for r in recipients(case)}
    if facts.get("actor_role") == "commune_chair":
        return holder.get("role") == "commune_chair"
    return True


def fail_over(uow: UnitOfWork, msg: OutboxMessage) -> None:
    """An assignment that cannot be delivered goes to the next contact of the chain at once
    (with every case a folded SMS carried)."""
    for carried in [msg, *folded_with(uow.session, msg.id)]:
        _fail_over_one(uow, carried)


def lock_case_row(session: Session, case_id: int) -> Case | None:
    """The case by id, its row locked and read again (workflows.casework.service.lock_case by reference): a
    receipt or a failed send looks at the state only once an answer in flight has committed or waited."""
    stmt = select(Case).where(Case.id == case_id)
    return session.execute(for_update(session, stmt).execution_options(populate_existing=True)).scalar_one_or_none()


def _fail_over_one(uow: UnitOfWork, msg: OutboxMessage) -> None:
    if msg.case_id is None or msg.purpose not in {"assignment", "escalation"} or msg.channel != "sms":
        return
    case = lock_case_row(uow.session, msg.case_id)
    if case is None or case.state != "assigned":
        return
    chain = recipients(case)
    if case.assignee_order >= len(chain) or str(chain[case.assignee_order]["phone"]) != msg.to_phone:
        return  # the case already moved on to someone else (or this was not the holder's SMS)
    record(case, event="delivery_failed", actor="system", via="system", now=utcnow(),
           reason=f"{msg.channel} {msg.status}")
    case.assignee_order += 1
    notify_assignee(uow, case, now=utcnow(), escalated=True)
