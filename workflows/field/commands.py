"""An officer's answer, from any channel, applied to a case: one place for SMS, keypress and link.

Every inbound SMS adapter (Twilio, Jasmin) calls `handle_command`; the voice webhook calls
`handle_keypress`; the link page calls `act` through `workflows.field.links`. Rules, whatever the channel:

- only a member of the case's assigned team (directory contact with that phone) may act;
- a repeat answers "already recorded" and changes nothing; a closed case says so;
- commands map to workflow triggers (see `act`); the state machine decides what is allowed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import HotlineError, NotFound
from core.ids import normalise_reference
from notifier.answer_texts import Outcome
from routing.roster import normalize_phone
from workflows.case.effects import record, reply
from workflows.case.machine import CHAIR, MEMBER, OFFICER, POLICE, SUPERVISOR, SYSTEM, TERMINAL, VICE_CHAIR
from workflows.case.models import Case, RawSubmission
from workflows.casework.service import lock_case, transition
from workflows.field.command_text import Command, parse_command
from workflows.field.referral_answers import is_referral_command, referral_sms_answer
from workflows.team.actors import actor_for_phone
from workflows.team.answer_keys import case_for_code, team_member
from workflows.team.assignment import decline_moves_on

VOICE_DECLINE_REASON = "từ chối qua điện thoại"
REPEAT_WINDOW = timedelta(hours=1)
KEYPRESS: dict[str, str] = {"1": "acknowledge", "2": "decline", "3": "wrong_commune"}
# Where a trigger leaves the case: a later command that would do it again is a repeat.
_DONE_STATES: dict[str, frozenset[str]] = {
    "acknowledge": frozenset({"acknowledged", "assessed", "emergency_protection", "separated", "detailed_assessment",
                              "plan_drafted", "intervening", "reviewing", "closure_requested"}),
    "wrong_commune": frozenset({"needs_routing"}),
    "assessed": frozenset({"assessed", "emergency_protection", "separated", "detailed_assessment", "plan_drafted",
                           "intervening", "reviewing", "closure_requested"}),
    "emergency": frozenset({"emergency_protection", "separated"}),
    "done": frozenset({"closure_requested"}),
}


def handle_command(
    uow: UnitOfWork, *, channel: str, external_id: str, from_phone: str, text: str, answer_by_sms: bool = False,
) -> str:
    """Apply one inbound SMS once; the answer is one SMS. A retried webhook gets the first answer again.

    With `answer_by_sms` (Jasmin, which cannot answer in its webhook's response) the answer goes out
    through the outbox in the same transaction, so a retried webhook sends nothing twice.
    """
    def answer() -> str:
        command = parse_command(text)
        if is_referral_command(command):  # an agency answering a referral (GT...), not a case
            return referral_sms_answer(uow, command, phone=normalize_phone(from_phone) or from_phone, now=utcnow())
        return _sms_answer(uow, from_phone=from_phone, text=text).sms()

    def send_back(text_out: str) -> None:
        reply(uow, to=from_phone, body=text_out, now=utcnow())

    return _once(uow, channel=f"reply_{channel}", external_id=external_id, body=text, answer=answer,
                 then=send_back if answer_by_sms else None)


def handle_keypress(uow: UnitOfWork, *, call_sid: str, digits: str, to_phone: str, reference: str) -> Outcome:
    """A digit pressed on an escalation call (1 accept, 2 decline, 3 wrong commune). Once per CallSid+digit."""
    def answer() -> str:
        phone = normalize_phone(to_phone) or to_phone
        case = lock_case(uow, reference)
        outcome = act(uow, case, phone=phone, command=Command(KEYPRESS[digits], reason=VOICE_DECLINE_REASON),
                      via="voice", now=utcnow())
        return json.dumps({"kind": outcome.kind, "ref": outcome.ref, "done": outcome.done, "params": outcome.params})

    stored = _once(uow, channel="reply_voice", external_id=f"{call_sid}:{digits}", body=digits, answer=answer)
    data = json.loads(stored)
    return Outcome(data["kind"], data["ref"], data["done"], data["params"])


def _once(
    uow: UnitOfWork, *, channel: str, external_id: str, body: str, answer: Callable[[], str],
    then: Callable[[str], None] | None = None,
) -> str:
    channel = channel[:20]
    with uow:
        first = _first_answer(uow, channel, external_id)
        if first is not None:
            return first
        try:
            text = answer()
            uow.session.add(RawSubmission(channel=channel, external_id=external_id, received_at=utcnow(),
                                          payload=json.dumps({"body": body, "answer": text})))
            if then is not None:
                then(text)
            uow.commit()
            return text
        except IntegrityError:  # the same retry at the same moment: the one that committed answers
            uow.rollback()
            again = _first_answer(uow, channel, external_id)
            if again is None:
                raise
            return again


def _first_answer(uow: UnitOfWork, channel: str, external_id: str) -> str | None:
    seen = uow.session.execute(select(RawSubmission).where(
        RawSubmission.channel == channel, RawSubmission.external_id == external_id)).scalar_one_or_none()
    return None if seen is None else str(json.loads(seen.payload)["answer"])


def _sms_answer(uow: UnitOfWork, *, from_phone: str, text: str) -> Outcome:
    command = parse_command(text)
    if command.kind == "help":
        return Outcome("help")
    if command.kind == "unknown":
        return Outcome("unknown")
    phone = normalize_phone(from_phone) or from_phone
    now = utcnow()
    case = _case_named(uow, command, phone=phone, now=now)
    if case is None:
        target = command.reference or (str(command.code) if command.code else "")
        return Outcome("no_case", params={"target": target})
    return act(uow, lock_case(uow, case.reference), phone=phone, command=command, via="sms", now=now)


def _case_named(uow: UnitOfWork, command: Command, *, phone: str, now: datetime) -> Case | None:
    if command.reference:
        return uow.session.execute(
            select(Case).where(Case.reference == normalise_reference(command.reference))).scalar_one_or_none()
    return case_for_code(uow.session, phone=phone, code=command.code, now=now)


def act(uow: UnitOfWork, case: Case, *, phone: str, command: Command, via: str, now: datetime) -> Outcome:
    """One command on a locked case by the holder of `phone`; the caller commits."""
    ref = case.reference
    member = team_member(uow.session, case, phone)
    if member is None:
        return Outcome("not_member", ref)
    if case.state in TERMINAL:
        return Outcome("closed", ref)
    named = actor_for_phone(uow, case, phone)  # the roster member by name, never phone digits
    actor = named if named != "sms:unknown" else f"member:{member.id}"
    repeat = _repeat(case, command, actor, now)
    if repeat is not None:
        return repeat
    code = f"{command.code} " if command.code else ""
    if command.kind == "decline" and not command.reason:
        return Outcome("need_reason", ref, params={"code": code})
    if command.kind == "assessed" and not command.risk_level:
        return Outcome("need_risk", ref, params={"code": code})
    if command.kind == "emergency" and not command.measure and case.state in {"assigned", "acknowledged", "assessed"}:
        return Outcome("need_measure", ref, params={"code": code})
    if command.kind == "decline" and case.state == "assigned" and \
            not decline_moves_on(case, {"contact_phone": phone}):
        # Someone else in the chain (the chair, say) objects: kept on the case's record; the holder keeps
        # the case, its clock runs on, and nobody is texted the assignment again.
        record(case, event="decline", actor=actor, via=via, now=now, reason=command.reason)
        return Outcome("decline_noted", ref)
    steps = _steps(case, command, actor=actor, now=now)
    if not steps:
        return Outcome("not_now", ref, params={"state": case.state, "action": command.kind})
    try:  # a refused trigger raises before it changes anything; the caller's rollback drops the rest
        for trigger, kwargs in steps:
            given = dict(kwargs)
            reason = given.pop("reason", None)
            # the phone tells the ladder who declined: only the holder's own decline hands the case on
            transition(uow, case, trigger, actor=actor, via=via, now=now, reason=reason,
                       facts={**given, "contact_phone": phone, "actor_role": _role_for(trigger, member.role)})
    except HotlineError:
        uow.session.rollback()
        return Outcome("not_now", ref, params={"state": case.state, "action": command.kind})
    return _done(case, command)


def _role_for(trigger: str, roster_role: str) -> str:
    # the hand-over to the next contact after a decline is the router's move, not the member's
    return SYSTEM if trigger == "assign" else workflow_role(roster_role)


def workflow_role(roster_role: str) -> str:
    """The workflow role of a commune team member answering by SMS, keypress or link (routing.roles)."""
    return {"child_protection_officer": OFFICER, "commune_chair": CHAIR, "commune_vice_chair": VICE_CHAIR,
            "commune_police": POLICE, "province_supervisor": SUPERVISOR}.get(roster_role, MEMBER)


def _steps(case: Case, command: Command, *, actor: str, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """The triggers a command fires from the case's state; empty when it cannot apply now."""
    ack: list[tuple[str, dict[str, Any]]] = [("acknowledge", {"reason": None})] if case.state == "assigned" else []
    match command.kind:
        case "acknowledge" if case.state == "assigned":
            return ack
        case "decline" if case.state == "assigned":
            return [("decline", {"reason": command.reason}), ("assign", {"reason": "re-route"})]
        case "wrong_commune" if case.state == "assigned":
            return [("wrong_commune", {"reason": command.reason or "sai địa bàn xã"})]
        case "assessed" if case.state in {"assigned", "acknowledged"}:
            return [*ack, ("report_assessment", {"reason": None, "risk_level": command.risk_level})]
        case "emergency" if case.state in {"assigned", "acknowledged", "assessed"}:
            # the measure is what the SMS says was done (Art. 31), taken by the one who texts it, now
            return [*ack, ("start_emergency", {"reason": None, "measure": command.measure or "",
                                               "taken_by": actor, "taken_at": now.isoformat()})]
        case "done" if case.state == "intervening":  # the plan is carried out: review it (Mẫu 06)
            return [("review", {"reason": "xong"})]
        case "done" if case.state == "reviewing":  # reviewed, no further risk: ask for closure
            return [("request_closure", {"reason": "Cán bộ xã báo xong / officer reports done"})]
    return []


def _repeat(case: Case, command: Command, actor: str, now: datetime) -> Outcome | None:
    ref = case.reference
    if command.kind == "decline":
        mine = [h for h in case.history if h.event == "decline" and h.actor == actor]
        if mine and not any(h.event == "rerouted" and h.id > mine[-1].id for h in case.history):
            return Outcome("repeat", ref, params={"state": "declined"})
        return None
    if command.kind == "done" and case.state == "reviewing":
        # XONG sent twice (no answer seen yet) must not also ask for closure: within the hour it is a repeat.
        moves = [h for h in case.history if h.to_state is not None]
        last = moves[-1] if moves else None
        if last is not None and last.event == "review" and last.actor == actor and now - last.at < REPEAT_WINDOW:
            return Outcome("repeat", ref, params={"state": case.state})
        return None
    if case.state not in _DONE_STATES.get(command.kind, frozenset()):
        return None
    if command.kind == "acknowledge":
        by_me = any(h.event == "acknowledge" and h.actor == actor for h in case.history)
        return Outcome("repeat_acknowledged" if by_me else "taken", ref)
    return Outcome("repeat", ref, params={"state": case.state})


def _done(case: Case, command: Command) -> Outcome:
    ref = case.reference
    match command.kind:
        case "acknowledge":
            return Outcome("acknowledged", ref, done=True)
        case "decline":
            return Outcome("declined", ref, done=True)
        case "wrong_commune":
            return Outcome("wrong_commune", ref, done=True)
        case "assessed":
            return Outcome("assessed", ref, done=True, params={"risk": command.risk_level or ""})
        case "emergency":
            return Outcome("emergency", ref, done=True)
    return Outcome(case.state, ref, done=True)  # done: reviewing or closure_requested


def call_facts(uow: UnitOfWork, *, reference: str) -> tuple[str, str, str]:
    """What the call says again on *: reference, commune, urgency (nothing identifying)."""
    with uow:
        case = uow.session.execute(
            select(Case).where(Case.reference == normalise_reference(reference))).scalar_one_or_none()
        if case is None:
            raise NotFound(f"Không tìm thấy ca {reference}", f"No case {reference}", field="case")
        return case.reference, case.commune_name or "", case.urgency
