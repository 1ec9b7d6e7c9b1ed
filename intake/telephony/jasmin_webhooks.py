"""Jasmin's webhooks: mobile-originated SMS from the short code, and delivery receipts.

Jasmin's HTTP client connector cannot sign a request, so the MO URL carries a secret key
(HOTLINE_JASMIN_INBOUND_KEY) and each receipt URL our own signature of its outbox id. Jasmin
retries until it reads `ACK/Jasmin`; a repeated message id gets the first answer and sends nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse

from core.db import UnitOfWork
from core.errors import Forbidden, InvalidInput
from intake.telephony.openapi import WEBHOOK_ERRORS
from intake.web.forms import PostedForm
from notifier.callbacks import inbound_key_is_valid, receipt_signature_is_valid
from notifier.jasmin_adapter import ACK, parse_inbound, parse_receipt
from notifier.models import MAX_OUTBOX_ID
from workflows.field.inbound_sms import receive_sms
from workflows.field.receipts import record_delivery

router = APIRouter(prefix="/jasmin", tags=["jasmin"])
MAX_ID = 64


async def _form(posted: PostedForm) -> dict[str, str]:  # no I/O: on the loop, no thread hop
    form = {k: str(v) for k, v in posted.items()}
    # Jasmin writes the data coding as the raw byte ("\x00" for GSM-7); anything else with a NUL is bad.
    if any("\x00" in v for k, v in form.items() if k != "coding"):
        raise InvalidInput("Dữ liệu chứa ký tự NUL", "The form contains a NUL character", field="content")
    return form


JasminForm = Annotated[dict[str, str], Depends(_form)]  # read on the event loop; the handlers run in the pool


@router.post("/mo", response_class=PlainTextResponse, responses=WEBHOOK_ERRORS,
             summary="SMS từ điện thoại tới đầu số / An SMS to our short code (Jasmin MO)")
def mobile_originated(form: JasminForm, key: Annotated[str, Query(max_length=200)] = "") -> str:
    if not inbound_key_is_valid(key):
        raise Forbidden("Khoá Jasmin không hợp lệ", "Invalid Jasmin key")
    message = parse_inbound(form)
    if not message.external_id or len(message.external_id) > MAX_ID:
        raise InvalidInput("Thiếu mã tin nhắn (id)", "The message id is missing or too long", field="id")
    if len(message.from_phone) < 6:
        raise InvalidInput("Thiếu số gửi (from)", "The sender is missing", field="from")
    receive_sms(replace(message, text=message.text[:1600]), answer_by_sms=True)
    return ACK


@router.post("/dlr", response_class=PlainTextResponse, responses=WEBHOOK_ERRORS,
             summary="Báo cáo gửi tin của Jasmin / Jasmin delivery receipt for an outbox message")
def delivery_receipt(
    form: JasminForm,
    outbox: Annotated[int, Query(ge=1, le=MAX_OUTBOX_ID)],
    sig: Annotated[str, Query(max_length=64)] = "",
) -> str:
    if not receipt_signature_is_valid(outbox, sig):
        raise Forbidden("Chữ ký báo cáo không hợp lệ", "Invalid receipt signature")
    if len(form.get("id", "")) > MAX_ID:
        raise InvalidInput("Mã tin nhắn (id) quá dài", "The message id is too long", field="id")
    receipt = parse_receipt(outbox, form)
    if receipt.status:  # a state we do not know changes nothing, and Jasmin need not retry it
        record_delivery(UnitOfWork(), outbox_id=receipt.outbox_id, status=receipt.status,
                        provider_sid=receipt.provider_sid)
    return ACK
