"""The stand-in plays the public: it calls a line, listens, presses keys and follows TwiML as Twilio would.

It posts signed webhooks (the SDK's validator signs them, as Twilio does), follows `Say`, `Gather`
(with the digits it was given), `Redirect`, `Enqueue` (its wait URL and its action), `Leave`,
`Record`, `Dial`/`Queue` (and the Dial's action when the bridge ends) and `Dial`/`Conference` (who
is in which conference), takes a REST redirect of a live leg, and writes down everything the caller heard.
Tests and the demo drive whole conversations with it; an operator's leg (a call the app places) is
followed the same way.
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
    dial_action: str | None = None  # where Twilio posts when this leg's <Dial> ends
    conference: str | None = None  # the conference this leg is in
    partner: str | None = None  # the leg bridged to this one (a caller and the operator who took them)
    documents: list[str] = field(default_factory=list)  # every TwiML answer, for XML checks

    def said(self) -> str:
        return " ".join(self.heard)


class PublicCaller:
    def __init__(self, post: Post, *, base_url: str, account_sid: str = "ACstandin") -> None:
        self.post, self.base_url, self.account_sid = post, base_url.rstrip("/"), account_sid
        self.calls: dict[str, Call] = {}  # every leg followed, by CallSid: a REST redirect finds its call

    # -- the REST API's side of a live call (Calls/{sid} update) and conferences ------------------------
    def redirect(self, sid: str, twiml: str) -> bool:
        """Twilio's call update with new TwiML: the leg leaves what it was doing (a bridge ends for the
        other side) and follows it. False for a call this caller never saw."""
        call = self.calls.get(sid)
        if call is None:
            return False
        partner = self.calls.get(call.partner or "")
        call.queue = call.dialled_queue = call.partner = None
        call.state = "ringing"
        self._follow(call, twiml)
        if partner is not None and partner.dial_action:  # the leg bridged to it hears its Dial end
            partner.partner = None
            self.bridge_ended(partner)
        return True

    def bridge_ended(self, call: Call) -> None:
        """This leg's <Dial> ended (the other side left): its action URL says what next."""
        assert call.dial_action, "this leg has no Dial action"
        action, call.dial_action = call.dial_action, None
        call.state = "ringing"
        self._follow(call, self._post(call, action, {"DialCallStatus": "completed"}))

    def conference(self, name: str) -> list[Call]:
        return [c for c in self.calls.values() if c.conference == name and c.state == "conference"]

    # -- a caller --------------------------------------------------------------------------------
    def dial(self, *, from_: str, to: str, keys: str = "", call_sid: str | None = None) -> Call:
        call = Call(sid=call_sid or "CA" + secrets.token_hex(16), from_=from_, to=to, keys=list(keys))
        self.calls[call.sid] = call
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
        """An operator dequeued this caller: the Enqueue's action URL hears how it ended. The operator's
        leg that dialled this queue and has nobody yet is its partner (Twilio bridges the front caller)."""
        taker = next((c for c in self.calls.values() if c.dialled_queue == call.queue and c.state == "bridged"
                      and c.partner is None and c is not call), None)
        if taker is not None:
            call.partner, taker.partner = taker.sid, call.sid
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
    def answer(self, twiml: str, *, to: str, keys: str = "", sid: str | None = None) -> Call:
        """Pick up a call the app placed (its TwiML as given to calls.create) and press `keys`."""
        call = Call(sid=sid or "CA" + secrets.token_hex(16), from_="+84111000111", to=to, keys=list(keys),
                    state="bridged")
        self.calls[call.sid] = call
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
            queue, room = verb.find("Queue"), verb.find("Conference")
            call.dialled_queue = (queue.text or "").strip() if queue is not None else None
            call.dial_action = verb.get("action")
            if room is not None:
                call.conference, call.state = (room.text or "").strip(), "conference"
            else:
                call.state = "bridged"
            return True
        elif tag == "Hangup":
            call.state = "ended"
            return True
        return False
