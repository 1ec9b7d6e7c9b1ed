"""An agency's answer to a referral, through the officers' answer paths: an SMS naming the referral
(`NHAN GT4KM7X9`, `TU CHOI GT4KM7X9 <ly do>`, `XONG GT4KM7X9 <ket qua>`) or its link's page."""

from __future__ import annotations

from datetime import datetime

from core.db import UnitOfWork
from workflows.field.command_text import Command
from workflows.referrals.service import answer, is_referral_reference, lock_referral
from workflows.referrals.texts import answer as answer_text

ACTIONS = {"acknowledge": "accept", "decline": "decline", "done": "done"}


def is_referral_command(command: Command) -> bool:
    return is_referral_reference(command.reference)


def referral_sms_answer(uow: UnitOfWork, command: Command, *, phone: str, now: datetime) -> str:
    ref = command.reference or ""
    referral = lock_referral(uow, ref)
    if referral is None:
        return answer_text("not_yours", ref=ref)
    action = ACTIONS.get(command.kind)
    if action is None:
        return answer_text("not_now", ref=referral.reference, action=command.kind)
    result = answer(uow, referral, phone=phone, action=action, text=command.reason, via="sms", now=now)
    return answer_text(result.kind, ref=result.reference, action=action)
