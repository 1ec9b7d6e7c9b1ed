"""Every change to a case goes through here: lock, fire the trigger, history, timers, outbox, commit."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.clock import VIETNAM, as_utc, utcnow
from core.crypto import blind_index
from core.db import UnitOfWork, for_update
from core.errors import Conflict, InvalidInput
from core.ids import new_reference, normalise_reference
from core.insert_plan import write_new
from notifier.templates import crime_report_sms, informed_sms, plan_sms
from routing.directory import cached_team
from workflows.access.audit import HiddenCase, missing_case
from workflows.case.effects import message, record
from workflows.case.facts import SEPARATION_DAYS, DraftPlan, Facts, facts_model
from workflows.case.intake_record import first_receipt, intake_record
from workflows.case.machine import CHAIR, ROUTABLE, SYSTEM, TERMINAL, VICE_CHAIR, WHO, Transition, fire
from workflows.case.models import Case, RawSubmission, Ticket
from workflows.case.records import keep_form
from workflows.case.reports import NewReport, Opened
from workflows.clocks.context import active_policy
from workflows.clocks.timers import arm, cancel_open, wake_up_after_commit
from workflows.contacts.models import IntakeContact
from workflows.contacts.service import contact_became_case
from workflows.escalation.breaches import tell_supervisors
from workflows.referrals.plan import check_plan_lines, refer_plan
from workflows.team import assignment, plan_carriers
from workflows.team.rerouting import back_to_routing
from workflows.team.routing_step import home_team_phones, keep, operator_decision, recipients, route_case

# A new reference that another ticket has already (1 in 6e9 per ticket, the unique index says so)
# makes the whole transaction go again with another one: cheaper than a SELECT before every INSERT.
REFERENCE_ATTEMPTS = 3


class KeyReused(InvalidInput):
    """The same idempotency key with a different request: not a retry, so no first answer to give."""


def open_ticket(
    uow: UnitOfWork, *, report: NewReport, channel: str, external_id: str | None = None,
    actor: str = "reporter", via: str = "api", request_hash: str | None = None, contact: int | None = None,
) -> Opened:
    """Store the raw report, open the ticket and its case, route it, notify, arm timers; one commit.

    With an `external_id` (MessageSid, CallSid, hashed Idempotency-Key) a repeat gets the first answer,
    also when the two arrive at the same moment (the unique key decides which one stays). With a
    `request_hash`, the key answers only that request: another body under the same key is refused.
    The case is opened from `contact` (a call, a conversation) when given; a web or API report is a
    contact of its own, recorded as it becomes the case.
    """
    with uow:
        first = _first_answer(uow, channel=channel, external_id=external_id, request_hash=request_hash)
        if first is not None:
            return first
        for attempt in range(1, REFERENCE_ATTEMPTS + 1):
            try:
                opened = _open_new(uow, report=report, channel=channel, external_id=external_id, actor=actor,
                                   via=via, request_hash=request_hash, contact=contact)
                write_new(uow.session)  # every new row in one statement (PostgreSQL), not the ORM's flush
                uow.commit()
                return opened
            except IntegrityError:
                uow.rollback()
                first = _first_answer(uow, channel=channel, external_id=external_id, request_hash=request_hash)
                if first is not None:
                    return first
                if attempt == REFERENCE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")


def _open_new(
    uow: UnitOfWork, *, report: NewReport, channel: str, external_id: str | None, actor: str, via: str,
    request_hash: str | None, contact: int | None,
) -> Opened:
    s = uow.session
    now = utcnow()
    # Nothing is flushed before the case is routed and moved: one flush then INSERTs the ticket (a
    # reference already taken fails there, see open_ticket), the raw report, the case with its route
    # and first state (no UPDATE after the INSERT), its history, decision and timers.
    t0 = first_receipt(report, now=now, contact_started_at=contact_start(uow, contact))
    ticket = Ticket(reference=new_reference(), channel=channel, received_at=t0)
    s.add(RawSubmission(channel=channel, external_id=external_id, payload=json.dumps(report.as_payload()),
                        request_hash=request_hash, received_at=now, ticket=ticket))
    case = _new_case(ticket, report, t0)
    s.add(case)
    if report.has_intake_record:
        s.add(intake_record(case, report, contact=contact, t0=t0, actor=actor))
    with s.no_autoflush:  # the case is INSERTed once, routed (a directory miss reads the database)
        decision = route_case(uow, case, location=report.location, category=report.category,
                              immediate_danger=case.urgency == "emergency", now=now, home=report.child_home,
                              chosen=report.commune_code, decided_by=actor if report.commune_code else "system")
    trigger = "assign" if case.team_id is not None else "hold_for_routing"
    transition(uow, case, trigger, actor=actor, via=via, now=now, reason=None, facts={"actor_role": SYSTEM})
    if decision.status == "to_supervisor":
        tell_supervisors(uow, case, what="chua co nhom xa / no commune team", now=now)
    contact_became_case(uow, case, contact=contact, channel=channel, reporter_phone=report.reporter_phone,
                        actor=actor, now=now)
    for home_commune, phone in home_team_phones(uow, decision):
        message(uow, case, to=phone, purpose="informed", now=now,
                body=informed_sms(reference=case.reference, where=case.commune_name or "?", home=home_commune))
    return Opened(reference=case.reference, state=case.state, created=True)


def apply(
    uow: UnitOfWork, *, reference: str, trigger: str, actor: str, via: str,
    reason: str | None = None, allowed: Callable[[Case], bool] | None = None,
    facts: Facts | None = None, actor_role: str | None = None,
) -> Case:
    """Fire one trigger on a case (acknowledge, decline, report_assessment, approve_plan, ...).

    `facts` is the trigger's validated model (workflows.case.facts), never free keywords; `actor_role`
    comes from the caller's identity. `allowed` is the caller's access rule, checked on the locked
    row in the same transaction.
    """
    given = facts if facts is not None else Facts()
    if type(given) not in (facts_model(trigger), Facts):
        raise TypeError(f"{type(given).__name__} are not the facts of {trigger!r}")
    guard_facts = given.as_guard_facts()
    if actor_role is not None:
        guard_facts["actor_role"] = actor_role
    with uow:
        case = lock_case(uow, reference, allowed=allowed)
        transition(uow, case, trigger, actor=actor, via=via, now=utcnow(), reason=reason, facts=guard_facts)
        uow.commit()
        return case


def lock_case(uow: UnitOfWork, reference: str, *, allowed: Callable[[Case], bool] | None = None) -> Case:
    s = uow.session
    stmt = select(Case).where(Case.reference == normalise_reference(reference))
    # populate_existing: a case this transaction read before the lock (an SMS reply's code, a link's row)
    # is refreshed from the locked row; without it, the state read before another answer committed is
    # what the trigger would fire from (two acknowledgements, a reply undoing a hand-over).
    case = s.execute(for_update(s, stmt).execution_options(populate_existing=True)).scalar_one_or_none()
    if case is None:
        raise missing_case(reference)
    if allowed is not None and not allowed(case):
        raise HiddenCase(reference, case_id=case.id)  # like a missing case; the front door audits it
    return case


def transition(
    uow: UnitOfWork, case: Case, trigger: str, *, actor: str, via: str, now: datetime,
    reason: str | None, facts: Mapping[str, Any] | None = None,
) -> Transition:
    given = dict(facts or {})
    if trigger == "extend_separation":
        _within_separation_limit(case, given)
    step = fire(case, trigger, actor=actor, via=via, reason=reason, **given)
    if given.get("actor_role") == VICE_CHAIR and CHAIR in WHO.get(trigger, ()):
        given["acting_for"] = CHAIR  # "KT. Chủ tịch": the vice chair signs for the chair, and it is kept so
    _apply_facts(case, trigger, given)
    record(case, event=trigger, actor=actor, via=via, now=now, reason=reason,
           from_state=step.source, to_state=step.dest, facts=_kept_facts(given))
    keep_form(uow, case, trigger=trigger, from_state=step.source, to_state=step.dest, facts=given, reason=reason,
              actor=actor, via=via, now=now)
    if trigger == "wrong_commune":
        back_to_routing(uow, case, actor=actor, reason=reason, now=now)
    _referrals_of_plan(uow, case, trigger, given, actor=actor, via=via, now=now)
    if step.source != step.dest or trigger == "extend_separation":
        _move_clocks(uow, case, now=now)
    if step.dest == "assigned":
        assignment.notify_assignee(uow, case, now=now, escalated=False)
        _tell_police_of_crime(uow, case, now=now)
    if trigger == "approve_plan":
        _send_plan(uow, case, now=now)
    return step


def _referrals_of_plan(uow: UnitOfWork, case: Case, trigger: str, facts: dict[str, Any], *, actor: str, via: str,
                       now: datetime) -> None:
    """Issue 19: a drafted plan's agencies come from the directory; its approval sends their referrals."""
    if trigger == "draft_plan" and facts.get("services"):
        check_plan_lines(uow, DraftPlan.model_validate(
            {k: v for k, v in facts.items() if k in ("plan", "services")}).services)
    if trigger == "approve_plan":
        refer_plan(uow, case, actor=actor, via=via, now=now)


