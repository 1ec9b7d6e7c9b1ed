"""Messages from the public (SMS through the two-way provider, Zalo): conversations, not cases.

Messages from one sender within 24 hours are one conversation, one contact. The first is answered
at once, in Vietnamese, with the contact's reference and "call 111 if it is an emergency"; STOP or
HUY ends every automatic message to that sender. Operators answer from the console. A provider's
message id is unique: a retried webhook adds nothing and answers nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update

from core import i18n
from core.db import UnitOfWork, hold, is_sqlite
from notifier.templates import ascii_fold
from workflows.contacts.models import ContactMessage, IntakeContact
from workflows.contacts.service import caller_index, insert_contact

WINDOW = timedelta(hours=24)
STOP_WORDS = frozenset({"STOP", "HUY", "DUNG", "UNSUBSCRIBE"})
START_WORDS = frozenset({"START", "BAT DAU", "BATDAU"})
_CONTACTS = cast(Table, IntakeContact.__table__)
_MESSAGES = cast(Table, ContactMessage.__table__)


def first_answer(reference: str) -> str:
    return ascii_fold(i18n.gettext("vi", "public_sms.first_answer", reference=reference))


def __getattr__(name: str) -> str:
    """STOPPED and STARTED: the answers to STOP and BAT DAU, from the catalogs (`public_sms.*`)."""
    if name in ("STOPPED", "STARTED"):
        return i18n.gettext("vi", f"public_sms.{name.lower()}")
    raise AttributeError(name)


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
    index = caller_index(sender)
    if index is not None:
        # One message of a sender at a time, until commit: two at the same moment (or a retry racing its
        # first delivery) would each find no conversation and open one, each with its first answer.
        hold(uow.session, f"conversation:{channel}:{index}")
    if c.execute(_SEEN, {"provider": provider, "external_id": external_id}).first() is not None:
        return None  # a retried webhook
    word = command_word(text)
    contact = _open_conversation(uow, channel=channel, index=index, now=now)
    command = word in STOP_WORDS or word in START_WORDS  # answered by its own text, whatever came before
    if contact is not None:
        contact.last_message_at = now
        if not command:  # a message an operator should answer: the unanswered clock starts with the first
            contact.awaiting_reply_since = contact.awaiting_reply_since or now
        if contact.reply_to is None:
            contact.reply_to = sender
        contact_id, first = contact.id, None
    else:
        quiet = not command and _opted_out(uow, channel=channel, index=index)
        opened = insert_contact(uow, channel=channel, external_id=f"{provider}:{external_id}", index=index, now=now,
                                line=line, state="open", last_message_at=now, reply_to=sender,
                                awaiting_reply_since=None if command else now)
        if opened is None:
            return None  # this very message opened it, in a retry that ran at the same moment
        contact_id, first = opened.id, None if quiet else first_answer(opened.reference)
    rows = [{"contact_id": contact_id, "direction": "in", "provider": provider, "external_id": external_id,
             "text": text, "at": now}]
    answer = first
    if command:
        stop = word in STOP_WORDS
        c.execute(_SET_OPTED_OUT, {"of_channel": channel, "of_index": index, "value": stop})
        if contact is not None:
            contact.opted_out = stop
        answer = i18n.gettext("vi", "public_sms.stopped" if stop else "public_sms.started")
    if answer is not None:
        rows.append({"contact_id": contact_id, "direction": "out", "provider": "system", "external_id": None,
                     "text": answer, "at": now})
    c.execute(insert(_MESSAGES).values(rows))  # one statement, whether one row or two
    return answer


def _open_conversation(uow: UnitOfWork, *, channel: str, index: str | None, now: datetime) -> IntakeContact | None:
    if index is None:
        return None
    s = uow.session
    stmt = _OPEN_CONVERSATION if is_sqlite(s) else _OPEN_CONVERSATION_LOCKED
    return s.execute(stmt, {"channel": channel, "index": index, "since": now - WINDOW}).scalars().first()


def _opted_out(uow: UnitOfWork, *, channel: str, index: str | None) -> bool:
    if index is None:
        return False
    return uow.session.connection().execute(_OPTED_OUT, {"channel": channel, "index": index}).first() is not None


# Built once (SQLAlchemy caches their compiled form by a key it computes for each new statement object).
_SEEN = select(_MESSAGES.c.id).where(
    _MESSAGES.c.provider == bindparam("provider"), _MESSAGES.c.external_id == bindparam("external_id"))
_OPEN_CONVERSATION = (
    select(IntakeContact)
    .where(IntakeContact.channel == bindparam("channel"), IntakeContact.caller_index == bindparam("index"),
           IntakeContact.outcome.is_(None), IntakeContact.last_message_at >= bindparam("since"))
    .order_by(IntakeContact.last_message_at.desc()).limit(1))
_OPEN_CONVERSATION_LOCKED = _OPEN_CONVERSATION.with_for_update()
_OPTED_OUT = select(_CONTACTS.c.id).where(
    _CONTACTS.c.channel == bindparam("channel"), _CONTACTS.c.caller_index == bindparam("index"),
    _CONTACTS.c.opted_out.is_(True)).limit(1)
_SET_OPTED_OUT = update(_CONTACTS).where(  # an UPDATE's parameters may not be named like its columns
    _CONTACTS.c.channel == bindparam("of_channel"), _CONTACTS.c.caller_index == bindparam("of_index")
).values(opted_out=bindparam("value"))
