"""An operator answers the public in an SMS or Zalo conversation, from the desk.

The answer goes out through the outbox to the address the conversation keeps encrypted, by the channel's
own provider (SMS through the line's SMS provider: Jasmin's short code in Vietnam; Zalo through the
Official Account; `notifier.senders` picks by the address). It joins the conversation's timeline, stops
the "unanswered" clock and its ladder. An SMS goes without diacritics (one segment holds 160, not 70).
"""

from __future__ import annotations

from datetime import datetime

from core.db import UnitOfWork
from core.errors import Conflict, InvalidInput
from notifier.templates import ascii_fold
from workflows.access.policy import Principal, may_view_contact
from workflows.case.effects import send
from workflows.casework.desk import OPEN_CONVERSATION_CHANNELS, HiddenContact, contact_place
from workflows.contacts.alerts import stop_alert
from workflows.contacts.models import ContactMessage, IntakeContact
from workflows.contacts.saved_replies import saved_reply
from workflows.contacts.service import lock_contact

MAX_REPLY = 1000


def reply_text(*, text: str, saved: str | None) -> str:
    """What the operator typed, else the saved reply they chose (its Vietnamese). Pure."""
    body = text.strip()
    if not body and saved:
        chosen = saved_reply(saved)
        if chosen is None:
            raise InvalidInput("Không có câu trả lời mẫu này", f"No saved reply {saved!r}", field="saved")
        body = chosen.vi
    if not body:
        raise InvalidInput("Chưa có nội dung trả lời", "The reply is empty", field="text")
    if len(body) > MAX_REPLY:
        raise InvalidInput(f"Câu trả lời quá dài (tối đa {MAX_REPLY} ký tự)",
                           f"The reply is too long (at most {MAX_REPLY} characters)", field="text")
    return body


def reply_in_conversation(
    uow: UnitOfWork, *, reference: str, who: Principal, text: str, saved: str | None = None, now: datetime,
) -> IntakeContact:
    body = reply_text(text=text, saved=saved)
    with uow:
        row = lock_contact(uow, reference)
        if not may_view_contact(who, contact_place(row)):
            raise HiddenContact(reference, contact_id=row.id)
        if row.channel not in OPEN_CONVERSATION_CHANNELS:
            raise Conflict("Chỉ trả lời được trong cuộc trò chuyện SMS hoặc Zalo",
                           "Only an SMS or Zalo conversation can be answered")
        if row.outcome is not None:
            raise Conflict(f"Liên hệ {row.reference} đã kết thúc", f"Contact {row.reference} is already closed")
        if row.opted_out:
            raise Conflict("Người này đã nhắn DUNG (STOP): không gửi tin cho họ nữa",
                           "This person sent STOP: no more messages to them")
        if not row.reply_to:
            raise Conflict("Cuộc trò chuyện này không có địa chỉ để trả lời",
                           "This conversation has no address to answer")
        out = ascii_fold(body) if row.channel == "sms" else body
        outbox_id = send(uow, to=row.reply_to, body=out, purpose="conversation", now=now, priority=1)
        uow.session.add(ContactMessage(contact_id=row.id, direction="out", provider="console",
                                       external_id=f"outbox-{outbox_id}", text=out, at=now))
        row.awaiting_reply_since = None
        row.answered_by = row.answered_by or who.user
        if row.state == "open":
            row.state = "in_progress"
            row.answered_at = row.answered_at or now
        stop_alert(uow, contact_id=row.id, kind="unanswered", now=now)
        uow.commit()
        return row