def _send_plan(uow: UnitOfWork, case: Case, *, now: datetime) -> None:
    """The approved plan goes to those who carry it out (NĐ 56 Art. 28(5)): each member of the team a plan line
    names gets an SMS with their part (count, dates; no identity), and the case records who was sent it."""
    drafts = [h.facts for h in case.history if h.event == "draft_plan" and h.facts]
    services = drafts[-1].get("services") or [] if drafts else []
    team = cached_team(uow.session, case.commune_code) if case.commune_code else None
    members = [{"phone": c.phone, "role": c.role} for c in team.contacts] if team else recipients(case)
    sent = plan_carriers.shares(services, members)
    for share in sent:
        message(uow, case, to=share.phone, purpose="plan", now=now,
                body=plan_sms(reference=case.reference, lines=share.lines, starts_on=share.starts_on,
                              ends_on=share.ends_on))
    record(case, event="plan_sent", actor="system", via="system", now=now,
           reason=f"{len(sent)} người nhận kế hoạch / sent to {len(sent)}",
           facts={"to_roles": [s.role for s in sent], "lines": [s.lines for s in sent]})


CRIMES = frozenset({"sexual_abuse", "trafficking", "violence"})


def _tell_police_of_crime(uow: UnitOfWork, case: Case, *, now: datetime) -> None:
    """A reported crime goes to the commune police with the assignment (NĐ 56 Art. 25(3), 31(3)a)."""
    if case.category not in CRIMES:
        return
    holder = assignment.current_recipient(case)
    for person in recipients(case):
        phone = str(person.get("phone") or "")
        if person.get("role") == "commune_police" and phone and (holder is None or str(holder["phone"]) != phone):
            message(uow, case, to=phone, purpose="police", now=now,
                    body=crime_report_sms(reference=case.reference, where=case.commune_name or "?"))


