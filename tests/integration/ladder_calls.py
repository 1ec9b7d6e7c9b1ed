"""Escalation ladders in tests: breach a clock, read its ladder, and climb it to the call it places, as the
sweeper and the step timers would (the clock is moved, never waited for)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.clock import FrozenClock
from core.db import unit_of_work
from notifier.models import OutboxMessage
from workflows.case.models import Case, Timer
from workflows.clocks.models import Ladder
from workflows.jobs import sweep
from workflows.team.assignment import current_recipient


def breach(ref: str, clock: FrozenClock, name: str = "acknowledge") -> None:
    """Past the clock's deadline, the sweeper starts its ladder (the acknowledgement's: the chain's next contact)."""
    with unit_of_work() as uow:
        due = uow.session.execute(select(Timer.due_at).join(Case).where(
            Case.reference == ref, Timer.clock == name, Timer.kind == "deadline")).scalars().first()
    assert due is not None
    clock.set(due + timedelta(seconds=1))
    sweep()


def ladder(ref: str, name: str) -> Ladder:
    with unit_of_work() as uow:
        return uow.session.execute(select(Ladder).join(Case, Ladder.case_id == Case.id).where(
            Case.reference == ref, Ladder.clock == name)).scalar_one()


def climb_to_call(ref: str, clock: FrozenClock, name: str, *, to_holder: bool = False) -> tuple[int, str]:
    """Climb the clock's ladder rung by rung until a rung calls (whoever holds the case, with `to_holder`);
    the call is put through to Twilio (queued, with its CallSid). Its outbox id and CallSid."""
    call = None
    for _ in range(8):
        with unit_of_work() as uow:
            case = uow.session.execute(select(Case).where(Case.reference == ref)).scalar_one()
            calls = select(OutboxMessage).where(OutboxMessage.case_id == case.id, OutboxMessage.channel == "voice")
            if to_holder:
                calls = calls.where(OutboxMessage.to_phone == str((current_recipient(case) or {})["phone"]))
            call = uow.session.execute(calls).scalars().first()
        rung = ladder(ref, name)
        if call is not None or rung.next_at is None:
            break
        clock.set(rung.next_at + timedelta(seconds=1))
        sweep()
    assert call is not None, f"the {name} ladder placed no call"
    sid = f"CA{call.id:032d}"
    with unit_of_work() as uow:
        row = uow.session.get(OutboxMessage, call.id)
        assert row is not None
        row.status, row.provider_sid = "queued", sid
        uow.commit()
    return call.id, sid
