"""The approved plan's service lines that name a directory agency (or the 111 line) become referrals."""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select

from core.db import UnitOfWork
from core.errors import InvalidInput
from workflows.case.facts import DraftPlan, PlanService
from workflows.case.models import Case
from workflows.referrals.models import Referral
from workflows.referrals.service import plan_task, refer
from workflows.services.models import Agency


def latest_plan(case: Case) -> DraftPlan | None:
    drafts = [h for h in case.history if h.event == "draft_plan" and h.facts]
    if not drafts:
        return None
    facts = {k: v for k, v in dict(drafts[-1].facts or {}).items() if k in ("plan", "services")}
    try:
        return DraftPlan.model_validate(facts)
    except ValidationError:
        return None


def check_plan_lines(uow: UnitOfWork, services: tuple[PlanService, ...]) -> None:
    """A drafted line that names an agency names one of the directory's that provides the service."""
    for number, line in enumerate(services, start=1):
        if line.agency_id is None:
            continue
        agency = uow.session.get(Agency, line.agency_id)
        if agency is None or (line.service_code is not None and line.service_code not in agency.services):
            raise InvalidInput(f"Dòng dịch vụ {number}: cơ sở không có trong danh bạ hoặc không cung cấp dịch vụ này",
                               f"Service line {number}: no such agency, or it does not provide that service",
                               field="services")


def refer_plan(uow: UnitOfWork, case: Case, *, actor: str, via: str, now: datetime) -> list[Referral]:
    """On approval: a referral per line that names an agency or the line, a task per other line; once each."""
    plan = latest_plan(case)
    if plan is None:
        return []
    made = {row for row in uow.session.execute(
        select(Referral.plan_line).where(Referral.case_id == case.id, Referral.plan_line.is_not(None))).scalars()}
    referrals = []
    for number, line in enumerate(plan.services, start=1):
        if number in made:
            continue
        if not line.is_referral or line.service_code is None:  # the commune's own task: a clock all the same
            referrals.append(plan_task(uow, case, task=line.service, starts_on=line.starts_on, due_on=line.ends_on,
                                       plan_line=number, actor=actor, via=via, now=now))
            continue
        referrals.append(refer(
            uow, case, agency_id=None if line.to_line else line.agency_id, service=line.service_code,
            reason=line.service, urgency=line.urgency, due_on=line.ends_on, starts_on=line.starts_on,
            consent_child=line.consent_child, consent_caregiver=line.consent_caregiver, plan_line=number,
            actor=actor, via=via, now=now))
    return referrals