def _within_separation_limit(case: Case, facts: Mapping[str, Any]) -> None:
    """A separation is extended within its 15 days from the day it started (NĐ 56 Art. 32(3))."""
    starts = [h.facts.get("starts_on") for h in case.history if h.event == "separate" and h.facts]
    ends_on = facts.get("ends_on")
    if not starts or not starts[-1] or not ends_on:
        return
    if date.fromisoformat(str(ends_on)) - date.fromisoformat(str(starts[-1])) > timedelta(days=SEPARATION_DAYS):
        raise InvalidInput(f"Thời hạn cách ly tối đa {SEPARATION_DAYS} ngày kể từ ngày bắt đầu ({starts[-1]})",
                           f"A separation lasts at most {SEPARATION_DAYS} days from its start ({starts[-1]})",
                           field="ends_on")


def in_emergency(case: Case) -> bool:
    """A case that needs emergency protection (NĐ 56 Art. 31(1)): reported as one, found so at the initial
    assessment (emergency intervention needed, or a parent or caregiver is the abuser), or protected so."""
    if case.urgency == "emergency":
        return True
    for h in case.history:
        if h.event == "start_emergency":
            return True
        if h.event == "report_assessment" and h.facts and (
                h.facts.get("emergency_needed") or h.facts.get("abuser_is_caregiver")):
            return True
    return False


