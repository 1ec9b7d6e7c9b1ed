"""Making a referral and answering it: one writer for every change of a referral, with who and through what.

The agency is told by SMS (no identity: the reference, service, commune, urgency, deadline and a signed
link). It answers from any phone, through the commune officers' answer paths (workflows.field): an SMS
reply naming the referral (`NHAN GT4KM7X9`, `TU CHOI GT4KM7X9 <ly do>`, `XONG GT4KM7X9 <ket qua>`) or
the link's page. Functions take a unit of work and never commit: the caller does.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import VIETNAM, as_utc
from core.db import UnitOfWork, for_update
from core.errors import InvalidInput, NotFound
from core.ids import REFERENCE_ALPHABET, job_id, normalise_reference
from core.queue import WakeUp
from core.settings import get_settings
from routing.directory import load_shift_leads
from routing.models import Contact as TeamMember
from workflows.case.effects import record, send
from workflows.case.models import Case
from workflows.referrals.models import OPEN_STATES, Referral, ReferralLink
from workflows.referrals.policy import referral_policy
from workflows.referrals.texts import sms, when
from workflows.referrals.tokens import link_url
from workflows.services.models import Agency, AgencyContact
from workflows.services.service import is_agency_contact
from workflows.services.taxonomy import taxonomy

FIRE_JOB = "workflows.jobs.fire_referral"
LINE = "line"  # the agency of a referral to the 111 line itself
_REF = re.compile(rf"^GT[{REFERENCE_ALPHABET}]{{7}}$")


@dataclass(frozen=True)
class Recipient:
    phone: str
    reader: str  # agency-contact:<id> | shift-lead:<id>: who, never digits of a phone


def is_referral_reference(text: str | None) -> bool:
    return bool(text) and bool(_REF.match(normalise_reference(text or "")))


def new_referral_reference() -> str:
    while True:  # at least one digit, so the officers' command reader takes it for a reference
        body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))
        if any(c.isdigit() for c in body):
            return f"GT{body}"


def child_age(case: Case) -> int | None:
    found = re.search(r"\d{1,2}", case.child_age or "")
    return int(found.group()) if found else None


def identity_allowed(referral: Referral, case: Case) -> bool:
    """NĐ 56 Art. 33: the parent or caregiver agrees, and the child too from age 7 (unknown age: asked)."""
    if not referral.consent_caregiver:
        return False
    age = child_age(case)
    return bool(referral.consent_child) or (age is not None and age < 7)


def due_moment(due_on: date) -> datetime:
    """A service due on a day is due by the end of that working day in Vietnam."""
    return as_utc(datetime.combine(due_on, time(17, 0), VIETNAM))


def service_name(code: str, language: str = "vi") -> str:
    service = taxonomy().services.get(code)
    if service is None:
        return code
    return service.en if language == "en" else service.vi


def agency_name(uow: UnitOfWork, referral: Referral) -> str:
    if referral.kind == "task":
        return sms("commune_task")
    agency = uow.session.get(Agency, referral.agency_id) if referral.agency_id else None
    return agency.name if agency else sms("line")


def plan_task(uow: UnitOfWork, case: Case, *, task: str, starts_on: date | None, due_on: date, plan_line: int,
              actor: str, via: str, now: datetime) -> Referral:
    """A dated task of the approved plan that no agency is asked for: the commune's own, a clock due at the
    end of its last day, climbing the same ladder when it is not reported done (XONG GT... or its page)."""
    referral = Referral(
        reference=new_referral_reference(), kind="task", case_id=case.id, agency_id=None, service="follow_up",
        taxonomy_version=taxonomy().version, reason=task, urgency=case.urgency, consent_child=None,
        consent_caregiver=False, starts_on=starts_on, due_on=due_on, plan_line=plan_line, respond_by=now,
        state="accepted", accepted_at=now, created_by=actor, created_at=now, clock="complete", step=0, told=[])
    referral.next_at = due_moment(due_on)
    uow.session.add(referral)
    uow.session.flush()
    record(case, event="plan_task", actor=actor, via=via, now=now,
           facts={"referral": referral.reference, "due_on": due_on.isoformat()})
    wake_after_commit(uow, referral)
    return referral


def refer(
    uow: UnitOfWork, case: Case, *, agency_id: int | None, service: str, reason: str | None, urgency: str | None,
    due_on: date, actor: str, via: str, now: datetime, starts_on: date | None = None,
    consent_child: bool | None = None, consent_caregiver: bool = False, plan_line: int | None = None,
) -> Referral:
    """Ask an agency (None: the 111 line, for a service the province lacks) for a service for this case."""
    if service not in taxonomy().services:
        raise InvalidInput(f"Dịch vụ «{service}» không có trong danh mục",
                           f"Service {service!r} is not in the taxonomy", field="service")
    if agency_id is not None:
        agency = uow.session.get(Agency, agency_id)
        if agency is None:
            raise NotFound("Không có cơ sở này trong danh bạ", "No such agency in the directory", field="agency")
        if service not in agency.services:
            raise InvalidInput(f"{agency.name} không cung cấp dịch vụ này", f"{agency.name} does not provide it",
                               field="service")
    urgency = urgency if urgency in ("emergency", "high", "normal") else case.urgency
    policy = referral_policy()
    referral = Referral(
        reference=new_referral_reference(), case_id=case.id, agency_id=agency_id, service=service,
        taxonomy_version=taxonomy().version, reason=reason, urgency=urgency, consent_child=consent_child,
        consent_caregiver=consent_caregiver, starts_on=starts_on, due_on=due_on, plan_line=plan_line,
        respond_by=policy.respond_by(urgency, now=now), state="sent", created_by=actor, created_at=now,
        clock="respond", step=0, told=[],
    )
    referral.next_at = referral.respond_by
    uow.session.add(referral)
    uow.session.flush()
    for person in first_recipients(uow, referral):
        link = new_link(uow, referral, person, now=now)
        send(uow, to=person.phone, purpose="referral", now=now, case_id=case.id, priority=_priority(urgency),
             body=sms("request", ref=referral.reference, service=service_name(service), commune=case.commune_name or "",
                      urgency=urgency, when=when(referral.respond_by), link=link_url(link.id)))
    record(case, event="referral_sent", actor=actor, via=via, now=now,
           facts={"referral": referral.reference, "service": service, "agency": agency_id or LINE})
    wake_after_commit(uow, referral)
    return referral


def _priority(urgency: str) -> int:
    return {"emergency": 0, "high": 1}.get(urgency, 2)


def agency_contacts(uow: UnitOfWork, referral: Referral) -> list[Recipient]:
    """Who answers for the referral's agency, in chain order; the 111 line: its shift leads; a task: the
    commune's child protection officers."""
    if referral.kind == "task":
        case = uow.session.get(Case, referral.case_id)
        if case is None or case.team_id is None:
            return []
        members = uow.session.execute(select(TeamMember).where(
            TeamMember.team_id == case.team_id, TeamMember.role == "child_protection_officer")
            .order_by(TeamMember.chain_order)).scalars()
        return [Recipient(c.phone, f"member:{c.id}") for c in members]
    if referral.agency_id is None:
        return [Recipient(s.phone, f"shift-lead:{s.supervisor_id}") for s in load_shift_leads(uow.session)]
    rows = uow.session.execute(select(AgencyContact).where(AgencyContact.agency_id == referral.agency_id)
                               .order_by(AgencyContact.chain_order, AgencyContact.id)).scalars()
    return [Recipient(c.phone, f"agency-contact:{c.id}") for c in rows]


