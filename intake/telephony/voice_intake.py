"""The public's calls: Twilio voice webhooks for a line's IVR, queue, operators and voicemail.

Every request is checked with Twilio's own validator (`signed_form`); each answer is TwiML built by
notifier.ivr. If the database cannot be reached, the caller still hears where to turn (113, 115).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.exc import SQLAlchemyError

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import InvalidInput
from intake.telephony.openapi import WEBHOOK_ERRORS
from intake.telephony.twilio_webhooks import Form
from notifier import ivr
from workflows.casework.transfers import operator_leg_after_bridge
from workflows.contacts import voice_steps as voice
from workflows.contacts.lines import line_for_number
from workflows.contacts.recordings import recording_ready

router = APIRouter(prefix="/twilio/voice", tags=["twilio voice"])
log = logging.getLogger(__name__)
ContactId = Annotated[int, Query(ge=1, le=2**62)]
TWIML = "application/xml"


def _twiml(xml: str) -> Response:
    return Response(xml, media_type=TWIML)


def _call_sid(form: dict[str, str]) -> str:
    sid = form.get("CallSid", "")
    if not sid or len(sid) > 64 or "\x00" in sid:
        raise InvalidInput("Thiếu hoặc sai CallSid", "CallSid is missing or invalid", field="CallSid")
    return sid


@router.post("", responses=WEBHOOK_ERRORS, summary="Cuộc gọi tới đường dây / A call to a hotline line")
def incoming(form: Form) -> Response:
    try:
        return _twiml(voice.incoming_call(UnitOfWork(), call_sid=_call_sid(form), from_phone=form.get("From", ""),
                                          to_number=form.get("To", ""), now=utcnow()))
    except SQLAlchemyError:
        log.exception("voice intake cannot reach the database; the caller is put through to the operators on duty")
        line = line_for_number(form.get("To", "")[:32]).code  # the lines file, not the database
        return _twiml(ivr.system_down(voice.last_known_on_duty(line)))


@router.post("/menu", responses=WEBHOOK_ERRORS, summary="Lựa chọn của người gọi / The caller's keypress")
def menu(form: Form) -> Response:
    digit = ivr.digit_from(form.get("Digits", ""), form.get("SpeechResult", ""))
    return _twiml(voice.menu_choice(UnitOfWork(), call_sid=_call_sid(form), digit=digit, now=utcnow()))


@router.post("/wait", responses=WEBHOOK_ERRORS, summary="Nhạc chờ / While the caller waits in the queue")
def wait(form: Form, contact: ContactId) -> Response:
    seconds = form.get("QueueTime", "0")
    position = form.get("QueuePosition", "0")
    return _twiml(voice.hold(UnitOfWork(), contact_id=contact, queue_seconds=int(seconds) if seconds.isdecimal() else 0,
                             position=int(position) if position.isdecimal() else 0))


@router.post("/wait-key", responses=WEBHOOK_ERRORS, summary="Phím bấm khi chờ / A key pressed while waiting")
def wait_key(form: Form, contact: ContactId) -> Response:
    return _twiml(voice.key_while_waiting(UnitOfWork(), contact_id=contact, digit=form.get("Digits", "")[:1],
                                          now=utcnow()))


@router.post("/after-queue", responses=WEBHOOK_ERRORS, summary="Rời hàng chờ / The call left the queue")
def after_queue(form: Form, contact: ContactId) -> Response:
    return _twiml(voice.after_queue(UnitOfWork(), contact_id=contact, result=form.get("QueueResult", "")[:20],
                                    now=utcnow()))


@router.post("/recorded", responses=WEBHOOK_ERRORS, summary="Lời nhắn thoại / A voicemail was left")
def recorded(form: Form, contact: ContactId) -> Response:
    return _twiml(voice.voicemail_recorded(UnitOfWork(), contact_id=contact,
                                           recording_url=form.get("RecordingUrl", "")[:500], now=utcnow()))


@router.post("/operator", responses=WEBHOOK_ERRORS, summary="Tư vấn viên nhận máy / An operator answers the ring")
def operator(form: Form, contact: ContactId, op: Annotated[int, Query(ge=1, le=2**62)]) -> Response:
    return _twiml(voice.operator_answered(UnitOfWork(), contact_id=contact, operator_id=op,
                                          digit=form.get("Digits", "")[:1], now=utcnow()))


@router.post("/after-bridge", responses=WEBHOOK_ERRORS,
             summary="Tư vấn viên rời cuộc nối / The operator's bridge to the caller ended")
def after_bridge(form: Form, contact: ContactId) -> Response:
    """A transfer under way: the operator joins its conference; otherwise the operator's leg ends."""
    return _twiml(operator_leg_after_bridge(UnitOfWork(), contact_id=contact))


@router.post("/recording", status_code=204, responses=WEBHOOK_ERRORS,
             summary="Bản ghi âm cuộc gọi đã sẵn sàng / A call's recording is ready")
def recording(form: Form, contact: ContactId) -> Response:
    sid = form.get("RecordingSid", "")
    if form.get("RecordingStatus", "completed") == "completed" and sid and len(sid) <= 64 and sid.isalnum():
        recording_ready(UnitOfWork(), contact_id=contact, recording_sid=sid, url=form.get("RecordingUrl", "")[:500],
                        duration=form.get("RecordingDuration", "")[:8], now=utcnow())
    return Response(status_code=204)


@router.post("/status", status_code=204, responses=WEBHOOK_ERRORS, summary="Trạng thái cuộc gọi / Call status callback")
def status(form: Form) -> Response:
    voice.call_status(UnitOfWork(), call_sid=_call_sid(form), status=form.get("CallStatus", ""),
                      duration=form.get("CallDuration", ""), now=utcnow())
    return Response(status_code=204)
