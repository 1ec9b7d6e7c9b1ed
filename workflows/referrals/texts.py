"""Every SMS a referral sends: the `referral_sms.*` and `referral_answer.*` catalog messages (ASCII, no identity).

A text names the referral's reference, the service, the commune, the urgency and the deadline, and how
to answer: nothing about the child or the reporter.
"""

from __future__ import annotations

from datetime import datetime

from core import i18n
from core.clock import local
from notifier.templates import URGENCY_VI, ascii_fold

BRAND = "111"

def __getattr__(name: str) -> dict[str, tuple[str, str]]:
    """TEXTS and ANSWERS as (Vietnamese, English) pairs, read from the catalogs (referral_sms.*, referral_answer.*)."""
    prefixes = {"TEXTS": "referral_sms", "ANSWERS": "referral_answer"}
    if name not in prefixes:
        raise AttributeError(name)
    return i18n.pairs(prefixes[name])

def when(moment: datetime) -> str:
    return local(moment).strftime("%H:%M %d/%m")


def sms(key: str, language: str = "vi", **params: object) -> str:
    vi, en = i18n.pairs("referral_sms")[key]
    values = {k: ascii_fold(str(v)) for k, v in params.items()}
    if "urgency" in values:
        values["urgency"] = URGENCY_VI.get(str(params["urgency"]), values["urgency"])
    return (en if language == "en" else vi).format(brand=BRAND, **values)


def answer(kind: str, *, ref: str, language: str = "vi", **params: object) -> str:
    vi, en = i18n.pairs("referral_answer")[kind]
    return (en if language == "en" else vi).format(ref=ref, **{k: ascii_fold(str(v)) for k, v in params.items()})
