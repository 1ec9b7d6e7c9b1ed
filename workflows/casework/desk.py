"""The intake desk: the live queue of a line's contacts, taking one, and a web report that is a duplicate.

The queue, in the order an operator works it:
1. calls waiting: "a child in danger now" first, then the longest wait;
2. voicemails with a call-back due (the earliest due first);
3. message conversations (SMS, Zalo) still open, the oldest first;
4. web and API reports whose case needs routing (the place was not clear), emergencies first.
Each read is a handful of indexed queries; the stream re-reads it about once a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.clock import as_utc
from core.db import UnitOfWork, for_update
from core.errors import Conflict, NotFound
from core.ids import normalise_reference
from workflows.access.audit import place_of
from workflows.access.policy import Place, Principal, may_view_case, may_view_contact
from workflows.case.effects import record
from workflows.case.models import Case
from workflows.casework.service import lock_case, transition
from workflows.contacts.models import CallbackTask, IntakeContact
from workflows.contacts.presence import Presence, line_presence
from workflows.contacts.service import lock_contact, surviving_case

WAITING_CALL_STATES = ("queued", "in_progress")
OPEN_CONVERSATION_CHANNELS = ("sms", "zalo")
URGENCY_ORDER = {"emergency": 0, "high": 1, "normal": 2}


@dataclass(frozen=True)
class QueueItem:
    kind: str  # call | voicemail | conversation | web
    reference: str  # the contact's (LH...), or for a web report its case's
    channel: str
    since: datetime  # waiting since
    danger: bool = False
    state: str = ""
    taken_by: str | None = None
    due_at: datetime | None = None
    attempts: int = 0
    urgency: str | None = None
    case_reference: str | None = None

    def waiting_minutes(self, now: datetime) -> int:
        return max(0, int((as_utc(now) - as_utc(self.since)).total_seconds() // 60))


@dataclass(frozen=True)
class DeskQueue:
    calls: list[QueueItem]
    voicemails: list[QueueItem]
    conversations: list[QueueItem]
    web: list[QueueItem]
    operators: tuple[Presence, ...] = ()  # who is on duty on the line, and free or not

    @property
    def free(self) -> int:
        return sum(1 for o in self.operators if o.presence == "available")

    @property
    def total(self) -> int:
        return len(self.calls) + len(self.voicemails) + len(self.conversations) + len(self.web)


def desk_queue(uow: UnitOfWork, *, line: str, now: datetime) -> DeskQueue:
    s = uow.session
    open_contacts = (IntakeContact.line == line) & IntakeContact.outcome.is_(None)
    calls = s.execute(select(IntakeContact).where(
        open_contacts, IntakeContact.channel == "voice", IntakeContact.state.in_(WAITING_CALL_STATES))
        .order_by(IntakeContact.danger_now.desc(), IntakeContact.queued_at, IntakeContact.started_at)).scalars()
    voicemails = s.execute(select(IntakeContact, CallbackTask).join(CallbackTask, CallbackTask.contact_id ==
                                                                      IntakeContact.id)
                           .where(open_contacts, CallbackTask.done_at.is_(None))
                           .order_by(CallbackTask.due_at)).all()
    talks = s.execute(select(IntakeContact).where(
        open_contacts, IntakeContact.channel.in_(OPEN_CONVERSATION_CHANNELS), IntakeContact.state != "closed")
        .order_by(IntakeContact.started_at)).scalars()
    cases = s.execute(select(Case).where(Case.line == line, Case.state == "needs_routing")
                      .order_by(Case.received_at)).scalars().all()
    return DeskQueue(
        calls=[QueueItem("call", c.reference, c.channel, c.queued_at or c.started_at, danger=c.danger_now,
                         state=c.state, taken_by=c.answered_by) for c in calls],
        voicemails=[QueueItem("voicemail", c.reference, c.channel, c.started_at, danger=c.danger_now,
                              state=c.state, taken_by=c.answered_by, due_at=t.due_at, attempts=t.attempts)
                    for c, t in voicemails],
        conversations=[QueueItem("conversation", c.reference, c.channel, c.started_at, state=c.state,
                                 taken_by=c.answered_by) for c in talks],
        web=[QueueItem("web", c.reference, "web", c.received_at, danger=c.urgency == "emergency", state=c.state,
                       urgency=c.urgency, case_reference=c.reference)
             for c in sorted(cases, key=lambda c: URGENCY_ORDER.get(c.urgency, 3))],
        operators=tuple(line_presence(uow, line)),
    )


class HiddenContact(NotFound):
    """A contact the asker may not see: answered like one that does not exist."""

    def __init__(self, reference: str, *, contact_id: int) -> None:
        super().__init__(f"Không tìm thấy liên hệ {reference}", f"No contact {reference}", field="contact")
        self.contact_id = contact_id


def contact_place(contact: IntakeContact) -> Place:
    return Place(line=contact.line)


def visible_contact(uow: UnitOfWork, *, reference: str, who: Principal) -> IntakeContact:
    row = uow.session.execute(select(IntakeContact).where(
        IntakeContact.reference == normalise_reference(reference))).scalar_one_or_none()
    if row is None:
        raise NotFound(f"Không tìm thấy liên hệ {reference}", f"No contact {reference}", field="contact")
    if not may_view_contact(who, contact_place(row)):
        raise HiddenContact(reference, contact_id=row.id)
    return row


def take_contact(uow: UnitOfWork, *, reference: str, who: Principal, now: datetime) -> IntakeContact:
    """An operator takes a contact from the queue (the call is theirs; the others see who has it)."""
    with uow:
        row = lock_contact(uow, reference)
        if not may_view_contact(who, contact_place(row)):
            raise HiddenContact(reference, contact_id=row.id)
        if row.outcome is not None:
            raise Conflict(f"Liên hệ {row.reference} đã kết thúc", f"Contact {row.reference} is already closed")
        if row.answered_by not in (None, who.user) and row.state == "in_progress":
            raise Conflict(f"{row.answered_by} đang xử lý liên hệ này", f"{row.answered_by} has this contact")
        row.answered_by = who.user
        if row.state in ("queued", "open"):
            row.state = "in_progress"
            row.answered_at = row.answered_at or now
        uow.commit()
        return row


def merge_report_case(
    uow: UnitOfWork, *, reference: str, into: str, who: Principal, reason: str, now: datetime,
) -> Case:
    """A web report that needs routing is a duplicate: its case is merged into the existing one, and the
    report's contact now points at that case."""
    if normalise_reference(reference) == normalise_reference(into):
        raise Conflict("Không gộp một ca vào chính nó", "A case cannot be merged into itself")
    def sees(case: Case) -> bool:
        return may_view_case(who, place_of(case))

    with uow:
        # Both cases' rows, in the order of their ids, before either is read: two operators merging two
        # reports into each other at the same moment each held one and waited for the other (a deadlock).
        s = uow.session
        both = select(Case.id).where(Case.reference.in_({normalise_reference(reference), normalise_reference(into)}))
        s.execute(for_update(s, both.order_by(Case.id))).all()
        duplicate = lock_case(uow, reference, allowed=sees)
        target = uow.session.execute(select(Case).where(Case.reference == normalise_reference(into))) \
            .scalar_one_or_none()
        if target is None or not sees(target):
            raise NotFound(f"Không tìm thấy ca {into}", f"No case {into}", field="case")
        # A merged target: the case it lives on in; the pair merged the other way meanwhile is refused.
        asked, target = target.reference, surviving_case(uow, target, allowed=sees)
        if target.id == duplicate.id:
            raise Conflict(f"Ca {asked} đã được gộp vào chính ca {duplicate.reference}",
                           f"Case {asked} was merged into {duplicate.reference} itself")
        why = reason.strip() or f"trùng với ca {target.reference}"
        transition(uow, duplicate, "merge_duplicate", actor=who.user, via="ui", now=now, reason=why,
                   facts={"into": target.reference, "actor_role": who.role})
        record(target, event="duplicate_joined", actor=who.user, via="ui", now=now, reason=why,
               facts={"from": duplicate.reference})
        for contact in uow.session.execute(select(IntakeContact).where(IntakeContact.case_id == duplicate.id)) \
                .scalars():
            contact.outcome, contact.case_id = "merged", target.id
        uow.commit()
        return target


CALLBACK_RETRY = timedelta(minutes=30)
CALLBACK_MAX_ATTEMPTS = 3


def callback_unanswered(uow: UnitOfWork, *, reference: str, who: Principal, now: datetime) -> IntakeContact:
    """An operator called a voicemail back and nobody answered: try again in 30 minutes; after the third
    attempt the contact closes as `abandoned` (the caller can always call 111 again)."""
    with uow:
        row = lock_contact(uow, reference)
        if not may_view_contact(who, contact_place(row)):
            raise HiddenContact(reference, contact_id=row.id)
        task = uow.session.execute(select(CallbackTask).where(CallbackTask.contact_id == row.id)).scalar_one_or_none()
        if row.outcome is not None or task is None or task.done_at is not None:
            raise Conflict("Không có cuộc gọi lại nào đang chờ", "No call-back is due for this contact")
        task.attempts += 1
        task.last_attempt_at = now
        if task.attempts >= CALLBACK_MAX_ATTEMPTS:
            task.done_at = now
            row.outcome, row.state, row.closed_by, row.ended_at = "abandoned", "closed", who.user, row.ended_at or now
        else:
            task.due_at = now + CALLBACK_RETRY
        uow.commit()
        return row