def _kept_facts(facts: dict[str, Any]) -> dict[str, Any] | None:
    """What was said with a move (a plan, a decision), kept encrypted in the history; the role is the token's."""
    kept = {k: v for k, v in facts.items() if k not in ("actor_role", "contact_phone")}
    return kept or None


def _apply_facts(case: Case, trigger: str, facts: dict[str, Any]) -> None:
    if trigger == "report_assessment" and facts.get("risk_level"):
        case.risk_level = str(facts["risk_level"])
    if trigger == "decline" and assignment.decline_moves_on(case, facts):
        case.assignee_order += 1  # the next contact in the chain is asked on re-routing


def _move_clocks(uow: UnitOfWork, case: Case, *, now: datetime) -> None:
    """Cancel the clocks the new state no longer keeps; arm those it starts (a running one goes on)."""
    policy = active_policy()
    wanted = policy.clocks_for(case.state, urgency=case.urgency, risk_level=case.risk_level,
                               emergency=in_emergency(case))
    if case.state not in TERMINAL and not wanted:  # `hotline policy check` refuses such a policy
        raise RuntimeError(f"no clock would run for case {case.reference} in state {case.state}")
    renewed = {"separation_review"} if case.state == "separated" and _extended_now(case) else set()
    cancel_open(uow.session, case, now=now, keep=[c for c in wanted if c not in renewed])
    running = {t.clock for t in case.timers if t.fired_at is None and t.cancelled_at is None}
    breached = {t.clock for t in case.timers if t.fired_at is not None and t.kind == "deadline"}
    timers = []
    for clock in wanted:
        counts_from = policy.counts_from(clock)
        once = counts_from in ("received", "first_armed")
        if clock in running or (once and clock in breached):  # a legal clock from T0 breaches once
            continue
        start = case.received_at if counts_from == "received" else now
        if counts_from == "first_armed":  # the 5 working days start once (Art. 28(1)): a new draft goes on
            first = [t.created_at for t in case.timers if t.clock == clock and t.kind == "deadline"]
            start = min(first) if first else now
        if clock in renewed:
            start = _separation_end_start(case, policy, now)
        timers += arm(uow.session, case, clock, policy=policy, start=start, now=now)
    wake_up_after_commit(uow, timers)


def _extended_now(case: Case) -> bool:
    return bool(case.history) and case.history[-1].event == "extend_separation"


def _separation_end_start(case: Case, policy: Any, now: datetime) -> datetime:
    """The re-assessment of an extended separation falls due on its new last day: the clock is armed so
    that its span ends then (never later than the 15 days of the law, checked by the extension)."""
    ends_on = case.history[-1].facts.get("ends_on") if case.history[-1].facts else None
    if not ends_on:
        return now
    span = policy.deadline("separation_review", urgency=case.urgency, province_code=case.province_code,
                           start=now) - now
    end = datetime.combine(date.fromisoformat(str(ends_on)), time(17, 0), tzinfo=VIETNAM)
    return as_utc(end) - span


def contact_start(uow: UnitOfWork, contact: int | None) -> datetime | None:
    """When the contact a case is opened from began (its call's start, its first message)."""
    if contact is None:
        return None
    return uow.session.execute(select(IntakeContact.started_at).where(IntakeContact.id == contact)).scalar_one_or_none()


def _first_answer(
    uow: UnitOfWork, *, channel: str, external_id: str | None, request_hash: str | None
) -> Opened | None:
    if external_id is None:
        return None
    s = uow.session
    row = s.execute(select(RawSubmission).where(
        RawSubmission.channel == channel, RawSubmission.external_id == external_id)).scalar_one_or_none()
    if row is None or row.ticket_id is None:
        return None
    if request_hash is not None and row.request_hash is not None and row.request_hash != request_hash:
        raise KeyReused(
            "Idempotency-Key này đã dùng cho một báo cáo khác; mỗi báo cáo cần một khóa riêng.",
            "This Idempotency-Key was already used for a different report; use a new key for each report.",
            field="Idempotency-Key")
    case = s.execute(select(Case).where(Case.ticket_id == row.ticket_id)).scalar_one()
    return Opened(reference=case.reference, state=case.state, created=False)


