"""Zalo Official Account webhook: a message from the public, checked against Zalo's signature."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import Forbidden, InvalidInput
from core.settings import get_settings
from intake.telephony.openapi import WEBHOOK_ERRORS
from intake.web.forms import PostedBody
from notifier.zalo_adapter import event_is_recent, parse_event, signature_is_valid
from workflows.case.effects import reply_to_public
from workflows.contacts.conversations import receive_public_message
from workflows.contacts.lines import DEFAULT_LINE

router = APIRouter(prefix="/zalo", tags=["zalo"])
MAX_BODY = 64 * 1024


@router.post("/webhook", responses=WEBHOOK_ERRORS, summary="Tin nhắn Zalo OA / A message to the Zalo OA")
def zalo_webhook(
    body: PostedBody, x_zevent_signature: Annotated[str, Header(max_length=200)] = "",
) -> JSONResponse:
    if len(body) > MAX_BODY or b"\x00" in body:
        raise InvalidInput("Nội dung không hợp lệ", "The body is too large or invalid", field="body")
    if not signature_is_valid(body, x_zevent_signature):
        raise Forbidden("Chữ ký Zalo không hợp lệ", "Invalid Zalo signature")
    window = timedelta(seconds=get_settings().zalo_event_window_seconds)
    if not event_is_recent(body, now=utcnow(), window=window):
        raise Forbidden("Sự kiện Zalo quá cũ hoặc thiếu thời điểm", "The Zalo event is too old or has no timestamp")
    try:
        event = parse_event(body)
    except (ValueError, AttributeError, TypeError) as exc:
        raise InvalidInput("Nội dung không phải JSON hợp lệ", "The body is not valid JSON", field="body") from exc
    message = event.message
    if message is None:  # follow, unfollow, a picture: nothing to answer today
        return JSONResponse({"ok": True, "ignored": event.name[:40]})
    if not message.external_id or len(message.external_id) > 64 or len(message.from_phone) > 64:
        raise InvalidInput("Thiếu mã tin nhắn", "msg_id or sender is missing or too long", field="message")
    now = utcnow()
    with UnitOfWork() as uow:
        answer = receive_public_message(uow, channel="zalo", provider="zalo", external_id=message.external_id,
                                        sender=message.from_phone, text=message.text[:2000], line=DEFAULT_LINE,
                                        now=now)
        if answer:
            reply_to_public(uow, to=message.from_phone, body=answer, now=now)
        uow.commit()
    return JSONResponse({"ok": True})
