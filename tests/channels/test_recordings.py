"""Recordings (issue 23, item 4), where a line enables them: the IVR says so first, the URL is encrypted,
every listen is audited, and the daily job deletes it after the line's retention."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from core.clock import utcnow
from core.db import UnitOfWork, unit_of_work
from tests.channels.conftest import LINE_111
from tests.channels.test_voice_intake import _contact, _rings
from tests.integration.test_intake_desk import _signed_in
from workflows.contacts.models import CallRecording, RecordingListen
from workflows.contacts.recordings import delete_expired_recordings
from workflows.supervision.daily import daily_jobs

URL = "https://api.twilio.com/2010-04-01/Accounts/ACx/Recordings/RE0123456789abcdef0123456789abcdef"


@pytest.fixture
def recording_line(lines_file: Path) -> Path:
    from workflows.contacts.lines import reset_lines

    extra = "record_calls = true\nrecording_retention_days = 7\n"
    body = lines_file.read_text(encoding="utf-8").replace("voicemail_after_seconds = 60\n",
                                                          "voicemail_after_seconds = 60\n" + extra, 1)
    lines_file.write_text(body, encoding="utf-8")
    reset_lines()
    return lines_file


class _Provider:
    def __init__(self) -> None:
        self.deleted: list[str] = []

    def delete_recording(self, *, recording_sid: str) -> None:
        self.deleted.append(recording_sid)


def test_a_recorded_line_says_so_first_records_the_bridge_and_audits_every_listen(
        client, public, operators, recording_line, signed_post):
    call = public.dial(from_="+84911111111", to=LINE_111, keys="2")
    assert call.heard[0].startswith("Cuộc gọi này được ghi âm")
    leg = public.answer(_rings()[0].body, to=_rings()[0].to_phone, keys="1")
    dial = ET.fromstring(leg.documents[-1]).find("Dial")
    assert dial is not None and dial.get("record") == "record-from-answer-dual"
    callback = dial.get("recordingStatusCallback", "")
    public.bridged(call)
    form = {"CallSid": call.sid, "AccountSid": "ACx", "RecordingSid": "RE" + "0123456789abcdef" * 2,
            "RecordingUrl": URL, "RecordingStatus": "completed", "RecordingDuration": "95"}
    signed_post(callback, form)
    signed_post(callback, form)  # Twilio retried
    with unit_of_work() as uow:
        (row,) = uow.session.execute(select(CallRecording)).scalars()
        raw = uow.session.execute(text("SELECT url FROM call_recordings")).scalar_one()
    assert row.url == URL and "twilio" not in raw and row.duration_seconds == 95
    assert row.delete_after - row.created_at == timedelta(days=7)

    _signed_in(client)
    ref = _contact(call.sid).reference
    page = client.get(f"/lien-he/{ref}")
    assert f"/lien-he/{ref}/ghi-am/{row.id}" in page.text and URL not in page.text
    heard = client.get(f"/lien-he/{ref}/ghi-am/{row.id}", follow_redirects=False)
    assert heard.status_code == 303 and heard.headers["location"] == URL
    assert client.get(f"/lien-he/{ref}/ghi-am/{row.id + 99}", follow_redirects=False).status_code == 404
    with unit_of_work() as uow:
        (listened,) = uow.session.execute(select(RecordingListen)).scalars()
    assert listened.username == "lan" and listened.recording_id == row.id

    assert "recordings_retention" in daily_jobs()
    provider = _Provider()
    from workflows.clocks.context import gateways, reset_gateways, use_gateways

    use_gateways(gateways()[0], provider)  # type: ignore[arg-type]
    try:
        with UnitOfWork() as uow:
            assert delete_expired_recordings(uow, utcnow() + timedelta(days=6)) == "0 recordings deleted"
            assert delete_expired_recordings(uow, utcnow() + timedelta(days=7, minutes=1)) == "1 recordings deleted"
            uow.commit()
    finally:
        reset_gateways()
    assert provider.deleted == [form["RecordingSid"]]
    with unit_of_work() as uow:
        gone = uow.session.get(CallRecording, row.id)
    assert gone is not None and gone.url is None and gone.deleted_at is not None
    assert client.get(f"/lien-he/{ref}/ghi-am/{row.id}", follow_redirects=False).status_code == 404


def test_a_line_that_does_not_record_keeps_nothing(public, operators, signed_post):
    call = public.dial(from_="+84911111111", to=LINE_111, keys="2")
    assert not call.heard[0].startswith("Cuộc gọi này được ghi âm")
    leg = public.answer(_rings()[0].body, to=_rings()[0].to_phone, keys="1")
    dial = ET.fromstring(leg.documents[-1]).find("Dial")
    assert dial is not None and dial.get("record") is None
    assert "recordings_retention" not in daily_jobs()
