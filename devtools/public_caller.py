"""The stand-in plays the public: it calls a line, listens, presses keys and follows TwiML as Twilio would.

It posts signed webhooks (the SDK's validator signs them, as Twilio does), follows `Say`, `Gather`
(with the digits it was given), `Redirect`, `Enqueue` (its wait URL and its action), `Leave`,
`Record` and `Dial`/`Queue`, and writes down everything the caller heard. Tests and the demo drive
whole conversations with it; an operator's leg (a call the app places) is followed the same way.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

Post = Callable[[str, dict[str, str]], str]  # (absolute URL, form) -> the TwiML answer


@dataclass
class Call:
    sid: str
    from_: str
    to: str
    heard: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # digits still to press, in order
    state: str = "ringing"  # ringing | queued | recording | bridged | ended
    queue: str | None = None
    wait_url: str | None = None
    enqueue_action: str | None = None
    record_action: str | None = None
    dialled_queue: str | None = None
    documents: list[str] = field(default_factory=list)  # every TwiML answer, for XML checks

    def said(self) -> str:
        return " ".join(self.heard)


class PublicCaller:
    def __init__(self, post: Post, *, base_url: str, account_sid: str = "ACstandin") -> None:
        self.post, self.base_url, self.account_sid = post, base_url.rstrip("/"), account_sid

    # -- a caller --------------------------------------------------------------------------------
    def dial(self, *, from_: str, to: str, keys: str = "", call_sid: str | None = None) -> Call:
        call = Call(sid=call_sid or "CA" + secrets.token_hex(16), from_=from_, to=to, keys=list(keys))
        self._follow(call, self._post(call, f"{self.base_url}/twilio/voice", {"CallStatus": "ringing"}))
        return call

    def wait(self, call: Call, *, seconds: int = 0, position: int = 1, press: str = "") -> None:
        """Twilio polls the wait URL while the caller waits; `press` is a key pressed during the hold music."""
        assert call.wait_url, "the call is not waiting in a queue"
        call.keys = list(press)
        answer = self._post(call, call.wait_url, {"QueueTime": str(seconds), "QueuePosition": str(position),
                                                  "QueueSid": "QU" + "0" * 32, "CurrentQueueSize": str(position)})
        self._follow(call, answer, waiting=True)

    def bridged(self, call: Call) -> None:
        """An operator dequeued this caller: the Enqueue's action URL hears how it ended."""
        self._leave_queue(call, "bridged")

    def leave_voicemail(self, call: Call, *, recording: str = "https://api.twilio.com/recordings/RE1") -> None:
        assert call.record_action, "the call is not recording"
        self._follow(call, self._post(call, call.record_action, {"RecordingUrl": recording,
                                                                 "RecordingDuration": "17", "Digits": "hangup"}))

    def hang_up(self, call: Call, *, duration: int = 30) -> None:
        call.state = "ended"
        self._post(call, f"{self.base_url}/twilio/voice/status", {"CallStatus": "completed",
                                                                   "CallDuration": str(duration)})

    # -- an operator's phone, rung by the app ------------------------------------------------------
    def answer(self, twiml: str, *, to: str, keys: str = "") -> Call:
        """Pick up a call the app placed (its TwiML as given to calls.create) and press `keys`."""
        call = Call(sid="CA" + secrets.token_hex(16), from_="+84111000111", to=to, keys=list(keys), state="bridged")
        self._follow(call, twiml)
        return call

    # -- following TwiML -------------------------------------------------------------------------
    def _post(self, call: Call, url: str, extra: dict[str, str]) -> str:
        form = {"CallSid": call.sid, "AccountSid": self.account_sid, "From": call.from_, "To": call.to,
                "Direction": "inbound", "CallStatus": "in-progress", **extra}
        return self.post(url, form)

    def _leave_queue(self, call: Call, result: str) -> None:
        assert call.enqueue_action
        call.state = "ringing"
        self._follow(call, self._post(call, call.enqueue_action, {"QueueResult": result, "QueueTime": "5"}))

    def _follow(self, call: Call, twiml: str, *, waiting: bool = False) -> None:
        call.documents.append(twiml)
        root = ET.fromstring(twiml)  # noqa: S314 (our own app's answer, in a test)
        if root.tag != "Response":
            raise AssertionError(f"not TwiML: {twiml[:200]}")
        for verb in root:
            if self._verb(call, verb, waiting=waiting):
                return

    def _verb(self, call: Call, verb: ET.Element, *, waiting: bool) -> bool:
        """Carry out one verb; True when control went elsewhere (a new document, a queue, the end)."""
        tag = verb.tag
        if tag == "Say":
            call.heard.append((verb.text or "").strip())
        elif tag == "Gather":
            for inner in verb:
                if inner.tag == "Say":
                    call.heard.append((inner.text or "").strip())
            action = verb.get("action", "")
            if call.keys:
                digit = call.keys.pop(0)
                self._follow(call, self._post(call, action, {"Digits": digit}), waiting=waiting)
                return True
            if verb.get("actionOnEmptyResult") == "true":
                self._follow(call, self._post(call, action, {"Digits": ""}), waiting=waiting)
                return True
        elif tag == "Redirect":
            self._follow(call, self._post(call, (verb.text or "").strip(), {}), waiting=waiting)
            return True
        elif tag == "Enqueue":
            call.state, call.queue = "queued", (verb.text or "").strip()
            call.wait_url, call.enqueue_action = verb.get("waitUrl"), verb.get("action")
            return True
        elif tag == "Leave":
            self._leave_queue(call, "leave")
            return True
        elif tag == "Record":
            call.state, call.record_action = "recording", verb.get("action")
            return True
        elif tag == "Dial":
            queue = verb.find("Queue")
            call.dialled_queue = (queue.text or "").strip() if queue is not None else None
            call.state = "bridged"
            return True
        elif tag == "Hangup":
            call.state = "ended"
            return True
        return False
