"""SMS and call texts. Vietnamese first, without diacritics (GSM-7, one or two segments).

A text names the case reference, the commune, the urgency, what to do and by when, and how to
answer. It never carries a child's or reporter's name, phone, or the description.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from core.clock import local

URGENCY_VI = {"emergency": "KHAN CAP", "high": "CAO", "normal": "BINH THUONG"}
URGENCY_EN = {"emergency": "EMERGENCY", "high": "HIGH", "normal": "NORMAL"}
GSM_SEGMENT = 153  # characters per part of a concatenated GSM-7 SMS


@dataclass(frozen=True)
class Assignment:
    reference: str
    commune: str
    urgency: str
    respond_by: datetime
    escalated: bool = False


def ascii_fold(text: str) -> str:
    """Vietnamese without diacritics, so every basic phone shows it and it stays GSM-7."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _when(moment: datetime) -> str:
    return local(moment).strftime("%H:%M %d/%m")


def assignment_sms(a: Assignment, *, language: str = "vi") -> str:
    if language == "en":
        head = "111 ESCALATED: " if a.escalated else "111: "
        text = (
            f"{head}case {a.reference}, {URGENCY_EN[a.urgency]}, {a.commune}. "
            f"Confirm by {_when(a.respond_by)}. Reply NHAN {a.reference} to accept "
            f"or TUCHOI {a.reference} <reason>."
        )
    else:
        head = "111 CHUYEN TIEP: " if a.escalated else "111: "
        text = (
            f"{head}Ca {a.reference} muc {URGENCY_VI[a.urgency]} tai {a.commune}. "
            f"Xac nhan truoc {_when(a.respond_by)}. Tra loi NHAN {a.reference} de nhan "
            f"hoac TUCHOI {a.reference} <ly do>."
        )
    return ascii_fold(text)


def reminder_sms(*, reference: str, clock_label: str, due_at: datetime) -> str:
    return ascii_fold(f"111 NHAC: Ca {reference}: {clock_label} truoc {_when(due_at)}.")


def supervisor_sms(*, reference: str, commune: str, what: str, since: datetime) -> str:
    return ascii_fold(
        f"111 GIAM SAT: Ca {reference} tai {commune}: {what} (tu {_when(since)}). "
        f"Can dieu phoi ngay."
    )


def informed_sms(*, reference: str, where: str, home: str) -> str:
    """For the commune where the child lives, when it happened elsewhere: to know, not to act."""
    return ascii_fold(
        f"111 THONG BAO: Ca {reference} xay ra tai {where}, tre cu tru tai {home}. "
        f"Xa noi xay ra xu ly; xa ban phoi hop khi duoc de nghi. Khong can tra loi."
    )


def call_twiml(*, reference: str, commune: str) -> str:
    spoken = " ".join(reference)
    say = (
        f"Tổng đài 111 thông báo. Có ca cần xử lý khẩn tại {commune}. Mã ca {spoken}. "
        "Vui lòng xem tin nhắn và trả lời ngay."
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Say language="vi-VN" voice="Google.vi-VN-Standard-A">{say}</Say></Response>'
    )


def segments(text: str) -> int:
    return 1 if len(text) <= 160 else -(-len(text) // GSM_SEGMENT)


# Escalation ladders: what each rung says depends on the clock and on who is told. One GSM-7 segment
# where the commune's name allows; the deadline shown is always the clock's real one.


def clock_reminder_sms(*, reference: str, commune: str, what: str, due_at: datetime) -> str:
    """Before a deadline, to whoever the clock is waiting for."""
    return ascii_fold(f"111 NHAC: Ca {reference} tai {commune}: {what} truoc {_when(due_at)}.")


def overdue_sms(*, reference: str, commune: str, what: str, due_at: datetime) -> str:
    """A breached operational clock, to the people who must act on it."""
    return ascii_fold(f"111 QUA HAN: Ca {reference} tai {commune}: {what}, han {_when(due_at)}. "
                      f"Vui long xu ly ngay.")


def legal_breach_sms(*, reference: str, commune: str, what: str, due_at: datetime) -> str:
    """A breached legal clock (NĐ 56): chair, police and supervisor together, with the legal deadline."""
    return ascii_fold(f"111 KHAN: Ca {reference} tai {commune}: qua han {what} tu {_when(due_at)} "
                      f"(ND56). Chu tich, cong an, giam sat phoi hop ngay.")


def plan_approval_sms(*, reference: str, commune: str, due_at: datetime, overdue: bool) -> str:
    """To the commune chair: approve the support plan (nothing to accept, no NHAN)."""
    when = f"da qua han {_when(due_at)}" if overdue else f"han {_when(due_at)}"
    return ascii_fold(f"111: Ca {reference} tai {commune}: ke hoach ho tro cho Chu tich UBND phe duyet, "
                      f"{when}. De nghi phe duyet ngay.")


def shift_lead_sms(*, reference: str, what: str, since: datetime) -> str:
    """To the hotline's shift lead: a case the operators must route now."""
    return ascii_fold(f"111 TRUONG CA: Ca {reference}: {what} (tu {_when(since)}). Can chon xa ngay.")


def chain_exhausted_sms(*, reference: str, commune: str) -> str:
    """To the province supervisor, at once, when nobody in the team's chain is left to take the case."""
    return ascii_fold(f"111 GIAM SAT: Ca {reference} tai {commune}: khong con ai trong nhom xa nhan ca. "
                      f"Can dieu phoi ngay.")