def first_recipients(uow: UnitOfWork, referral: Referral) -> list[Recipient]:
    people = agency_contacts(uow, referral)
    return people if referral.agency_id is None else people[:1]


def new_link(uow: UnitOfWork, referral: Referral, person: Recipient, *, now: datetime) -> ReferralLink:
    hours = max(get_settings().answer_link_hours, (due_moment(referral.due_on) - now).total_seconds() / 3600 + 24)
    link = ReferralLink(referral_id=referral.id, phone=person.phone, reader=person.reader, created_at=now,
                        expires_at=now + timedelta(hours=hours))
    uow.session.add(link)
    uow.session.flush()
    return link


def team_phones(uow: UnitOfWork, case: Case, role: str) -> list[str]:
    if case.team_id is None:
        return []
    rows = uow.session.execute(select(TeamMember).where(TeamMember.team_id == case.team_id, TeamMember.role == role)
                               .order_by(TeamMember.chain_order)).scalars()
    return [c.phone for c in rows]


def wake_after_commit(uow: UnitOfWork, referral: Referral) -> None:
    at = referral.next_at
    if at is None:
        return
    whole = at.replace(microsecond=0) + (timedelta(seconds=1) if at.microsecond else timedelta())
    uow.wake_up(lambda: WakeUp(FIRE_JOB, (referral.id,), job_id=job_id("referral", referral.id, referral.step,
                                                                     int(whole.timestamp())), at=whole))


