"""What the public hears when they call a line: TwiML built with the SDK's VoiceResponse, in Vietnamese.

Speech recognition is only ever an extra: every choice is a keypress (DTMF), and "press 1 if a child
is in danger now" comes before any menu. Nothing here names a caller, a reporter or a child.

The prompts are the catalogs' `ivr.*` messages (core/locales, docs/translations.md): spoken Vietnamese.

The answers that depend only on a line's settings (the welcome, the refusal, system down) are built
once per process and kept: the first webhook of every call answers with one of them.
"""

from __future__ import annotations

from functools import lru_cache

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from core import i18n

VOICE = {"voice": "Google.vi-VN-Standard-A", "language": "vi-VN"}
SPOKEN_DIGITS = {"một": "1", "mot": "1", "hai": "2", "ba": "3", "khẩn cấp": "1", "nguy hiểm": "1"}


def _say(target: VoiceResponse | Gather, text: str) -> None:
    target.say(text, **VOICE)


def _(msgid: str, **fmt: object) -> str:
    """A prompt: the catalogs' `ivr.*` messages, spoken in Vietnamese."""
    return i18n.gettext("vi", msgid, **fmt)


def __getattr__(name: str) -> str:
    """DANGER_NOW, MENU, RECORDING_NOTICE, RECORDED: the old constants, read from the catalog."""
    prompts = {"DANGER_NOW": "ivr.danger_now", "MENU": "ivr.menu", "RECORDING_NOTICE": "ivr.recording_notice",
               "RECORDED": "ivr.recorded"}
    if name in prompts:
        return _(prompts[name])
    raise AttributeError(name)


@lru_cache(maxsize=64)
def system_down(operators: tuple[str, ...] = ()) -> str:
    """When the service cannot take calls (the database does not answer): put the caller through to the
    operators on duty (as last read), all rung at once; if none answers, or none is known, where else to turn."""
    r = VoiceResponse()
    if operators:
        _say(r, _("ivr.putting_through"))
        dial = Dial(timeout=30, answer_on_bridge=True)
        for address in operators:
            if address.startswith("sip:"):
                dial.sip(address)
            else:
                dial.number(address)
        r.append(dial)
    _say(r, _("ivr.system_down"))
    r.hangup()
    return str(r)


@lru_cache(maxsize=64)
def blocked() -> str:
    r = VoiceResponse()
    _say(r, _("ivr.blocked"))
    r.hangup()
    return str(r)


@lru_cache(maxsize=64)
def welcome(*, greeting: str, menu_url: str, repeat: bool = False, recorded: bool = False) -> str:
    """The danger question first, then the recording notice and the menu; no answer comes back as empty.
    A line that records its calls says so before anything else (`recorded`)."""
    r = VoiceResponse()
    if recorded and not repeat:
        _say(r, _("ivr.recorded"))
    gather = r.gather(num_digits=1, action=menu_url, method="POST", timeout=6, input="dtmf speech",
                      language="vi-VN", hints="một, hai, ba, khẩn cấp", action_on_empty_result=True)
    if repeat:
        _say(gather, _("ivr.not_heard"))
    else:
        _say(gather, greeting)
    _say(gather, _("ivr.danger_now"))
    if not repeat and not recorded:
        _say(gather, _("ivr.recording_notice"))
    _say(gather, _("ivr.menu"))
    return str(r)


def enqueue(*, queue: str, wait_url: str, after_url: str, danger: bool) -> str:
    r = VoiceResponse()
    if danger:
        _say(r, _("ivr.connecting_danger"))
    else:
        _say(r, _("ivr.connecting"))
    r.enqueue(queue, wait_url=wait_url, wait_url_method="POST", action=after_url, method="POST")
    return str(r)


def hold(*, position: int, danger: bool, leave_url: str | None) -> str:
    """The wait music's words: where the caller stands, and still a way to say a child is in danger."""
    r = VoiceResponse()
    where = _("ivr.position", position=position) if position > 0 else ""
    if danger:
        _say(r, " ".join(filter(None, [where, _("ivr.hold_danger")])))
    else:
        gather = r.gather(num_digits=1, action=leave_url, method="POST", timeout=4)
        _say(gather, " ".join(filter(None, [where, _("ivr.hold_wait"), _("ivr.danger_now")])))
    r.pause(length=8)
    return str(r)


