"""TwiML, built with the SDK's own classes (never by string): the escalation call and the SMS answer.

The words are Vietnamese with diacritics (the Google vi-VN voice reads them); the choice is by
keypress only (no speech recognition): 1 accept, 2 decline, 3 not our commune, * hear it again.
"""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from core import i18n

LANGUAGE = "vi-VN"
VOICE = "Google.vi-VN-Standard-A"


def __getattr__(name: str) -> str:
    """KEYS_PROMPT and NO_KEY: the catalogs' `call.keys` and `call.no_key`, in Vietnamese."""
    keys = {"KEYS_PROMPT": "call.keys", "NO_KEY": "call.no_key"}
    if name in keys:
        return i18n.gettext("vi", keys[name])
    raise AttributeError(name)


def gather_call(*, announcement: str, action_url: str) -> str:
    """Say the case and ask for one digit, twice; then say where else to answer and hang up."""
    response = VoiceResponse()
    keys = i18n.gettext("vi", "call.keys")
    for _ in range(2):
        gather = response.gather(num_digits=1, action=action_url, method="POST", timeout=8, finish_on_key="")
        gather.say(f"{announcement} {keys}", language=LANGUAGE, voice=VOICE)
    response.say(i18n.gettext("vi", "call.no_key"), language=LANGUAGE, voice=VOICE)
    response.hangup()
    return str(response)


def spoken(text: str) -> str:
    """Say one thing (a confirmation) and hang up."""
    response = VoiceResponse()
    response.say(text, language=LANGUAGE, voice=VOICE)
    response.hangup()
    return str(response)


def sms_answer(text: str) -> str:
    """The SMS reply to an inbound message, as TwiML."""
    response = MessagingResponse()
    response.message(text)
    return str(response)
