"""A call to a hotline line, step by step: the danger question, the menu, the queue, operators, voicemail.

Each step is one Twilio webhook and one transaction on the call's contact (keyed by CallSid, so a
retried webhook changes nothing twice). What the caller hears is decided here as a small `Step`;
`notifier.ivr` turns it into TwiML. Operators on duty are rung through the outbox (retried, never
twice); a "1" call waits even when nobody is on duty, and the shift lead is told at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, select

from core import i18n
from core.db import UnitOfWork
from core.settings import get_settings
from notifier import ivr
from notifier.templates import ascii_fold
from routing.directory import load_shift_leads
from workflows.case.effects import send
from workflows.contacts.lines import Line, configured_lines, line_for_number
from workflows.contacts.models import BlockedCaller, CallbackTask, DutyOperator, IntakeContact, OperatorRing
from workflows.contacts.presence import call_ended, next_to_ring, took_call
from workflows.contacts.service import caller_index, find_contact, insert_contact, lock_contact

log = logging.getLogger(__name__)

MAX_INVALID = 2  # then the default queue: a caller who cannot use the keypad still reaches a person
CHOICES = {"1": "danger", "2": "report", "3": "trafficking"}
CALLBACK_WITHIN = timedelta(minutes=15)


@dataclass(frozen=True)
class Urls:
    """Where Twilio posts the next step of a call (the configured public base URL, which it signs)."""

    base: str

    def menu(self) -> str:
        return f"{self.base}/twilio/voice/menu"

    def wait(self, contact_id: int) -> str:
        return f"{self.base}/twilio/voice/wait?contact={contact_id}"

    def wait_key(self, contact_id: int) -> str:
        return f"{self.base}/twilio/voice/wait-key?contact={contact_id}"

    def after_queue(self, contact_id: int) -> str:
        return f"{self.base}/twilio/voice/after-queue?contact={contact_id}"

    def recorded(self, contact_id: int) -> str:
        return f"{self.base}/twilio/voice/recorded?contact={contact_id}"

    def recording(self, contact_id: int) -> str:
        return f"{self.base}/twilio/voice/recording?contact={contact_id}"

    def after_bridge(self, contact_id: int) -> str:
        return f"{self.base}/twilio/voice/after-bridge?contact={contact_id}"

    def operator(self, contact_id: int, operator_id: int) -> str:
        return f"{self.base}/twilio/voice/operator?contact={contact_id}&op={operator_id}"


def urls() -> Urls:
    return Urls(get_settings().public_base_url)


def incoming_call(uow: UnitOfWork, *, call_sid: str, from_phone: str, to_number: str, now: datetime) -> str:
    """The first webhook of a call: open its contact, then welcome, refuse, or (closed) voicemail.

    Two statements: the blocked-caller look-up, then one INSERT of the contact as it ends up (a retried
    webhook inserts nothing and is answered from the contact the first one stored)."""
    line = line_for_number(to_number)
    index = caller_index(from_phone or None)
    with uow:
        if _is_blocked(uow, index, now):
            first: dict[str, object] = {"outcome": "blocked", "state": "closed", "ended_at": now}
        elif not line.is_open(now):
            first = {"state": "voicemail_offered"}
        else:
            first = {}
        created = insert_contact(uow, channel="voice", external_id=call_sid, index=index, now=now, line=line.code,
                                 call_status="ringing", **first)
        if created is not None:
            contact_id = created.id
        else:  # a retried webhook: the caller hears what the first answer said
            contact = _call(uow, call_sid)
            contact.call_status = contact.call_status or "ringing"
            contact_id = contact.id
            first = {"outcome": contact.outcome, "state": contact.state}
        uow.commit()
    if first.get("outcome") == "blocked":
        return ivr.blocked()
    if first.get("state") == "voicemail_offered":
        return ivr.voicemail(record_url=urls().recorded(contact_id), closed=True)
    return ivr.welcome(greeting=line.greeting, menu_url=urls().menu(), recorded=line.record_calls)


_BLOCKED = cast(Table, BlockedCaller.__table__)
_BLOCKED_UNTIL = select(_BLOCKED.c.until).where(_BLOCKED.c.caller_index == bindparam("index"))


def _is_blocked(uow: UnitOfWork, index: str | None, now: datetime) -> bool:
    """Fails open: if the check itself fails, the call goes through (a child may be in danger)."""
    if index is None:
        return False
    try:  # one indexed SELECT; a database that cannot answer it cannot take the call either (system down)
        row = uow.session.connection().execute(_BLOCKED_UNTIL, {"index": index}).first()
    except (LookupError, ValueError):
        log.warning("blocked-caller check failed; letting the call through")
        return False
    return row is not None and (row.until is None or row.until > now)


def menu_choice(uow: UnitOfWork, *, call_sid: str, digit: str, now: datetime) -> str:
    """1 = a child in danger now (priority queue), 2 = report or advice, 3 = trafficking; two invalid
    inputs (or silences) and the call goes to the default queue all the same."""
    with uow:
        contact = _call(uow, call_sid)
        if contact.queue is not None:  # a retried webhook: the caller is already waiting
            uow.commit()
            return _enqueue_twiml(contact)
        choice = CHOICES.get(digit)
        if choice is None:
            contact.invalid_inputs += 1
            if contact.invalid_inputs < MAX_INVALID:
                uow.commit()
                return ivr.welcome(greeting="", menu_url=urls().menu(), repeat=True)
            choice = "default"
        twiml = _enqueue(uow, contact, choice=choice, now=now)
        uow.commit()
        return twiml


def _call(uow: UnitOfWork, call_sid: str) -> IntakeContact:
    contact = find_contact(uow, channel="voice", external_id=call_sid, lock=True)
    if contact is None:
        return lock_contact(uow, -1)  # NotFound, in the one wording
    return contact


def _line(contact: IntakeContact) -> Line:
    return configured_lines().get(contact.line) or configured_lines()["111"]


def _enqueue(uow: UnitOfWork, contact: IntakeContact, *, choice: str, now: datetime) -> str:
    contact.menu_choice = choice
    contact.danger_now = contact.danger_now or choice == "danger"
    contact.queue = _line(contact).queue(priority=contact.danger_now)
    contact.state, contact.queued_at = "queued", contact.queued_at or now
    ring_next_operator(uow, contact, now=now)
    return _enqueue_twiml(contact)


def _enqueue_twiml(contact: IntakeContact) -> str:
    assert contact.queue is not None
    return ivr.enqueue(queue=contact.queue, wait_url=urls().wait(contact.id),
                       after_url=urls().after_queue(contact.id), danger=contact.danger_now)


def operators_on_duty(uow: UnitOfWork, line: str) -> list[DutyOperator]:
    operators = list(uow.session.execute(
        select(DutyOperator).where(DutyOperator.line == line, DutyOperator.on_duty.is_(True))
        .order_by(DutyOperator.ring_order, DutyOperator.id)).scalars())
    _LAST_ON_DUTY[line] = tuple(o.address for o in operators)
    return operators


# The operators on duty per line at this process's last good read: who a call is put through to while the
# database does not answer (staff addresses, in memory only).
_LAST_ON_DUTY: dict[str, tuple[str, ...]] = {}


def last_known_on_duty(line: str) -> tuple[str, ...]:
    return _LAST_ON_DUTY.get(line, ())


def remember_on_duty(uow: UnitOfWork) -> None:
    """Read every line's operators on duty now (at start-up), so an outage right after still has them."""
    with uow:
        for line in configured_lines():
            operators_on_duty(uow, line)


