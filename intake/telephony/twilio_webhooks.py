"""Twilio's webhooks: delivery receipts and the team's SMS answers. Signed, idempotent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response
from twilio.twiml.messaging_response import MessagingResponse

from core.db import UnitOfWork
from core.errors import Forbidden, InvalidInput
from core.settings import get_settings
from notifier.ports import InboundSms
from notifier.twilio_adapter import signature_is_valid
from workflows.inbound_sms import receive_sms
from workflows.replies import record_delivery

router = APIRouter(prefix="/twilio", tags=["twilio"])


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
    return form


Form = Annotated[dict[str, str], Depends(signed_form)]


@router.post("/status", status_code=204, summary="Delivery receipt for an outbox message")
def delivery_status(form: Form, outbox: Annotated[int, Query(ge=1)]) -> Response:
    status = form.get("MessageStatus") or form.get("CallStatus") or ""
    sid = form.get("MessageSid") or form.get("CallSid")
    record_delivery(UnitOfWork(), outbox_id=outbox, status=status, provider_sid=sid)
    return Response(status_code=204)


@router.post("/sms", summary="An SMS to our number: a team member's answer, or the public writing to the line")
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
