"""Smoke: a report reaches the commune's phones; the officer answers by SMS code, by link, by keypress.

Live app on a real port, a real `hotline worker` (RQ worker, scheduler and sweeper), real PostgreSQL
and Redis, the Twilio stand-in; the production SLA policy with its deadlines fast-forwarded.
"""

from __future__ import annotations

import httpx
import pytest

from notifier.templates import is_gsm7_basic
from tests.smoke.harness import FastForward, Phone, case_state

OFFICER, CHAIR, POLICE, COLLABORATOR = "+84912345678", "+84913456789", "+84914567890", "+84915678901"
SUPERVISOR = "+842333852111"  # Sở Y tế Quảng Trị (deploy/demo/roster.csv)
CHILD, REPORTER = "Nguyễn Văn An", "Trần Thị Bé"
SECRETS = (CHILD, "Nguyen Van An", REPORTER, "Tran Thi Be", "0987", "987654321", "bam", "Tan Xuan")


@pytest.fixture
def phones(live: dict) -> dict[str, Phone]:
    return {n: Phone(live["standin"], n, live["base"]) for n in (OFFICER, CHAIR, POLICE, COLLABORATOR)}


def _report(base: str) -> str:
    response = httpx.post(f"{base}/api/v1/reports", json={
        "description": "Hàng xóm thấy cháu bị đánh, trên người có vết bầm.",
        "location": "thôn Tân Xuân, xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị",
        "child_name": CHILD, "child_age": 9, "reporter_name": REPORTER, "reporter_phone": "0987 654 321",
        "consent_to_contact": True,
    }, timeout=10)
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def _nothing_identifying(live: dict) -> None:
    for sent in live["standin"].sent:
        assert all(secret not in sent.body for secret in SECRETS), sent.body
        if sent.kind == "sms":
            assert is_gsm7_basic(sent.body) and len(sent.body) <= 160, sent.body


@pytest.mark.parametrize("answer", ["NHAN 1", "nhận 1", " Nhan   1  ", "NHAN"])
def test_accept_by_sms_reply_code(live: dict, phones: dict[str, Phone], answer: str) -> None:
    reference = _report(live["base"])
    officer = phones[OFFICER]
    sms = officer.expect_sms(contains=reference)
    assert "NHAN 1" in sms.body
    assert officer.reply(answer) == f"111: Da ghi nhan: ban nhan ca {reference}. Cam on."
    assert case_state(reference) == ("acknowledged", "sms")
    assert officer.reply(answer) == f"111: Ban da nhan ca {reference} roi."  # a repeat, new MessageSid
    _nothing_identifying(live)


def test_accept_by_link(live: dict, phones: dict[str, Phone]) -> None:
    reference = _report(live["base"])
    officer = phones[OFFICER]
    officer.expect_sms(contains=reference)
    page = officer.browser.get(officer.link())
    assert reference in page.text and all(secret not in page.text for secret in (CHILD, REPORTER))
    done = officer.tap("accept")
    assert done.status_code == 200 and "bạn nhận ca" in done.text
    assert case_state(reference) == ("acknowledged", "link")
    again = officer.browser.post(officer.link(), data={"action": "accept", "csrf": "x"})
    assert again.status_code == 403  # a forged or stale form changes nothing
    _nothing_identifying(live)


def test_decline_by_sms_then_the_next_contact_accepts_by_code(live: dict, phones: dict[str, Phone]) -> None:
    reference = _report(live["base"])
    phones[OFFICER].expect_sms(contains=reference)
    assert "ly do" in phones[OFFICER].reply("tu choi")
    assert "nguoi tiep theo" in phones[OFFICER].reply("từ chối 1 đang đi tập huấn")
    # Next in the chain: the collaborator of the village where it happened (thôn Tân Xuân).
    collaborator = phones[COLLABORATOR]
    assert "NHAN 1" in collaborator.expect_sms(contains=reference).body
    assert "Da ghi nhan roi" in phones[OFFICER].reply("TU CHOI 1 om")  # a repeat skips nobody else
    assert "Da ghi nhan" in collaborator.reply("nhan 1 ")
    assert case_state(reference) == ("acknowledged", "sms")
    phones[CHAIR].expect_no_sms(contains=reference)
    _nothing_identifying(live)


def test_accept_by_keypress_after_the_ladder_calls(live: dict, phones: dict[str, Phone]) -> None:
    reference = _report(live["base"])
    officer = phones[OFFICER]
    officer.expect_sms(contains=reference)
    standin = live["standin"]
    FastForward().until(reference, lambda: [c for c in standin.calls() if c.to == OFFICER])
    call = officer.expect_call()
    assert "T E" in officer.press("*")  # hear it again
    # The demo's page of calls (`./dev up`) presses keys the same way.
    assert call.sid in httpx.get(f"{standin.url}/_calls", timeout=5).text
    assert "T E" in httpx.post(f"{standin.url}/_press", data={"sid": call.sid, "digits": "*"}, timeout=10).text
    assert "bạn nhận ca" in officer.press("1")
    assert case_state(reference) == ("acknowledged", "voice")
    assert "bạn nhận ca" in officer.press("1")  # Twilio retried the same CallSid and digit
    _nothing_identifying(live)


def test_a_voicemail_does_not_answer(live: dict, phones: dict[str, Phone]) -> None:
    reference = _report(live["base"])
    officer = phones[OFFICER]
    officer.expect_sms(contains=reference)
    standin = live["standin"]
    FastForward().until(reference, lambda: [c for c in standin.calls() if c.to == OFFICER])
    officer.expect_call()
    officer.press("1", answered_by="machine_start")
    assert case_state(reference)[0] == "assigned"
    # Nobody answered: at the next deadline the ladder goes on to the province supervisor.
    supervisor = Phone(standin, SUPERVISOR, live["base"])
    FastForward().until(reference, lambda: supervisor._new("sms"))
    assert "GIAM SAT" in supervisor.expect_sms(contains=reference).body

