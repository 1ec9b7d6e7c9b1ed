"""Twilio's webhooks: delivery receipts and the team's SMS answers. Signed, idempotent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from core.db import UnitOfWork
from core.errors import Forbidden, InvalidInput
from core.settings import get_settings
from notifier import twiml
from notifier.twilio_adapter import signature_is_valid
from workflows.commands import handle_command
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
    if status == "completed" and machine_answered(form):
        status = "no-answer"  # a voicemail took the call: nobody heard it, the chain moves on
    sid = form.get("MessageSid") or form.get("CallSid")
    record_delivery(UnitOfWork(), outbox_id=outbox, status=status, provider_sid=sid)
    return Response(status_code=204)


def machine_answered(form: dict[str, str]) -> bool:
    answered_by = form.get("AnsweredBy", "")
    return answered_by.startswith("machine") or answered_by == "fax"


@router.post("/sms", summary="An SMS from a team member: NHAN 3, TU CHOI 3 <reason>, SAI XA 3, ... (see ?)")
def inbound_sms(form: Form) -> Response:
    if not form.get("MessageSid"):
        raise InvalidInput("Thiếu MessageSid", "MessageSid is missing", field="MessageSid")
    answer = handle_command(UnitOfWork(), channel="twilio", external_id=form.get("MessageSid", ""),
                            from_phone=form.get("From", ""), text=form.get("Body", ""))
    return Response(twiml.sms_answer(answer), media_type="application/xml")