def _new_case(ticket: Ticket, report: NewReport, now: datetime) -> Case:
    phone = report.reporter_phone
    return Case(
        reference=ticket.reference, ticket=ticket, channel=ticket.channel, state="received", urgency=report.urgency,
        category=report.category, immediate_danger=report.immediate_danger, received_at=now,  # now: T0
        description=report.description, location_text=report.location, child_name=report.child_name,
        child_age=None if report.child_age is None else str(report.child_age), child_sex=report.child_sex,
        reporter_name=report.reporter_name, reporter_phone=phone,
        reporter_phone_index=blind_index(phone) if phone else None,
        consent_to_contact=report.consent_to_contact,
        history=[], timers=[], decisions=[],  # a new case has none: no lazy load to find that out
    )


def reroute(
    uow: UnitOfWork, *, reference: str, commune_code: str, reason: str, operator: str, via: str = "ui",
    allowed: Callable[[Case], bool] | None = None, actor_role: str | None = None,
) -> Case:
    """An operator sends the case to a commune's team (from 'needs routing', or away from a team)."""
    with uow:
        case = lock_case(uow, reference, allowed=allowed)
        if case.state not in (*ROUTABLE, "assigned"):
            raise Conflict(f"Ca đang ở bước {case.state}, không chuyển được", f"Cannot re-route in state {case.state}")
        decision = operator_decision(uow, case, commune_code=commune_code, reason=reason, operator=operator)
        now = utcnow()
        keep(uow, case, decision, decided_by=operator, now=now)
        record(case, event="rerouted", actor=operator, via=via, now=now, reason=reason)
        if case.state == "assigned":  # a new team: its own acknowledgement clock and SMS
            policy = active_policy()  # the legal clocks from T0 (and their ladders) run on whatever the team
            cancel_open(uow.session, case, now=now,
                        keep=[c for c in policy.clocks if policy.counts_from(c) == "received"])
            _move_clocks(uow, case, now=now)
            assignment.notify_assignee(uow, case, now=now, escalated=False)
        else:
            transition(uow, case, "assign", actor=operator, via=via, now=now, reason=reason,
                       facts={"actor_role": actor_role})
        uow.commit()
        return case


URGENCIES = ("emergency", "high", "normal")


def change_urgency(
    uow: UnitOfWork, *, reference: str, urgency: str, reason: str, actor: str, via: str = "ui",
    allowed: Callable[[Case], bool] | None = None,
) -> Case:
    """An operator raises or lowers a case's urgency, with a reason; its clocks follow the new urgency.

    The clocks the case's state keeps are armed again for the new urgency from now; a legal clock
    counted from T0 that is running goes on, one the new urgency adds is armed from T0, one it drops
    is cancelled; a legal clock already breached is not armed again.
    """
    if urgency not in URGENCIES:
        raise InvalidInput(f"Mức khẩn cấp không hợp lệ: {urgency}", f"Unknown urgency {urgency!r}", field="urgency")
    if not reason.strip():
        raise InvalidInput("Cần ghi lý do thay đổi mức khẩn cấp", "A reason is required", field="reason")
    with uow:
        case = lock_case(uow, reference, allowed=allowed)
        if case.urgency == urgency:
            uow.commit()
            return case
        now = utcnow()
        record(case, event="urgency_changed", actor=actor, via=via, now=now, reason=reason.strip(),
               facts={"from": case.urgency, "to": urgency})
        case.urgency = urgency
        policy = active_policy()  # a legal clock from T0 (and its ladder) runs on; the others follow the urgency
        legal = [c for c in policy.clocks if policy.counts_from(c) == "received"]
        cancel_open(uow.session, case, now=now, keep=legal)
        _move_clocks(uow, case, now=now)
        uow.commit()
        return case