def ring_next_operator(uow: UnitOfWork, contact: IntakeContact, *, now: datetime) -> bool:
    """Ring the available operator who has waited longest (`presence.next_to_ring`) with a whisper of the
    caller's choice; False when none is left (a danger call tells the shift lead at once; any other, the
    sweeper's no-operator ladder after the line's limit)."""
    operator, free = next_to_ring(uow, contact)
    if operator is not None:
        contact.ring_index += 1
        twiml = ivr.operator_ring(choice=contact.menu_choice or "default",
                                  answer_url=urls().operator(contact.id, operator.id))
        outbox_id = send(uow, to=operator.address, body=twiml, purpose="operator_ring", channel="voice", now=now,
                         priority=0)
        uow.session.add(OperatorRing(outbox_id=outbox_id, contact_id=contact.id, operator_id=operator.id,
                                     rung_at=now))
        return True
    if contact.danger_now:
        _alert_shift_lead(uow, contact, now=now, why="sms.why_none_free" if not free else "sms.why_none_took")
    return False


def _alert_shift_lead(uow: UnitOfWork, contact: IntakeContact, *, now: datetime, why: str) -> None:
    why_text = i18n.gettext("vi", why)
    text = ascii_fold(i18n.gettext("vi", "sms.danger_waiting", reference=contact.reference, why=why_text))
    phones = dict.fromkeys([*get_settings().shift_leads(), *(s.phone for s in load_shift_leads(uow.session))])
    for phone in phones:
        send(uow, to=phone, body=text, purpose="shift_lead", now=now, priority=0)


def hold(uow: UnitOfWork, *, contact_id: int, queue_seconds: int, position: int) -> str:
    """The wait URL, polled while the caller waits: position, a way to say "danger", and voicemail in time."""
    with uow:
        contact = lock_contact(uow, contact_id)
        if not contact.danger_now and queue_seconds >= _line(contact).voicemail_after_seconds:
            uow.commit()
            return ivr.leave_queue()  # to the queue's action URL: voicemail
        uow.commit()
        return ivr.hold(position=position, danger=contact.danger_now, leave_url=urls().wait_key(contact.id))


