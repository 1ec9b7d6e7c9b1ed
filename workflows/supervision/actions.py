"""What a supervisor does from the board besides re-routing (workflows.casework.service.reroute): take a case over,
or take the next rung of a clock's ladder now. Each is a history event with the supervisor's name and
reason, in the same transaction as its effects.
"""

from __future__ import annotations

from collections.abc import Callable

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import Conflict, InvalidInput
from workflows.case.effects import record
from workflows.case.machine import TERMINAL
from workflows.case.models import Case
from workflows.casework.service import lock_case
from workflows.escalation.ladders import climb, ladder_of, ladders_of
from workflows.supervision.board import TAKEN_OVER


def take_over(
    uow: UnitOfWork, *, reference: str, actor: str, reason: str, via: str = "ui",
    allowed: Callable[[Case], bool] | None = None,
) -> list[str]:
    """The supervisor holds the case: the ladders climbing now stop (the supervisor is who they would
    reach), the board shows who holds it. The clocks keep counting, and a clock that breaches later
    escalates as usual (a legal clock always reaches the chair, the police and the supervisor).
    Returns the clocks whose ladders stopped."""
    if not reason.strip():
        raise InvalidInput("Cần ghi lý do nhận xử lý ca", "A reason is required to take the case over", field="reason")
    with uow:
        case = lock_case(uow, reference, allowed=allowed)
        if case.state in TERMINAL:
            raise Conflict(f"Ca {case.reference} đã kết thúc", f"Case {case.reference} is finished")
        now = utcnow()
        stopped = []
        for row in ladders_of(uow, case):
            if row.stopped_at is None:
                row.stopped_at, row.next_at, row.stop_reason = now, None, TAKEN_OVER
                stopped.append(row.clock)
        record(case, event=TAKEN_OVER, actor=actor, via=via, now=now, reason=reason.strip(),
               facts={"ladders_stopped": stopped} if stopped else None)
        uow.commit()
        return stopped


def escalate_now(
    uow: UnitOfWork, *, reference: str, clock: str, actor: str, reason: str = "", via: str = "ui",
    allowed: Callable[[Case], bool] | None = None,
) -> str:
    """The breached clock's ladder takes its next rung now (the next contact in the chain, or the next
    people the policy names), without waiting for the rung's time; a ladder a supervisor had stopped by
    taking the case over climbs again. Returns what the rung did (workflows.escalation.ladders.climb)."""
    with uow:
        case = lock_case(uow, reference, allowed=allowed)
        row = ladder_of(uow, case, clock)
        if case.state in TERMINAL or row is None or (row.stop_reason or "").startswith("satisfied:"):
            raise Conflict(f"Mốc '{clock}' của ca {case.reference} không quá hạn",
                           f"Clock '{clock}' of case {case.reference} is not breached", field="clock")
        if row.stop_reason == "exhausted":
            raise Conflict("Thang này đã hết người để báo", "Nobody is left on this ladder", field="clock")
        now = utcnow()
        record(case, event="escalated_now", actor=actor, via=via, now=now, reason=reason.strip() or clock)
        row.stopped_at, row.stop_reason = None, None
        outcome = climb(uow, case, row, now=now)
        uow.commit()
        return outcome or "told"
