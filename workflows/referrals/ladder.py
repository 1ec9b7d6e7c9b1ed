"""A referral's own ladder: unanswered by `respond_by`, or not done by its due date, it climbs the policy's
steps (the agency's next contact, the commune chair, the province supervisor). The row decides: a
wake-up for a moment the row no longer expects does nothing; the sweeper fires what Redis lost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.db import UnitOfWork, for_update
from routing.directory import load_supervisors
from workflows.case.effects import send
from workflows.case.models import Case
from workflows.referrals.models import OPEN_STATES, Referral
from workflows.referrals.policy import referral_policy
from workflows.referrals.service import (
    Recipient,
    agency_contacts,
    agency_name,
    due_moment,
    new_link,
    service_name,
    team_phones,
    wake_after_commit,
)
from workflows.referrals.texts import TEXTS, sms, when
from workflows.referrals.tokens import link_url


def fire(uow: UnitOfWork, referral_id: int, *, now: datetime) -> str:
    referral = uow.session.execute(
        for_update(uow.session, select(Referral).where(Referral.id == referral_id))).scalar_one_or_none()
    if referral is None:
        return "noop"
    return climb(uow, referral, now=now)


def sweep(uow: UnitOfWork, *, now: datetime, limit: int = 200) -> int:
    """Every overdue referral rung, whatever Redis did; one another transaction holds waits for next round."""
    stmt = select(Referral).where(Referral.next_at.is_not(None), Referral.next_at <= now).order_by(
        Referral.next_at).limit(limit)
    rows = list(uow.session.execute(for_update(uow.session, stmt, skip_locked=True)).scalars())
    return sum(climb(uow, referral, now=now) == "fired" for referral in rows)


def climb(uow: UnitOfWork, referral: Referral, *, now: datetime) -> str:
    """One rung of a locked referral's ladder, if it is due and the referral still waits."""
    if referral.next_at is None or referral.next_at > now:
        return "noop"
    if referral.state not in OPEN_STATES:
        referral.next_at = None
        return "noop"
    policy = referral_policy()
    if referral.step >= len(policy.steps):
        referral.next_at = None
        return "noop"
    case = uow.session.get(Case, referral.case_id)
    assert case is not None
    step = policy.steps[referral.step]
    if referral.breached_at is None:
        referral.breached_at = now
    late_key = "late_respond" if referral.clock == "respond" else "late_complete"
    deadline = referral.respond_by if referral.clock == "respond" else due_moment(referral.due_on)
    told = []
    for phone, role in _targets(uow, referral, case, step.role):
        params = {"ref": referral.reference, "service": service_name(referral.service),
                  "commune": case.commune_name or "", "late": TEXTS[late_key][0], "when": when(deadline)}
        if role == "agency_next":
            body = sms("overdue", link=link_url(new_link(uow, referral, phone, now=now).id), **params)
        else:
            body = sms("escalated", case=case.reference, agency=agency_name(uow, referral), **params)
        send(uow, to=phone.phone, body=body, purpose=f"referral_{role}", now=now, case_id=case.id)
        told.append({"role": role, "who": phone.reader, "step": referral.step, "clock": referral.clock,
                     "at": now.isoformat()})
    referral.told = [*referral.told, *told]
    wait = policy.wait_after(referral.step, referral.urgency)
    referral.step += 1
    referral.next_at = now + wait if referral.step < len(policy.steps) else None
    wake_after_commit(uow, referral)
    return "fired"


def _targets(uow: UnitOfWork, referral: Referral, case: Case, role: str) -> list[tuple[Recipient, str]]:
    if role == "agency_next":
        people = agency_contacts(uow, referral)
        if referral.agency_id is None or not people:
            return [(p, role) for p in people]
        already = sum(1 for t in referral.told if t.get("role") == role)
        return [(people[min(1 + already, len(people) - 1)], role)]
    if role == "commune_chair":
        return [(Recipient(p, "commune-chair"), role) for p in team_phones(uow, case, "commune_chair")]
    if role == "officer":
        return [(Recipient(p, "officer"), role) for p in team_phones(uow, case, "child_protection_officer")]
    supervisors = load_supervisors(uow.session, case.province_code) if case.province_code else []
    return [(Recipient(s.phone, f"supervisor:{s.supervisor_id}"), role) for s in supervisors]
