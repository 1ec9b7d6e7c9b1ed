"""The case's record: each form a move carried (Mẫu 02 to 07, the chair's decisions), kept with the case.

`keep_form` runs inside the move's transaction (workflows.casework.service.transition), so a form is kept exactly
when its move is: a refused move keeps nothing. Reading the record is reading the case: the caller has
already checked and audited access (workflows.casework.queries.read_case).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.db import UnitOfWork
from workflows.case.intake_record_models import CaseIntakeRecord
from workflows.case.models import Case
from workflows.case.record_models import CaseFormRecord

# The triggers whose facts (or reason) are a form of the case's record, and the form's number.
FORMS: dict[str, str] = {
    "report_assessment": "02",
    "start_emergency": "02-kc",
    "begin_detailed_assessment": "03",
    "draft_plan": "04/05",
    "approve_plan": "05",
    "reject_plan": "05-tc",
    "separate": "07",
    "extend_separation": "07-gh",
    "revoke_separation": "07-hb",
    "close_without_plan": "dong-kkh",
    "reassess_separation": "07-rs",
    "review": "06",
    "replan": "06-kh",
    "request_closure": "06-dd",
    "approve_closure": "dong",
    "reject_closure": "dong-tc",
}


@dataclass(frozen=True)
class FormRecord:
    form: str
    trigger: str
    from_state: str
    to_state: str
    recorded_by: str
    role: str | None
    via: str
    at: datetime
    content: dict[str, Any]


def keep_form(
    uow: UnitOfWork, case: Case, *, trigger: str, from_state: str, to_state: str, facts: dict[str, Any],
    reason: str | None, actor: str, via: str, now: datetime,
) -> None:
    form = FORMS.get(trigger)
    if form is None:
        return
    content = {k: v for k, v in facts.items() if k not in ("actor_role", "contact_phone")}
    if reason:
        content["reason"] = reason
    uow.session.add(CaseFormRecord(
        case=case, form=form, trigger=trigger, from_state=from_state, to_state=to_state, recorded_by=actor[:64],
        role=(str(facts["actor_role"])[:24] if facts.get("actor_role") else None), via=via, at=now, content=content))


def forms_of(uow: UnitOfWork, case_id: int) -> list[FormRecord]:
    rows = uow.session.execute(select(CaseFormRecord).where(CaseFormRecord.case_id == case_id)
                               .order_by(CaseFormRecord.id)).scalars()
    return [FormRecord(r.form, r.trigger, r.from_state, r.to_state, r.recorded_by, r.role, r.via, r.at,
                       dict(r.content or {})) for r in rows]


def intake_record_of(uow: UnitOfWork, case_id: int) -> dict[str, Any] | None:
    """Form 01's record of the case (family, condition, likely harm), or None for a case opened without it."""
    row = uow.session.execute(select(CaseIntakeRecord).where(CaseIntakeRecord.case_id == case_id)).scalar_one_or_none()
    if row is None:
        return None
    return {"abuser_is_caregiver": row.abuser_is_caregiver, "received_by": row.received_by,
            **dict(row.record or {})}


def case_id_of(uow: UnitOfWork, reference: str) -> int | None:
    return uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one_or_none()