def key_while_waiting(uow: UnitOfWork, *, contact_id: int, digit: str, now: datetime) -> str:
    """A 1 pressed on hold: the caller leaves the general queue to join the front one."""
    with uow:
        contact = lock_contact(uow, contact_id)
        if digit == "1" and not contact.danger_now:
            contact.danger_now, contact.menu_choice = True, "danger"
            uow.commit()
            return ivr.leave_queue()
        uow.commit()
        return ivr.hold(position=0, danger=contact.danger_now, leave_url=urls().wait_key(contact.id))


def after_queue(uow: UnitOfWork, *, contact_id: int, result: str, now: datetime) -> str:
    """Where the call goes when it leaves the queue: bridged to an operator, to the front queue, or voicemail."""
    with uow:
        contact = lock_contact(uow, contact_id)
        if result == "bridged":
            contact.state, contact.answered_at = "in_progress", contact.answered_at or now
            uow.commit()
            return ivr.thanks_goodbye()
        if result == "leave" and contact.danger_now and contact.queue != _line(contact).queue(priority=True):
            contact.queue, contact.ring_index = _line(contact).queue(priority=True), 0
            ring_next_operator(uow, contact, now=now)
            uow.commit()
            return _enqueue_twiml(contact)
        if result in ("leave", "queue-full", "error", "system-error", "redirected"):
            contact.state = "voicemail_offered"
            uow.commit()
            return ivr.voicemail(record_url=urls().recorded(contact.id), closed=False)
        contact.state, contact.ended_at = "missed", contact.ended_at or now  # the caller hung up while waiting
        uow.commit()
        return ivr.thanks_goodbye()


def voicemail_recorded(uow: UnitOfWork, *, contact_id: int, recording_url: str, now: datetime) -> str:
    """A message left: kept (encrypted: it is the caller's voice) and a call-back task is due, once."""
    with uow:
        contact = lock_contact(uow, contact_id)
        if recording_url and contact.recording_url is None:
            contact.recording_url, contact.state = recording_url, "voicemail"
        exists = uow.session.execute(
            select(CallbackTask.id).where(CallbackTask.contact_id == contact.id)).first()
        if exists is None and contact.recording_url:
            uow.session.add(CallbackTask(contact_id=contact.id, due_at=now + CALLBACK_WITHIN, created_at=now))
        uow.commit()
        return ivr.thanks_goodbye()


def operator_answered(uow: UnitOfWork, *, contact_id: int, operator_id: int, digit: str, now: datetime) -> str:
    """An operator pressed 1: bridge them to the queue. Anything else (or nothing): ring the next one."""
    with uow:
        contact = lock_contact(uow, contact_id)
        operator = uow.session.get(DutyOperator, operator_id)
        if digit == "1" and operator is not None and contact.state == "queued" and contact.answered_by is None:
            contact.answered_by = operator.name
            took_call(uow, operator, now=now)
            uow.commit()
            assert contact.queue is not None
            recording = urls().recording(contact.id) if _line(contact).record_calls else None
            return ivr.bridge(contact.queue, after_url=urls().after_bridge(contact.id), recording_url=recording)
        if contact.state == "queued" and contact.answered_by is None:
            ring_next_operator(uow, contact, now=now)
        uow.commit()
        return ivr.not_taken()


def ring_failed(uow: UnitOfWork, *, outbox_id: int, now: datetime) -> None:
    """The operator's phone was busy, did not answer, or could not be called: ring the next one.

    Runs inside the delivery receipt's transaction (`workflows.field.receipts.record_delivery`)."""
    ring = uow.session.execute(select(OperatorRing).where(OperatorRing.outbox_id == outbox_id)).scalar_one_or_none()
    if ring is None:
        return
    contact = lock_contact(uow, ring.contact_id)
    if contact.state == "queued" and contact.answered_by is None:
        ring_next_operator(uow, contact, now=now)


def call_status(uow: UnitOfWork, *, call_sid: str, status: str, duration: str, now: datetime) -> None:
    """Twilio's status callbacks for the caller's leg: queued, in progress, completed and its duration."""
    with uow:
        contact = find_contact(uow, channel="voice", external_id=call_sid, lock=True)
        if contact is None:
            return
        contact.call_status = status[:16]
        if status == "in-progress" and contact.answered_at is None and contact.state == "in_progress":
            contact.answered_at = now
        if status in ("completed", "busy", "failed", "no-answer", "canceled"):
            contact.ended_at = contact.ended_at or now
            if duration.isdecimal():
                contact.duration_seconds = int(duration)
            if contact.state in ("open", "queued"):
                contact.state = "missed"
            call_ended(uow, contact, now=now)
        uow.commit()


def caller_index_of(phone: str) -> str | None:
    return caller_index(phone)