def lock_referral(uow: UnitOfWork, reference: str) -> Referral | None:
    stmt = select(Referral).where(Referral.reference == normalise_reference(reference))
    return uow.session.execute(for_update(uow.session, stmt)).scalar_one_or_none()


def recipient_for(uow: UnitOfWork, referral: Referral, phone: str) -> Recipient | None:
    """The agency's contact with this phone: only the agency a referral went to may answer it."""
    return next((p for p in agency_contacts(uow, referral) if p.phone == phone), None)


@dataclass(frozen=True)
class Answered:
    kind: str  # accepted | declined | done | repeat | need_reason | need_outcome | not_now | not_yours
    reference: str

    @property
    def done(self) -> bool:
        return self.kind in ("accepted", "declined", "done")


def answer(
    uow: UnitOfWork, referral: Referral, *, phone: str, action: str, text: str | None, via: str, now: datetime,
) -> Answered:
    """accept | decline (a reason) | done (the outcome), by the holder of `phone`; the referral is locked."""
    ref = referral.reference
    person = recipient_for(uow, referral, phone)
    if person is None:
        return Answered("not_yours", ref)
    text = (text or "").strip() or None
    target = {"accept": "accepted", "decline": "declined", "done": "done"}[action]
    if referral.state == target:
        return Answered("repeat", ref)
    if action == "decline" and not text:
        return Answered("need_reason", ref)
    if action == "done" and not text:
        return Answered("need_outcome", ref)
    if referral.state not in OPEN_STATES or (action == "decline" and referral.state != "sent"):
        return Answered("not_now", ref)
    case = uow.session.get(Case, referral.case_id)
    assert case is not None
    referral.answered_by = person.reader
    if action == "accept":
        referral.state, referral.accepted_at = "accepted", now
        referral.clock, referral.step, referral.next_at = "complete", 0, due_moment(referral.due_on)
    elif action == "decline":
        referral.state, referral.declined_at, referral.decline_reason = "declined", now, text
        referral.next_at = None
        for officer in team_phones(uow, case, "child_protection_officer"):
            send(uow, to=officer, purpose="referral_declined", now=now, case_id=case.id,
                 body=sms("declined", agency=agency_name(uow, referral), ref=ref,
                          service=service_name(referral.service), case=case.reference))
    else:
        if referral.accepted_at is None:
            referral.accepted_at = now
        referral.state, referral.done_at, referral.outcome, referral.next_at = "done", now, text, None
    record(case, event=f"referral_{target}", actor=person.reader, via=via, now=now, reason=text,
           facts={"referral": ref})
    wake_after_commit(uow, referral)
    return Answered(target, ref)


def answers_referrals(session: Session, phone: str) -> bool:
    """A phone an agency (or the 111 line's shift leads) answers referrals from: its SMS are answers."""
    if is_agency_contact(session, phone):
        return True
    return any(lead.phone == phone for lead in load_shift_leads(session))
