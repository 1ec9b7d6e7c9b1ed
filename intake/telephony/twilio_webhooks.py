"""Twilio's webhooks: delivery receipts and the team's SMS answers. Signed, idempotent."""

from __future__ import annotations

from typing import Annotated
from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from core.db import UnitOfWork
from core.errors import Forbidden, InvalidInput
from core.settings import get_settings
from notifier.twilio_adapter import recipient_reason, signature_is_valid
from workflows.replies import handle_team_reply, record_delivery

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
    code = form.get("ErrorCode")
    record_delivery(UnitOfWork(), outbox_id=outbox, status=status, provider_sid=sid,
                    recipient_reason=recipient_reason(code), error_code=int(code) if code and code.isdigit() else None)
    return Response(status_code=204)


@router.post("/sms", summary="An SMS from a team member: NHAN <ref> / TUCHOI <ref> <reason>")
def inbound_sms(form: Form) -> Response:
    if not form.get("MessageSid"):
        raise InvalidInput("Thiếu MessageSid", "MessageSid is missing", field="MessageSid")
    answer = handle_team_reply(UnitOfWork(), message_sid=form.get("MessageSid", ""),
                               from_phone=form.get("From", ""), body=form.get("Body", ""))
    twiml = f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(answer)}</Message></Response>'
    return Response(twiml, media_type="application/xml")
