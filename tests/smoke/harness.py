"""A smoke harness in the style of GoAlert's: fake phones that expect an SMS or a call, then answer.

On top of the Twilio stand-in, against the live app, a real `hotline worker`, real PostgreSQL and
Redis. Waiting here is polling for what a real worker does, never waiting for a deadline: deadlines
are fast-forwarded (`FastForward`) by moving a timer's due time to now, so the worker's sweeper
fires it on its next round, exactly as it would when the hour has passed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from xml.etree import ElementTree

import httpx
from sqlalchemy import select

from core.clock import utcnow
from core.db import unit_of_work
from devtools.twilio_standin import Sent, TwilioStandIn
from workflows.case.models import Case, Timer
from workflows.clocks.models import Ladder

WAIT = 30.0


def _poll(found: Callable[[], object], what: str, timeout: float = WAIT) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = found()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out: {what}")


class Phone:
    """One officer's phone: what it received, and its owner's answers."""

    def __init__(self, standin: TwilioStandIn, number: str, base: str) -> None:
        self.standin, self.number, self.base = standin, number, base
        self._seen: set[str] = set()
        self.last_sms: Sent | None = None
        self.last_call: Sent | None = None
        self.browser = httpx.Client(base_url=base, timeout=10, follow_redirects=False)

    def _new(self, kind: str) -> list[Sent]:
        items = self.standin.calls() if kind == "call" else self.standin.messages(to=self.number)
        return [m for m in items if m.to == self.number and m.sid not in self._seen]

    def expect_sms(self, *, contains: str, timeout: float = WAIT) -> Sent:
        def arrived() -> Sent | None:
            return next((m for m in self._new("sms") if contains in m.body), None)

        sms = _poll(arrived, f"an SMS to {self.number} with {contains!r}", timeout)
        assert isinstance(sms, Sent)
        self._seen.add(sms.sid)
        self.last_sms = sms
        return sms

    def expect_no_sms(self, *, contains: str) -> None:
        assert not [m for m in self._new("sms") if contains in m.body], f"unexpected SMS with {contains!r}"

    def reply(self, body: str) -> str:
        """Answer by SMS; the app's answer (one SMS) as the phone shows it."""
        twiml = self.standin.reply(from_phone=self.number, body=body)
        message = ElementTree.fromstring(twiml.split("?>", 1)[-1]).find("Message")
        return "" if message is None or message.text is None else message.text

    def expect_call(self, timeout: float = WAIT) -> Sent:
        call = _poll(lambda: next(iter(self._new("call")), None), f"a call to {self.number}", timeout)
        assert isinstance(call, Sent)
        self._seen.add(call.sid)
        self.last_call = call
        return call

    def press(self, digit: str, *, answered_by: str | None = None) -> str:
        """Press a key on the last call; what the call says back."""
        assert self.last_call is not None, "no call to press a key on"
        twiml = self.standin.press(self.last_call.sid, digit, answered_by=answered_by)
        root = ElementTree.fromstring(twiml.split("?>", 1)[-1])
        return " ".join(say.text or "" for say in root.iter("Say"))

    def link(self) -> str:
        assert self.last_sms is not None, "no SMS with a link"
        found = re.search(r"https?://\S+/x/[a-z0-9]+", self.last_sms.body)
        assert found, self.last_sms.body
        return found[0].removeprefix(self.base)

    def tap(self, button: str, reason: str | None = None) -> httpx.Response:
        """Open the link of the last SMS and press one of its buttons (accept, decline, wrong_commune)."""
        path = self.link()
        page = self.browser.get(path)
        assert page.status_code == 200, page.text
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert csrf, page.text
        data = {"action": button, "csrf": csrf[1], **({"reason": reason} if reason else {})}
        return self.browser.post(path, data=data)


class FastForward:
    """Move a case's clock to its deadline: the worker's sweeper fires it on its next round."""

    def __call__(self, reference: str, clock: str = "acknowledge") -> list[int]:
        with unit_of_work() as uow:
            case_id = uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
            timers = uow.session.execute(select(Timer).where(
                Timer.case_id == case_id, Timer.clock == clock, Timer.kind.in_(("deadline", "step")),
                Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))).scalars().all()
            assert timers, f"no open {clock} deadline or ladder step on {reference}"
            now = utcnow() - timedelta(seconds=1)
            for timer in timers:
                if timer.kind == "step":  # a ladder's rung fires only at the time its ladder row expects
                    rows = uow.session.execute(select(Ladder).where(
                        Ladder.case_id == case_id, Ladder.clock == clock, Ladder.next_at == timer.due_at)).scalars()
                    for row in rows:
                        row.next_at = now
                timer.due_at = now
            uow.commit()
            return [timer.id for timer in timers]

    def until(self, reference: str, happened: Callable[[], object], *, clock: str = "acknowledge",
              steps: int = 8) -> object:
        """Fast-forward the clock breach after breach until something happens (a call, a supervisor's SMS)."""
        for _ in range(steps):
            fired = self(reference, clock)
            _poll(lambda: _all_fired(fired), f"the worker to fire {clock}")
            try:
                return _poll(happened, "the escalation", timeout=2)
            except AssertionError:
                continue
        raise AssertionError(f"nothing happened after {steps} breaches of {clock}")


def _all_fired(timer_ids: list[int]) -> bool:
    with unit_of_work() as uow:
        fired = uow.session.execute(select(Timer.fired_at).where(Timer.id.in_(timer_ids))).scalars().all()
        return all(at is not None for at in fired)


def case_state(reference: str) -> tuple[str, str]:
    """The case's state and the channel of its last change."""
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        return case.state, case.history[-1].via
