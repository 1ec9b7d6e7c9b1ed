"""SMS and call texts. Vietnamese first, without diacritics (GSM-7, one or two segments).

The words are the catalogs' `sms.*` and `call.*` messages (core/locales, docs/translations.md).

A text names the case reference, the commune, the urgency, what to do and by when, and how to
answer. It never carries a child's or reporter's name, phone, or the description.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from core import i18n
from core.clock import local
from core.crypto import signing_key
from core.settings import get_settings
from notifier import twiml

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


def urgency_word(urgency: str, language: str = "vi") -> str:
    """KHAN CAP, CAO, BINH THUONG (EMERGENCY, HIGH, NORMAL): the catalogs' `sms.urgency_*`."""
    return i18n.texts(language, "sms")[f"urgency_{urgency}"]


def __getattr__(name: str) -> dict[str, str]:
    """URGENCY_VI, URGENCY_EN, URGENCY_SPOKEN: the old tables, read from the catalogs."""
    tables = {"URGENCY_VI": ("vi", "sms"), "URGENCY_EN": ("en", "sms"), "URGENCY_SPOKEN": ("vi", "call")}
    if name in tables:
        lang, prefix = tables[name]
        words = i18n.texts(lang, prefix)
        return {u: words[f"urgency_{u}"] for u in ("emergency", "high", "normal")}
    raise AttributeError(name)


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
    core = i18n.gettext(language, "sms.assign", head=_head(a, language), reference=a.reference,
                        urgency=urgency_word(a.urgency, language), commune=a.commune)
    options = [i18n.gettext(language, key, when=when, n=n, link=link)
               for key in ("sms.assign_full", "sms.assign_short", "sms.assign_shortest")]
    texts = [ascii_fold(f"{core} {option}") for option in options]
    return next((t for t in texts if len(t) <= SMS_LIMIT), texts[-1])


def _head(a: Assignment, language: str) -> str:
    return i18n.gettext(language, "sms.head_escalated") if a.escalated else i18n.gettext(language, "sms.head")


def _assignment_by_reference(a: Assignment, *, language: str) -> str:
    return ascii_fold(i18n.gettext(language, "sms.assign_by_reference", head=_head(a, language),
                                   reference=a.reference, urgency=urgency_word(a.urgency, language),
                                   commune=a.commune, when=_when(a.respond_by)))


def reminder_sms(*, reference: str, clock_label: str, due_at: datetime) -> str:
    return ascii_fold(i18n.gettext("vi", "sms.reminder", reference=reference, clock_label=clock_label,
                                   when=_when(due_at)))


def supervisor_sms(*, reference: str, commune: str, what: str, since: datetime) -> str:
    return ascii_fold(i18n.gettext("vi", "sms.supervisor", reference=reference, commune=commune, what=what,
                                   since=_when(since)))


def informed_sms(*, reference: str, where: str, home: str) -> str:
    """For the commune where the child lives, when it happened elsewhere: to know, not to act."""
    return ascii_fold(i18n.gettext("vi", "sms.informed", reference=reference, where=where, home=home))


def crime_report_sms(*, reference: str, where: str) -> str:
    """To the commune police with the assignment, for a reported crime against a child (NĐ 56 Art. 25(3),
    31(3)a, 31(4)): at once, not only when a ladder climbs. No identity, like every SMS."""
    return ascii_fold(i18n.gettext("vi", "sms.crime_report", reference=reference, where=where))


def escalation_call_twiml(*, reference: str, commune: str, urgency: str | None = None) -> str:
    """The escalation call: the reference, urgency and commune in Vietnamese, then one digit to answer.

    The digit goes to POST /twilio/voice/answer (signed by Twilio, and the URL by us), which
    records 1 = nhận, 2 = từ chối, 3 = không phải địa bàn của xã, and replays on *.
    """
    return twiml.gather_call(announcement=call_announcement(reference=reference, commune=commune, urgency=urgency),
                             action_url=voice_answer_url(reference))


def call_announcement(*, reference: str, commune: str, urgency: str | None = None) -> str:
    spoken = " ".join(reference)  # letter by letter: T E 4 K M 7 X Q 9
    words = i18n.texts("vi", "call")
    if f"urgency_{urgency}" in words:
        return i18n.gettext("vi", "call.announcement_urgency", reference=spoken, commune=commune,
                            urgency=words[f"urgency_{urgency}"])
    return i18n.gettext("vi", "call.announcement", reference=spoken, commune=commune)


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
    return ascii_fold(i18n.gettext("vi", "sms.clock_reminder", reference=reference, commune=commune, what=what,
                                   when=_when(due_at)))


def overdue_sms(*, reference: str, commune: str, what: str, due_at: datetime) -> str:
    """A breached operational clock, to the people who must act on it."""
    return ascii_fold(i18n.gettext("vi", "sms.overdue", reference=reference, commune=commune, what=what,
                                   when=_when(due_at)))


def legal_breach_sms(*, reference: str, commune: str, what: str, due_at: datetime) -> str:
    """A breached legal clock (NĐ 56): chair, police and supervisor together, with the legal deadline."""
    return ascii_fold(i18n.gettext("vi", "sms.legal_breach", reference=reference, commune=commune, what=what,
                                   when=_when(due_at)))


def plan_approval_sms(*, reference: str, commune: str, due_at: datetime, overdue: bool) -> str:
    """To the commune chair: approve the support plan (nothing to accept, no NHAN)."""
    when = _when(due_at)
    if overdue:
        due = i18n.gettext("vi", "sms.plan_overdue", when=when)
    else:
        due = i18n.gettext("vi", "sms.plan_due", when=when)
    return ascii_fold(i18n.gettext("vi", "sms.plan_approval", reference=reference, commune=commune, due=due))


def shift_lead_sms(*, reference: str, what: str, since: datetime) -> str:
    """To the hotline's shift lead: a case the operators must route now."""
    return ascii_fold(i18n.gettext("vi", "sms.shift_lead", reference=reference, what=what, since=_when(since)))


def chain_exhausted_sms(*, reference: str, commune: str) -> str:
    """To the province supervisor, at once, when nobody in the team's chain is left to take the case."""
    return ascii_fold(i18n.gettext("vi", "sms.chain_exhausted", reference=reference, commune=commune))


def signin_code_sms(*, code: str, minutes: int) -> str:
    """A one-time sign-in code for the commune pages; it names no case and no person."""
    return ascii_fold(i18n.gettext("vi", "sms.signin_code", code=code, minutes=minutes))


def plan_sms(*, reference: str, lines: int, starts_on: str | None, ends_on: str | None) -> str:
    """To each person an approved plan names (NĐ 56 Art. 28(5)): their part, by count and dates; the plan's
    text itself (it may name the child or the family) stays on the commune page. No identity."""
    def day(iso: str | None) -> str:
        return f"{iso[8:10]}/{iso[5:7]}" if iso and len(iso) >= 10 else "?"

    return ascii_fold(i18n.gettext("vi", "sms.plan", reference=reference, lines=lines, starts=day(starts_on),
                                   ends=day(ends_on)))
