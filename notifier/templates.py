"""SMS and call texts. Vietnamese first, without diacritics (GSM-7, one or two segments).

A text names the case reference, the commune, the urgency, what to do and by when, and how to
answer. It never carries a child's or reporter's name, phone, or the description.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from core.clock import local
from core.crypto import signing_key
from core.settings import get_settings
from notifier import twiml

URGENCY_VI = {"emergency": "KHAN CAP", "high": "CAO", "normal": "BINH THUONG"}
URGENCY_EN = {"emergency": "EMERGENCY", "high": "HIGH", "normal": "NORMAL"}
GSM_SEGMENT = 153  # characters per part of a concatenated GSM-7 SMS
SMS_LIMIT = 160  # one GSM-7 segment


@dataclass(frozen=True)
class Assignment:
    reference: str
    commune: str
    urgency: str
    respond_by: datetime
    escalated: bool = False
    reply_code: int | None = None  # "Tra loi NHAN 3": the number stands for this case on this phone
    link: str | None = None  # the signed one-tap link


def ascii_fold(text: str) -> str:
    """Vietnamese without diacritics, so every basic phone shows it and it stays GSM-7."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _when(moment: datetime) -> str:
    return local(moment).strftime("%H:%M %d/%m")


def assignment_sms(a: Assignment, *, language: str = "vi") -> str:
    """One GSM-7 segment where it fits: the case, by when, and the two quickest ways to answer.

    With a reply code and a link: "Tra loi NHAN 3" (the code stands for the case on this phone) or
    a tap on the link; the decline words are left out first when the commune's name is long.
    """
    if a.reply_code is None:
        return _assignment_by_reference(a, language=language)
    n, link, when = a.reply_code, f" {a.link}" if a.link else "", _when(a.respond_by)
    if language == "en":
        head = "111 ESCALATED: " if a.escalated else "111: "
        core = f"{head}case {a.reference} {URGENCY_EN[a.urgency]} in {a.commune}."
        options = [f" Confirm by {when}. Reply NHAN {n}, TU CHOI {n} <reason>, or tap{link}",
                   f" Confirm by {when}. Reply NHAN {n} or tap{link}", f" By {when}. NHAN {n} or{link}"]
    else:
        head = "111 CHUYEN TIEP: " if a.escalated else "111: "
        core = f"{head}Ca {a.reference} {URGENCY_VI[a.urgency]} tai {a.commune}."
        options = [f" Nhan truoc {when}. Tra loi NHAN {n}, TU CHOI {n} <ly do> hoac mo{link}",
                   f" Nhan truoc {when}. Tra loi NHAN {n} hoac mo{link}", f" Han {when}. NHAN {n} hoac{link}"]
    texts = [ascii_fold(core + option) for option in options]
    return next((t for t in texts if len(t) <= SMS_LIMIT), texts[-1])


def _assignment_by_reference(a: Assignment, *, language: str) -> str:
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


def crime_report_sms(*, reference: str, where: str) -> str:
    """To the commune police with the assignment, for a reported crime against a child (NĐ 56 Art. 25(3),
    31(3)a, 31(4)): at once, not only when a ladder climbs. No identity, like every SMS."""
    return ascii_fold(
        f"111 TIN BAO TOI PHAM: Ca {reference} tai {where} co dau hieu toi pham xam hai tre em. "
        f"Cong an xa tiep nhan, ngan chan va phoi hop voi can bo bao ve tre em ngay."
    )


URGENCY_SPOKEN = {"emergency": "khẩn cấp", "high": "cao", "normal": "bình thường"}


def escalation_call_twiml(*, reference: str, commune: str, urgency: str | None = None) -> str:
    """The escalation call: the reference, urgency and commune in Vietnamese, then one digit to answer.

    The digit goes to POST /twilio/voice/answer (signed by Twilio, and the URL by us), which
    records 1 = nhận, 2 = từ chối, 3 = không phải địa bàn của xã, and replays on *.
    """
    return twiml.gather_call(announcement=call_announcement(reference=reference, commune=commune, urgency=urgency),
                             action_url=voice_answer_url(reference))


def call_announcement(*, reference: str, commune: str, urgency: str | None = None) -> str:
    spoken = " ".join(reference)  # letter by letter: T E 4 K M 7 X Q 9
    level = f" mức {URGENCY_SPOKEN[urgency]}," if urgency in URGENCY_SPOKEN else ""
    return f"Tổng đài một một một thông báo. Có ca cần xử lý, mã ca {spoken},{level} tại {commune}."


def voice_answer_url(reference: str) -> str:
    return f"{get_settings().public_base_url}/twilio/voice/answer?case={reference}&sig={voice_answer_sig(reference)}"


def voice_answer_sig(reference: str) -> str:
    """Our own signature of the action URL's case, on top of Twilio's signature of the request."""
    return hmac.new(signing_key(), b"voice-answer:" + reference.encode(), hashlib.sha256).hexdigest()[:16]


# GSM 03.38 basic character set: one septet each (| [ ] { } ~ ^ \\ € need two, anything else means UCS-2).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)


def is_gsm7_basic(text: str) -> bool:
    """True when every character costs one septet: the text's length is its size in an SMS."""
    return all(c in GSM7_BASIC for c in text)


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


def signin_code_sms(*, code: str, minutes: int) -> str:
    """A one-time sign-in code for the commune pages; it names no case and no person."""
    return ascii_fold(f"111: Ma dang nhap cua ban la {code}, dung trong {minutes} phut. "
                      f"Khong dua ma nay cho ai.")


def plan_sms(*, reference: str, lines: int, starts_on: str | None, ends_on: str | None) -> str:
    """To each person an approved plan names (NĐ 56 Art. 28(5)): their part, by count and dates; the plan's
    text itself (it may name the child or the family) stays on the commune page. No identity."""
    def day(iso: str | None) -> str:
        return f"{iso[8:10]}/{iso[5:7]}" if iso and len(iso) >= 10 else "?"

    return ascii_fold(
        f"111 KE HOACH: Ca {reference} da duoc duyet ke hoach ho tro. Ban phu trach {lines} viec, "
        f"tu {day(starts_on)} den {day(ends_on)}. Chi tiet: trang xa hoac can bo BVTE xa."
    )
