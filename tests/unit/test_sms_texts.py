"""SMS texts: Vietnamese without diacritics, at most two segments, never an identity."""

from datetime import UTC, datetime

import pytest

from notifier.templates import Assignment, ascii_fold, assignment_sms, reminder_sms, segments, supervisor_sms


@pytest.mark.parametrize("urgency", ["emergency", "high", "normal"])
@pytest.mark.parametrize("escalated", [False, True])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_assignment_fits_two_segments_and_is_plain_ascii(urgency: str, escalated: bool, language: str) -> None:
    text = assignment_sms(Assignment(reference="HLAMR46TN", commune="Phường Thuận An Thành Phố Ngoài Cùng",
                                     urgency=urgency, respond_by=datetime(2026, 2, 16, 3, 0, tzinfo=UTC),
                                     escalated=escalated), language=language)
    assert text.isascii() and segments(text) <= 2
    assert "HLAMR46TN" in text and "NHAN HLAMR46TN" in text


def test_deadline_is_shown_in_vietnam_time() -> None:
    text = assignment_sms(Assignment(reference="HL1", commune="Xã Cam Lộ", urgency="normal",
                                     respond_by=datetime(2026, 11, 23, 23, 30, tzinfo=UTC)))
    assert "06:30 24/11" in text and "Xa Cam Lo" in text


def test_other_texts_are_plain_too() -> None:
    due = datetime(2026, 1, 1, tzinfo=UTC)
    assert reminder_sms(reference="HL1", clock_label="xác nhận", due_at=due).isascii()
    assert supervisor_sms(reference="HL1", commune="Xã Tây Hòa", what="quá hạn", since=due).isascii()
    assert ascii_fold("Đắk Lắk, Thừa Thiên Huế") == "Dak Lak, Thua Thien Hue"
