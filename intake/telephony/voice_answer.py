"""The escalation call's keypress: POST /twilio/voice/answer?case=<ref>&sig=<our signature>.

Twilio signs the request (checked with the SDK's validator against the public URL, query
included), and the case in the URL carries our own signature. The callee is Twilio's `To` of the
outbound call. 1 = nhận, 2 = từ chối, 3 = không phải địa bàn, * = hear it again; each digit is
recorded once per CallSid (a retried webhook gets the same confirmation). An answering machine is
never an answer: the ladder's timer moves on.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from core.crypto import same_secret
from core.db import UnitOfWork
from core.errors import Forbidden, InvalidInput
from intake.api.problems import problem_responses
from intake.telephony.twilio_webhooks import Form, machine_answered
from notifier import twiml
from notifier.templates import call_announcement, voice_answer_sig, voice_answer_url
from workflows.field.commands import KEYPRESS, call_facts, handle_keypress

router = APIRouter(prefix="/twilio/voice", tags=["twilio"], responses=problem_responses(403))
WRONG_KEY = "Phím không hợp lệ."


def _xml(body: str) -> Response:
    return Response(body, media_type="application/xml")


@router.post("/answer", summary="A digit pressed on an escalation call (1 accept, 2 decline, 3 wrong commune)")
def voice_answer(
    form: Form, case: Annotated[str, Query(max_length=20)], sig: Annotated[str, Query(max_length=64)]
) -> Response:
    if not same_secret(sig, voice_answer_sig(case)):
        raise Forbidden("Liên kết cuộc gọi không hợp lệ", "Invalid call answer URL")
    call_sid, digits = form.get("CallSid", ""), form.get("Digits", "")
    if not call_sid:
        raise InvalidInput("Thiếu CallSid", "CallSid is missing", field="CallSid")
    if machine_answered(form):
        return _xml(twiml.spoken(twiml.NO_KEY))
    if digits in KEYPRESS:
        outcome = handle_keypress(UnitOfWork(), call_sid=call_sid, digits=digits,
                                  to_phone=form.get("To") or form.get("Called", ""), reference=case)
        return _xml(twiml.spoken(outcome.text("vi")))
    reference, commune, urgency = call_facts(UnitOfWork(), reference=case)
    announcement = call_announcement(reference=reference, commune=commune, urgency=urgency)
    if digits != "*":
        announcement = f"{WRONG_KEY} {announcement}"
    return _xml(twiml.gather_call(announcement=announcement, action_url=voice_answer_url(reference)))
