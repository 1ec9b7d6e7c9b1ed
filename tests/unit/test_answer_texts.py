"""The assignment SMS with its reply code and link, our answers to officers, and the call's TwiML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from notifier.answer_texts import TEXTS, Outcome
from notifier.templates import (
    Assignment,
    ascii_fold,
    assignment_sms,
    escalation_call_twiml,
    is_gsm7_basic,
    segments,
)
from routing import gazetteer

DUE = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
TOKEN = "abcdefghij2k9a"  # 10 characters of signature and a 4-character id: 1.6 million links


def _all_communes() -> list[str]:
    communes = gazetteer.load().communes
    return [c.name for c in (communes.values() if isinstance(communes, dict) else communes)]


@pytest.mark.parametrize("base", ["https://111.gov.vn", "https://hotline111.molisa.gov.vn", "http://127.0.0.1:8111"])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_commune_fits_one_segment_with_code_and_link(base: str, language: str) -> None:
    worst = 0
    for name in _all_communes():
        for urgency in ("emergency", "high", "normal"):
            for escalated in (False, True):
                text = assignment_sms(Assignment(reference="TE4KM7XQ9", commune=name, urgency=urgency, respond_by=DUE,
                                                 escalated=escalated, reply_code=99, link=f"{base}/x/{TOKEN}"),
                                      language=language)
                assert is_gsm7_basic(text) and "NHAN 99" in text and f"{base}/x/{TOKEN}" in text
                worst = max(worst, len(text))
    assert worst <= 160, worst  # 3,321 communes, the longest "Phường Văn Miếu - Quốc Tử Giám"


def test_a_short_name_also_gets_the_decline_words() -> None:
    text = assignment_sms(Assignment(reference="TE4KM7XQ9", commune="Xã Cam Lộ", urgency="normal", respond_by=DUE,
                                     reply_code=3, link="https://111.gov.vn/x/" + TOKEN))
    assert text == ("111: Ca TE4KM7XQ9 BINH THUONG tai Xa Cam Lo. Nhan truoc 06:30 24/11. "
                    "Tra loi NHAN 3, TU CHOI 3 <ly do> hoac mo https://111.gov.vn/x/abcdefghij2k9a")
    assert segments(text) == 1


def test_a_very_long_public_url_takes_two_segments_not_more() -> None:
    base = "https://duong-day-nong-bao-ve-tre-em.so-y-te.tinh.example.gov.vn"
    text = assignment_sms(Assignment(reference="TE4KM7XQ9", commune="Phường Văn Miếu - Quốc Tử Giám", urgency="high",
                                     respond_by=DUE, escalated=True, reply_code=42, link=f"{base}/x/{TOKEN}"))
    assert segments(text) == 2 and "NHAN 42" in text and text.isascii()


@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_every_answer_is_one_plain_sms(kind: str) -> None:
    params = {"state": "closure_requested", "action": "done", "risk": "medium", "code": "99 ",
              "target": "TE4KM7XQ9"}
    outcome = Outcome(kind, "TE4KM7XQ9", params=params)
    sms = outcome.sms()
    assert is_gsm7_basic(sms) and len(sms) <= 160 and not sms.endswith("..."), sms
    assert outcome.text("en").isascii()


def test_repeat_and_closed_say_so_in_plain_words() -> None:
    assert Outcome("repeat_acknowledged", "TE4KM7XQ9").sms() == "111: Ban da nhan ca TE4KM7XQ9 roi."
    assert "da dong" in Outcome("closed", "TE4KM7XQ9").sms()


def test_the_call_says_the_case_and_gathers_one_digit() -> None:
    body = escalation_call_twiml(reference="TE4KM7XQ9", commune="Xã Cam Lộ", urgency="emergency")
    root = ET.fromstring(body.split("?>", 1)[-1])
    gathers = root.findall("Gather")
    assert gathers and all(g.get("numDigits") == "1" and g.get("method") == "POST" for g in gathers)
    action = gathers[0].get("action") or ""
    assert "/twilio/voice/answer?case=TE4KM7XQ9&sig=" in action
    say = gathers[0].find("Say")
    assert say is not None and say.get("language") == "vi-VN" and (say.get("voice") or "").startswith("Google.vi-VN")
    text = say.text or ""
    for words in ("T E 4 K M 7 X Q 9", "khẩn cấp", "Xã Cam Lộ", "phím 1", "phím 2", "phím 3", "phím sao"):
        assert words in text
    assert ascii_fold(text).isascii()


def test_the_call_fits_twilio_inline_twiml_limit() -> None:
    longest = max(_all_communes(), key=len)
    body = escalation_call_twiml(reference="TE4KM7XQ9", commune=longest, urgency="emergency")
    assert len(body) < 4000  # Twilio's limit for the Twiml parameter of a call
    spoken = " ".join(say.text or "" for say in ET.fromstring(body.split("?>", 1)[-1]).iter("Say"))
    assert "111" not in spoken and "một một một" in spoken  # one-one-one, not "a hundred and eleven"
