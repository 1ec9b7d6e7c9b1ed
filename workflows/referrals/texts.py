"""Every SMS a referral sends, in one place (Vietnamese first, English second; no diacritics, no identity).

A text names the referral's reference, the service, the commune, the urgency and the deadline, and how
to answer: nothing about the child or the reporter.
"""

from __future__ import annotations

from datetime import datetime

from core.clock import local
from notifier.templates import URGENCY_VI, ascii_fold

BRAND = "111"

TEXTS: dict[str, tuple[str, str]] = {
    "request": (
        "{brand}: De nghi dich vu {service} cho tre em tai {commune}, muc {urgency}, ma {ref}. Tra loi truoc {when}:"
        " NHAN {ref} / TU CHOI {ref} <ly do> / XONG {ref} <ket qua>. Xem: {link}",
        "{brand}: Referral {ref} for {service} in {commune}, {urgency}. Answer by {when}: NHAN {ref} /"
        " TU CHOI {ref} <reason> / XONG {ref} <outcome>. See: {link}",
    ),
    "overdue": (
        "{brand} NHAC: de nghi {ref} ({service}, {commune}) {late} tu {when}. Tra loi NHAN {ref} hoac xem {link}",
        "{brand} OVERDUE: referral {ref} ({service}, {commune}) {late} since {when}. Reply NHAN {ref} or see {link}",
    ),
    "escalated": (
        "{brand} CHUYEN CAP: de nghi {ref} ({service}) cua ca {case} tai {commune} {late} tu {when}."
        " Can don doc {agency}.",
        "{brand} ESCALATED: referral {ref} ({service}) for case {case} in {commune} {late} since {when}."
        " Follow up {agency}.",
    ),
    "declined": (
        "{brand}: {agency} tu choi de nghi {ref} ({service}) cua ca {case}. Hay chon co so khac.",
        "{brand}: {agency} declined referral {ref} ({service}) for case {case}. Choose another agency.",
    ),
    "sign_in_code": (
        "{brand}: ma dang nhap de nghi {ref}: {code} (het han sau 10 phut).",
        "{brand}: sign-in code for referral {ref}: {code} (valid 10 minutes).",
    ),
    "late_respond": ("chua tra loi", "not answered"),
    "late_complete": ("chua xong", "not done"),
    "line": ("Tong dai 111", "the 111 line"),
    "commune_task": ("can bo xa", "the commune officer"),
}

ANSWERS: dict[str, tuple[str, str]] = {
    "accepted": ("Da ghi nhan: {ref} da NHAN.", "Recorded: {ref} accepted."),
    "declined": ("Da ghi nhan: {ref} TU CHOI.", "Recorded: {ref} declined."),
    "done": ("Da ghi nhan: {ref} XONG. Cam on.", "Recorded: {ref} done. Thank you."),
    "need_reason": ("Xin ghi ly do: TU CHOI {ref} <ly do>", "Give a reason: TU CHOI {ref} <reason>"),
    "need_outcome": ("Xin ghi ket qua: XONG {ref} <ket qua>", "Give the outcome: XONG {ref} <outcome>"),
    "repeat": ("{ref} da duoc ghi nhan truoc do.", "{ref} was already recorded."),
    "not_now": ("{ref} khong the {action} luc nay.", "{ref} cannot be changed that way now."),
    "not_yours": ("Khong tim thay de nghi {ref} cho so nay.", "No referral {ref} for this phone."),
}


def when(moment: datetime) -> str:
    return local(moment).strftime("%H:%M %d/%m")


def sms(key: str, language: str = "vi", **params: object) -> str:
    vi, en = TEXTS[key]
    values = {k: ascii_fold(str(v)) for k, v in params.items()}
    if "urgency" in values:
        values["urgency"] = URGENCY_VI.get(str(params["urgency"]), values["urgency"])
    return (en if language == "en" else vi).format(brand=BRAND, **values)


def answer(kind: str, *, ref: str, language: str = "vi", **params: object) -> str:
    vi, en = ANSWERS[kind]
    return (en if language == "en" else vi).format(ref=ref, **{k: ascii_fold(str(v)) for k, v in params.items()})
