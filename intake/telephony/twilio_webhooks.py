"""Twilio's webhooks: delivery receipts and the team's SMS answers. Signed, idempotent."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response
from twilio.twiml.messaging_response import MessagingResponse

from core.db import UnitOfWork
from core.errors import Forbidden, InvalidInput
from core.settings import get_settings
from intake.api.problems import problem_responses
from notifier.models import MAX_OUTBOX_ID
from notifier.ports import InboundSms
from notifier.twilio_adapter import recipient_reason, signature_is_valid
from workflows.field.inbound_sms import receive_sms
from workflows.field.receipts import record_delivery

router = APIRouter(prefix="/twilio", tags=["twilio"], responses=problem_responses(403))

_SID = re.compile(r"[A-Za-z0-9]{2,64}")  # Twilio's are 34 (SM/MM/CA + 32 hex); our columns hold 64
# What we read from a form, and how long it may be (Twilio adds fields without notice: the rest is ignored).
_LIMITS = {"From": 32, "To": 32, "Body": 1600, "MessageStatus": 32, "CallStatus": 32, "ErrorCode": 9}


async def signed_form(
    request: Request, x_twilio_signature: Annotated[str, Header()] = ""
) -> dict[str, str]:
    """The form exactly as Twilio sent it, once its signature checks out against the public URL."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    url = get_settings().public_base_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not x_twilio_signature or not signature_is_valid(url, form, x_twilio_signature):
        raise Forbidden("Chữ ký Twilio không hợp lệ", "Invalid Twilio signature")
    _check(form)
    return form


def _check(form: dict[str, str]) -> None:
    """What we store or compare must fit: a signed but malformed form is a 422, never a 500."""
    for name in ("MessageSid", "CallSid"):
        if form.get(name) and not _SID.fullmatch(form[name]):
            raise InvalidInput(f"{name} không hợp lệ (chữ và số, tối đa 64 ký tự)",
                               f"{name} is not valid (letters and digits, at most 64)", field=name)
    for name, limit in _LIMITS.items():
        if len(form.get(name, "")) > limit:
            raise InvalidInput(f"{name} quá dài (tối đa {limit} ký tự)", f"{name} is too long (at most {limit})",
                               field=name)


Form = Annotated[dict[str, str], Depends(signed_form)]


@router.post("/status", status_code=204, summary="Delivery receipt for an outbox message")
def delivery_status(form: Form, outbox: Annotated[int, Query(ge=1, le=MAX_OUTBOX_ID)]) -> Response:
    status = form.get("MessageStatus") or form.get("CallStatus") or ""
    if status == "completed" and machine_answered(form):
        status = "no-answer"  # a voicemail took the call: nobody heard it, the chain moves on
    sid = form.get("MessageSid") or form.get("CallSid")
    code = form.get("ErrorCode")
    error_code = int(code) if code and code.isdecimal() else None  # not isdigit: "²" is a digit int() cannot read
    record_delivery(UnitOfWork(), outbox_id=outbox, status=status, provider_sid=sid,
                    recipient_reason=recipient_reason(code), error_code=error_code)
    return Response(status_code=204)


def machine_answered(form: dict[str, str]) -> bool:
    answered_by = form.get("AnsweredBy", "")
    return answered_by.startswith("machine") or answered_by == "fax"


@router.post("/sms", summary="An SMS to our number: a team member's answer, or the public writing to the line",
             responses={200: {"description": "TwiML", "content": {"application/xml": {}}}})
def inbound_sms(form: Form) -> Response:
    sid = form.get("MessageSid", "")
    if not sid or len(sid) > 64:
        raise InvalidInput("Thiếu MessageSid", "MessageSid is missing", field="MessageSid")
    answer = receive_sms(InboundSms(provider="twilio", external_id=sid, from_phone=form.get("From", ""),
                                    to=form.get("To", ""), text=form.get("Body", "")[:1600]), answer_by_sms=False)
    twiml = MessagingResponse()
    if answer:
        twiml.message(answer)
    return Response(str(twiml), media_type="application/xml")
