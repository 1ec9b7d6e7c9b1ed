"""Call recordings, where a line enables them (`record_calls` in the lines file).

The IVR says so before anything else; the operator's bridge records both sides; the recording's URL is
kept encrypted; every listen is written down (who, when) before the URL is handed out; after the line's
`recording_retention_days` a daily job deletes it at the provider and forgets the URL.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from core.db import UnitOfWork
from core.errors import NotFound
from workflows.contacts.lines import configured_lines
from workflows.contacts.models import CallRecording, IntakeContact, RecordingListen

log = logging.getLogger(__name__)
BATCH = 500


def records(line_code: str) -> bool:
    line = configured_lines().get(line_code)
    return bool(line and line.record_calls)


def any_line_records() -> bool:
    return any(line.record_calls for line in configured_lines().values())


def recording_ready(
    uow: UnitOfWork, *, contact_id: int, recording_sid: str, url: str, duration: str, now: datetime,
) -> None:
    """Twilio's recording status callback (completed): kept once, whatever the retries."""
    with uow:
        contact = uow.session.get(IntakeContact, contact_id)
        if contact is None or not records(contact.line) or not url:
            uow.commit()
            return
        if uow.session.execute(select(CallRecording.id).where(CallRecording.recording_sid == recording_sid)
                               ).first() is None:
            retention = configured_lines()[contact.line].recording_retention_days
            uow.session.add(CallRecording(
                contact_id=contact.id, recording_sid=recording_sid, url=url, created_at=now,
                duration_seconds=int(duration) if duration.isdecimal() else None,
                delete_after=now + timedelta(days=retention)))
        uow.commit()


def recordings_of(uow: UnitOfWork, contact_id: int) -> list[CallRecording]:
    return list(uow.session.execute(select(CallRecording).where(CallRecording.contact_id == contact_id)
                                    .order_by(CallRecording.id)).scalars())


def listen(uow: UnitOfWork, *, contact_id: int, recording_id: int, username: str, now: datetime) -> str:
    """The recording's URL for this person, once their listen is on the record (committed first)."""
    with uow:
        row = uow.session.get(CallRecording, recording_id)
        if row is None or row.contact_id != contact_id or row.deleted_at is not None or not row.url:
            raise NotFound("Không tìm thấy bản ghi âm", "No such recording", field="recording")
        uow.session.add(RecordingListen(recording_id=row.id, username=username[:64], at=now))
        url = row.url
        uow.commit()
        return url


def delete_expired_recordings(uow: UnitOfWork, now: datetime) -> str:
    """The daily job: each recording past its line's retention is deleted at the provider, then forgotten.
    One the provider could not delete stays for the next day."""
    from workflows.clocks.context import gateways

    delete = getattr(gateways()[1], "delete_recording", None)
    rows = uow.session.execute(select(CallRecording).where(
        CallRecording.deleted_at.is_(None), CallRecording.delete_after <= now).order_by(CallRecording.id)
        .limit(BATCH)).scalars().all()
    deleted = 0
    for row in rows:
        try:
            if delete is not None:
                delete(recording_sid=row.recording_sid)
        except Exception as exc:  # the provider's error: tried again tomorrow
            log.warning("recording %s not deleted at the provider (%s)", row.id, type(exc).__name__)
            continue
        row.url, row.deleted_at = None, now
        deleted += 1
    return f"{deleted} recordings deleted"
