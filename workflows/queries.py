"""Reading cases. Every read of a case by a person is audited in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import Forbidden, NotFound
from core.ids import normalise_reference
from workflows.alerts import alerts_of
from workflows.ladders import ladders_of
from workflows.ladders import view as ladder_view
from workflows.models import Case, CaseRead


def read_case(
    uow: UnitOfWork, *, reference: str, reader: str, via: str, purpose: str,
    may_see: Callable[[Case], bool], with_identity: bool = False,
) -> dict[str, Any]:
    with uow:
        s = uow.session
        case = s.execute(select(Case).where(Case.reference == normalise_reference(reference))).scalar_one_or_none()
        if case is None:
            raise NotFound(f"Không tìm thấy ca {reference}", f"No case {reference}", field="reference")
        if not may_see(case):
            raise Forbidden("Bạn không có quyền xem ca này", "You may not see this case")
        s.add(CaseRead(case_id=case.id, reader=reader, via=via, purpose=purpose, at=utcnow()))
        view = case_view(case, with_identity=with_identity)
        view["ladders"] = [ladder_view(row) for row in ladders_of(uow, case)]
        view["alerts"] = alerts_of(uow, case)
        uow.commit()
        return view


def case_view(case: Case, *, with_identity: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "reference": case.reference, "state": case.state, "urgency": case.urgency,
        "category": case.category, "risk_level": case.risk_level, "immediate_danger": case.immediate_danger,
        "received_at": case.received_at.isoformat(), "province_code": case.province_code,
        "commune_code": case.commune_code, "commune": case.commune_name, "team_id": case.team_id,
        "routing": case.decisions[-1].decision if case.decisions else None,
        "timers": [
            {"id": t.id, "clock": t.clock, "kind": t.kind, "due_at": t.due_at.isoformat(),
             "fired_at": t.fired_at and t.fired_at.isoformat(),
             "cancelled_at": t.cancelled_at and t.cancelled_at.isoformat(),
             "reminded_at": t.reminded_at and t.reminded_at.isoformat()}
            for t in case.timers
        ],
        "history": [
            {"at": h.at.isoformat(), "actor": h.actor, "via": h.via, "event": h.event,
             "from": h.from_state, "to": h.to_state, "reason": h.reason}
            for h in case.history
        ],
    }
    view["breaches"] = [h for h in view["history"] if h["event"] == "sla_breached"]
    if with_identity:
        view["identity"] = {
            "description": case.description, "location": case.location_text, "child_name": case.child_name,
            "child_age": case.child_age, "child_sex": case.child_sex, "reporter_name": case.reporter_name,
            "reporter_phone": case.reporter_phone if case.consent_to_contact else None,
        }
    return view


def cases_in_state(uow: UnitOfWork, *, state: str, limit: int = 200) -> list[dict[str, Any]]:
    """A work list (e.g. needs_routing): no identities in it."""
    with uow:
        rows = uow.session.execute(
            select(Case).where(Case.state == state).order_by(Case.received_at).limit(limit)
        ).scalars()
        return [{"reference": c.reference, "state": c.state, "urgency": c.urgency,
                 "received_at": c.received_at.isoformat(), "province_code": c.province_code,
                 "commune": c.commune_name} for c in rows]