def leave_queue() -> str:
    r = VoiceResponse()
    r.leave()
    return str(r)


def voicemail(*, record_url: str, closed: bool) -> str:
    """No operator in time, or outside the line's hours: leave a message, we call back (no transcription:
    Twilio transcribes only English)."""
    r = VoiceResponse()
    if closed:
        _say(r, _("ivr.closed"))
    else:
        _say(r, _("ivr.busy"))
    _say(r, _("ivr.leave_message"))
    r.record(max_length=120, play_beep=True, action=record_url, method="POST", timeout=5)
    _say(r, _("ivr.no_message"))
    r.hangup()
    return str(r)


def thanks_goodbye() -> str:
    r = VoiceResponse()
    _say(r, _("ivr.thanks"))
    r.hangup()
    return str(r)


def operator_ring(*, choice: str, answer_url: str) -> str:
    """What an operator on duty hears: the caller's menu choice, and press 1 to take the call (a voicemail
    box that picks up cannot press 1, so it never takes a caller)."""
    what = i18n.texts("vi", "ivr")[f"ring_{choice}"]  # ivr.ring_danger, _trafficking, _report, _default
    r = VoiceResponse()
    gather = r.gather(num_digits=1, action=answer_url, method="POST", timeout=8)
    _say(gather, " ".join([what, _("ivr.ring_take")]))
    r.redirect(answer_url + "&timeout=1", method="POST")
    return str(r)


def announcement(text: str) -> str:
    """An alert call to staff: the text, said twice (a ladder's voice rung)."""
    r = VoiceResponse()
    _say(r, text)
    r.pause(length=1)
    _say(r, text)
    return str(r)


def bridge(queue: str, *, after_url: str | None = None, recording_url: str | None = None) -> str:
    """The operator's leg takes the caller from the queue; `after_url` hears when that bridge ends (a
    transfer then puts the operator into the conference); `recording_url` (a line that records) records
    both sides and hears when the recording is ready."""
    r = VoiceResponse()
    options: dict[str, str] = {}
    if after_url:
        options |= {"action": after_url, "method": "POST"}
    if recording_url:
        options |= {"record": "record-from-answer-dual", "recording_status_callback": recording_url,
                    "recording_status_callback_method": "POST", "recording_status_callback_event": "completed"}
    dial = Dial(**options)
    dial.queue(queue)
    r.append(dial)
    return str(r)


def conference(name: str, *, role: str, mode: str, status_url: str | None = None) -> str:
    """A leg of a transfer's conference. The caller (role "caller") ends it by hanging up; in a warm
    handover the caller and the operator hear the hold music until the one called (role "target")
    answers, then the operator introduces the call and leaves; in a conference the operator stays on
    with the caller while the target is dialled."""
    r = VoiceResponse()
    if role == "caller":
        _say(r, _("ivr.transfer_hold"))
    elif role == "target":
        _say(r, _("ivr.transfer_intro"))
    starts = role == "target" or (role == "operator" and mode == "conference")
    dial = Dial()
    dial.conference(name, start_conference_on_enter=starts, end_conference_on_exit=role == "caller",
                    beep=False, status_callback=status_url, status_callback_method="POST" if status_url else None,
                    status_callback_event="join leave" if status_url else None)
    r.append(dial)
    return str(r)


def hang_up() -> str:
    r = VoiceResponse()
    r.hangup()
    return str(r)


def not_taken() -> str:
    r = VoiceResponse()
    _say(r, _("ivr.not_taken"))
    r.hangup()
    return str(r)


def digit_from(digits: str, speech: str) -> str:
    """A keypress, else a few spoken words ("một", "khẩn cấp"); speech never decides alone what DTMF can."""
    if digits:
        return digits.strip()[:1]
    said = speech.strip().lower()
    for words, digit in SPOKEN_DIGITS.items():
        if words in said:
            return digit
    return ""
