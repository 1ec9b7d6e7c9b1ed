"""What each rung of a ladder says: it matches the clock and the person, quotes the real deadline, fits
one GSM-7 segment for every commune name in the demo roster and never carries an identity."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.templates import (
    chain_exhausted_sms,
    clock_reminder_sms,
    legal_breach_sms,
    overdue_sms,
    plan_approval_sms,
    segments,
    shift_lead_sms,
)
from workflows.case.models import Case
from workflows.escalation.breaches import reminder_text
from workflows.escalation.ladders import ladder_text

DEADLINE = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 21:00 24/11 in Vietnam
COMMUNES = ["Xã Cam Lộ", "Xã Tây Hòa", "Phường Lương Văn Tri", "Phường Hồng Bàng", "Đặc khu Trường Sa Lớn"]
ROLES = ["chain", "assignee", "officer", "chair", "police", "supervisor", "shift_lead"]
CLOCKS = ["acknowledge", "assessment", "routing", "emergency_protection", "separation_review", "plan_draft",
          "plan_approval"]


def case(commune: str = "Xã Cam Lộ") -> Case:
    return Case(reference="TE4KM7XQ9", commune_name=commune, urgency="emergency", state="assigned",
                child_name="Nguyễn Văn An", reporter_name="Trần Thị Bé", description="bị nhốt trong kho",
                received_at=datetime(2026, 11, 24, 2, 0, tzinfo=UTC))


@pytest.mark.parametrize("commune", COMMUNES)
@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("role", ROLES)
def test_every_rung_fits_one_segment_and_quotes_the_deadline(commune: str, clock: str, role: str) -> None:
    texts = (ladder_text(case(commune), clock, role, DEADLINE), reminder_text(case(commune), clock, role, DEADLINE))
    for text in texts:
        assert text.isascii() and segments(text) == 1 and len(text) <= 160, (len(text), text)
        assert text.startswith("111") and "TE4KM7XQ9" in text
        assert "Nguyen" not in text and "Tran" not in text and "nhot" not in text and "trong kho" not in text
    assert "21:00 24/11" in ladder_text(case(commune), clock, role, DEADLINE)


def test_plan_approval_asks_the_chair_to_approve_not_to_accept() -> None:
    text = ladder_text(case(), "plan_approval", "chair", DEADLINE)
    assert "phe duyet" in text and "NHAN" not in text and "qua han 21:00 24/11" in text
    reminder = reminder_text(case(), "plan_approval", "chair", DEADLINE)
    assert "phe duyet" in reminder and "han 21:00 24/11" in reminder and "qua han" not in reminder


@pytest.mark.parametrize("clock", ["emergency_protection", "separation_review"])
@pytest.mark.parametrize("role", ["chair", "police", "supervisor"])
def test_a_legal_breach_says_what_is_overdue_and_since_when(clock: str, role: str) -> None:
    text = ladder_text(case(), clock, role, DEADLINE)
    assert text.startswith("111 KHAN") and "ND56" in text and "tu 21:00 24/11" in text and "NHAN" not in text
    twelve_hours = clock == "emergency_protection"
    assert ("12h" in text) == twelve_hours and ("ngay 15" in text) == (not twelve_hours)


def test_texts_of_templates_are_plain_and_short() -> None:
    long = "Phường Thuận An Thành Phố Ngoài"
    for text in (
        clock_reminder_sms(reference="TE4KM7XQ9", commune=long, what="xác nhận nhận ca", due_at=DEADLINE),
        overdue_sms(reference="TE4KM7XQ9", commune=long, what="bao cao danh gia ban dau", due_at=DEADLINE),
        legal_breach_sms(reference="TE4KM7XQ9", commune=long, what="can thiep khan cap 12h", due_at=DEADLINE),
        plan_approval_sms(reference="TE4KM7XQ9", commune=long, due_at=DEADLINE, overdue=True),
        shift_lead_sms(reference="TE4KM7XQ9", what=f"{long} bao khong dung dia ban", since=DEADLINE),
        chain_exhausted_sms(reference="TE4KM7XQ9", commune=long),
    ):
        assert text.isascii() and segments(text) == 1, (len(text), text)
