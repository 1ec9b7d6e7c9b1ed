"""Messages from the public (SMS through the two-way provider, Zalo): conversations, not cases.

Messages from one sender within 24 hours are one conversation, one contact. The first is answered
at once, in Vietnamese, with the contact's reference and "call 111 if it is an emergency"; STOP or
HUY ends every automatic message to that sender. Operators answer from the console. A provider's
message id is unique: a retried webhook adds nothing and answers nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, insert, select, update

from core.db import UnitOfWork, for_update
from notifier.templates import ascii_fold
from workflows.contact_models import ContactMessage, IntakeContact
from workflows.contacts import caller_index, insert_contact

WINDOW = timedelta(hours=24)
STOP_WORDS = frozenset({"STOP", "HUY", "DUNG", "UNSUBSCRIBE"})
START_WORDS = frozenset({"START", "BAT DAU", "BATDAU"})
_CONTACTS = cast(Table, IntakeContact.__table__)
_MESSAGES = cast(Table, ContactMessage.__table__)


def first_answer(reference: str) -> str:
    return ascii_fold(f"111 da nhan tin nhan cua ban (ma {reference}). Tu van vien se tra loi som. "
                      "Neu tre em dang gap nguy hiem, hay goi ngay 111 (mien phi).")


STOPPED = ("111: Ban se khong nhan tin tu dong tu 111 nua. Neu tre em gap nguy hiem, hay goi 111. "
           "Gui BAT DAU de nhan lai.")
STARTED = "111: Ban se lai nhan tin tu 111. Neu tre em gap nguy hiem, hay goi 111."


def command_word(text: str) -> str:
    return " ".join(ascii_fold(text).upper().split())


def receive_public_message(
    uow: UnitOfWork, *, channel: str, provider: str, external_id: str, sender: str, text: str, line: str,
    now: datetime,
) -> str | None:
    """Add a message to its sender's conversation (opening one when none is open); the automatic answer,
    if one is due. Runs inside the caller's unit of work; the caller commits.

    Reads first, then writes: a new conversation is one INSERT of its contact, and the message with its
    answer one more (Core statements: nothing is loaded that nobody reads)."""
    c = uow.session.connection()
    if c.execute(select(_MESSAGES.c.id).where(
            _MESSAGES.c.provider == provider, _MESSAGES.c.external_id == external_id)).first() is not None:
        return None  # a retried webhook
    index = caller_index(sender)
    word = command_word(text)
    contact = _open_conversation(uow, channel=channel, index=index, now=now)
    if contact is not None:
        contact.last_message_at = now
        contact_id, first = contact.id, None
    else:
        command = word in STOP_WORDS or word in START_WORDS  # answered by its own text, whatever came before
        quiet = not command and _opted_out(uow, channel=channel, index=index)
        opened = insert_contact(uow, channel=channel, external_id=f"{provider}:{external_id}", index=index, now=now,
                                line=line, state="open", last_message_at=now)
        if opened is None:
            return None  # this very message opened it, in a retry that ran at the same moment
        contact_id, first = opened.id, None if quiet else first_answer(opened.reference)
    rows = [{"contact_id": contact_id, "direction": "in", "provider": provider, "external_id": external_id,
             "text": text, "at": now}]
    answer = first
    if word in STOP_WORDS or word in START_WORDS:
        stop = word in STOP_WORDS
        c.execute(update(_CONTACTS).where(_CONTACTS.c.channel == channel, _CONTACTS.c.caller_index == index)
                  .values(opted_out=stop))
        if contact is not None:
            contact.opted_out = stop
        answer = STOPPED if stop else STARTED
    if answer is not None:
        rows.append({"contact_id": contact_id, "direction": "out", "provider": "system", "external_id": None,
                     "text": answer, "at": now})
    c.execute(insert(_MESSAGES), rows)
    return answer


def _open_conversation(uow: UnitOfWork, *, channel: str, index: str | None, now: datetime) -> IntakeContact | None:
    if index is None:
        return None
    s = uow.session
    stmt = (select(IntakeContact)
            .where(IntakeContact.channel == channel, IntakeContact.caller_index == index,
                   IntakeContact.outcome.is_(None), IntakeContact.last_message_at >= now - WINDOW)
            .order_by(IntakeContact.last_message_at.desc()).limit(1))
    return s.execute(for_update(s, stmt)).scalars().first()


def _opted_out(uow: UnitOfWork, *, channel: str, index: str | None) -> bool:
    if index is None:
        return False
    return uow.session.connection().execute(select(_CONTACTS.c.id).where(
        _CONTACTS.c.channel == channel, _CONTACTS.c.caller_index == index,
        _CONTACTS.c.opted_out.is_(True)).limit(1)).first() is not None
