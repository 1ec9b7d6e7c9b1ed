"""What we answer an officer who answered us: by SMS (one segment, no diacritics), aloud, or on the page.

One table of outcomes (the catalogs' `answer.*` messages), each in Vietnamese (with diacritics: spoken
and shown) and English. The SMS form is the Vietnamese folded to GSM-7 and kept to one segment. No
identity ever appears: only the case reference, the reply code and workflow words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core import i18n
from notifier.templates import SMS_LIMIT, ascii_fold

# The texts are the catalogs' `answer.<kind>` messages; the words put into them are `answer_state.*`
# (a case's state as a short phrase: "Ca TE... da duoc nhan"), `answer_action.*` and `risk.*`.
_TABLES = {"state": "answer_state", "action": "answer_action", "risk": "risk"}


def __getattr__(name: str) -> dict[str, tuple[str, str]]:
    """TEXTS, STATE_TEXTS, ACTION_TEXTS, RISK_TEXTS: the old tables (key -> (vi, en)), read from the catalogs."""
    prefixes = {"TEXTS": "answer", "STATE_TEXTS": "answer_state", "ACTION_TEXTS": "answer_action", "RISK_TEXTS": "risk"}
    if name in prefixes:
        return i18n.pairs(prefixes[name])
    raise AttributeError(name)


def state_phrase(state: str, lang: str = "vi") -> str:
    """A case's state as a short phrase, or the state's own name if it has none."""
    return i18n.texts(lang, "answer_state").get(state, state)


@dataclass(frozen=True)
class Outcome:
    """What happened to an answer; `done` when it changed the case."""

    kind: str
    ref: str = ""
    done: bool = False
    params: dict[str, str] = field(default_factory=dict)

    def text(self, lang: str = "vi") -> str:
        text = i18n.texts(lang, "answer")[self.kind]
        values = {"ref": self.ref, "code": "", "target": "", "state": "", "action": "", "risk": ""}
        for key, value in self.params.items():
            values[key] = _pick(key, value, lang)
        return text.format(**values)

    def sms(self) -> str:
        """One GSM-7 segment: folded Vietnamese, cut at a word if a text ever grew too long."""
        text = ascii_fold("111: " + self.text("vi"))
        if len(text) > SMS_LIMIT:
            text = text[: SMS_LIMIT - 3].rsplit(" ", 1)[0] + "..."
        return text


def _pick(key: str, value: str, lang: str) -> str:
    prefix = _TABLES.get(key)
    return value if prefix is None else i18n.texts(lang, prefix).get(value, value)
