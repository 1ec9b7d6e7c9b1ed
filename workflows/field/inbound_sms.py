"""Every inbound SMS, whatever the provider: a team member's answer, or a message from the public."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, select

from core.clock import utcnow
from core.db import UnitOfWork
from notifier.ports import InboundSms
from routing.models import Contact as TeamMember
from workflows.case.effects import reply_to_public
from workflows.contacts.conversations import receive_public_message
from workflows.contacts.lines import line_for_number
from workflows.field.commands import handle_command
from workflows.referrals.service import answers_referrals

_MEMBERS = cast(Table, TeamMember.__table__)
_MEMBER_BY_PHONE = select(_MEMBERS.c.id).where(_MEMBERS.c.phone == bindparam("phone")).limit(1)


def is_team_member(uow: UnitOfWork, phone: str) -> bool:
    return uow.session.connection().execute(_MEMBER_BY_PHONE, {"phone": phone}).first() is not None


def receive_sms(message: InboundSms, *, answer_by_sms: bool) -> str | None:
    """Apply one inbound SMS once; the answer to send back (None: nothing to say).

    With `answer_by_sms` (Jasmin, which cannot answer in its webhook's response) the answer goes out
    through the outbox in the same transaction, so a retried webhook sends nothing twice.
    """
    now = utcnow()
    with UnitOfWork() as uow:
        if not is_team_member(uow, message.from_phone) and not answers_referrals(uow.session, message.from_phone):
            answer = receive_public_message(uow, channel="sms", provider=message.provider,
                                            external_id=message.external_id, sender=message.from_phone,
                                            text=message.text, line=line_for_number(message.to).code, now=now)
            if answer and answer_by_sms:
                reply_to_public(uow, to=message.from_phone, body=answer, now=now)
            uow.commit()
            return answer
    return handle_command(UnitOfWork(), channel=message.provider, external_id=message.external_id,
                          from_phone=message.from_phone, text=message.text, answer_by_sms=answer_by_sms)
