"""The public on the line: signed Twilio webhooks into the in-process app, followed like Twilio would."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from devtools.public_caller import PublicCaller
from notifier.twilio_adapter import sign
from tests.integration.conftest import client, roster  # noqa: F401 (the in-process app on the test database)

LINE_111 = "+84111000111"
PROVINCE_LINE = "+842573890000"  # the social-work centre's line of the seeds (0257.3890.000)


@pytest.fixture
def lines_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from core.settings import reset_settings
    from workflows.contacts.lines import reset_lines

    path = tmp_path / "lines.toml"
    path.write_text(f"""
[lines.111]
name = "Tổng đài 111"
number = "{LINE_111}"
greeting = "Tổng đài quốc gia bảo vệ trẻ em 111 xin chào."
voicemail_after_seconds = 60

[lines.dl-ctxh]
name = "Trung tâm Công tác xã hội tỉnh Đắk Lắk"
number = "{PROVINCE_LINE}"
province = "66"
greeting = "Trung tâm công tác xã hội tỉnh Đắk Lắk xin chào."
opens = "07:30"
closes = "17:00"
weekdays_only = true
closed_on_holidays = true
""", encoding="utf-8")
    monkeypatch.setenv("HOTLINE_LINES_FILE", str(path))
    monkeypatch.setenv("HOTLINE_TWILIO_FROM", LINE_111)
    monkeypatch.setenv("HOTLINE_SHIFT_LEAD_PHONES", "+84900000111")
    reset_settings()
    reset_lines()
    yield path
    monkeypatch.undo()
    reset_settings()
    reset_lines()


@pytest.fixture
def signed_post(client: TestClient, lines_file: Path):  # noqa: F811 (the imported fixture)
    """Post a form to the app the way Twilio does: signed for the URL it was told (the public base URL)."""

    def post(url: str, form: dict[str, str]) -> str:
        parts = urllib.parse.urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = client.post(path, data=form, headers={"X-Twilio-Signature": sign(url, form)})
        assert response.status_code in (200, 204), (response.status_code, response.text)
        return response.text

    return post


@pytest.fixture
def public(signed_post) -> PublicCaller:
    from core.settings import get_settings

    return PublicCaller(signed_post, base_url=get_settings().public_base_url)


@pytest.fixture
def operators(db: str, lines_file: Path) -> list[int]:
    from core.db import unit_of_work
    from workflows.contacts.models import DutyOperator

    with unit_of_work() as uow:
        rows = [DutyOperator(line="111", name="Tư vấn viên Lan", address="+84900000001", on_duty=True, ring_order=1),
                DutyOperator(line="111", name="Tư vấn viên Minh", address="sip:minh@pbx.local", on_duty=True,
                             ring_order=2),
                DutyOperator(line="111", name="Tư vấn viên Nghỉ", address="+84900000003", on_duty=False,
                             ring_order=3)]
        uow.session.add_all(rows)
        uow.commit()
        return [r.id for r in rows]
