"""Messages from the public (SMS through the two-way provider, Zalo): conversations, not cases.

Messages from one sender within 24 hours are one conversation, one contact. The first is answered
at once, in Vietnamese, with the contact's reference and "call 111 if it is an emergency"; STOP or
HUY ends every automatic message to that sender. Operators answer from the console. A provider's
message id is unique: a retried webhook adds nothing and answers nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.db import UnitOfWork, for_update
from notifier.templates import ascii_fold
from workflows.contact_models import ContactMessage, IntakeContact
from workflows.contacts import caller_index, open_contact

WINDOW = timedelta(hours=24)
STOP_WORDS = frozenset({"STOP", "HUY", "DUNG", "UNSUBSCRIBE"})
START_WORDS = frozenset({"START", "BAT DAU", "BATDAU"})


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
    if one is due. Runs inside the caller's unit of work; the caller commits."""
    s = uow.session
    seen = s.execute(select(ContactMessage.id).where(
        ContactMessage.provider == provider, ContactMessage.external_id == external_id)).first()
    if seen is not None:
        return None
    index = caller_index(sender)
    contact = _open_conversation(uow, channel=channel, index=index, now=now)
    created = contact is None
    if contact is None:
        contact, _ = open_contact(uow, channel=channel, external_id=f"{provider}:{external_id}", caller=sender,
                                  now=now, line=line)
        contact.state = "open"
    contact.last_message_at = now
    s.add(ContactMessage(contact_id=contact.id, direction="in", provider=provider, external_id=external_id,
                         text=text, at=now))
    word = command_word(text)
    if word in STOP_WORDS:
        _set_opted_out(uow, channel=channel, index=index, value=True)
        contact.opted_out = True
        return _answer(uow, contact, STOPPED, now)
    if word in START_WORDS:
        _set_opted_out(uow, channel=channel, index=index, value=False)
        return _answer(uow, contact, STARTED, now)
    if created and not _opted_out(uow, channel=channel, index=index):
        return _answer(uow, contact, first_answer(contact.reference), now)
    return None


def _answer(uow: UnitOfWork, contact: IntakeContact, text: str, now: datetime) -> str:
    uow.session.add(ContactMessage(contact_id=contact.id, direction="out", provider="system", external_id=None,
                                   text=text, at=now))
    return text


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
    return uow.session.execute(select(IntakeContact.id).where(
        IntakeContact.channel == channel, IntakeContact.caller_index == index,
        IntakeContact.opted_out.is_(True))).first() is not None


def _set_opted_out(uow: UnitOfWork, *, channel: str, index: str | None, value: bool) -> None:
    if index is None:
        return
    for row in uow.session.execute(select(IntakeContact).where(
            IntakeContact.channel == channel, IntakeContact.caller_index == index)).scalars():
        row.opted_out = value
