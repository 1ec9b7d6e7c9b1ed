"""A case at the desk (`/ca/{reference}`): timeline, deadlines, ladders, the SMS, call and message trail;
re-routing, an urgency change (each with a reason) and, for a web report that needs routing, merging it
into the case it duplicates. Reading is audited (workflows.casework.queries.read_case)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import HotlineError
from intake.console.common import (
    at_local,
    expired,
    failed_page,
    form_session,
    lang_of,
    not_found,
    page,
    principal,
    suffix,
    to_sign_in,
)
from intake.console.texts import console_texts
from intake.people.guard import Refused, audited, case_rule
from intake.people.sessions import Session
from intake.people.web import current_session
from intake.web.referral_list import referral_context
from notifier.models import OutboxMessage
from routing import gazetteer
from workflows.access.audit import HiddenCase
from workflows.access.policy import Place, Principal, may_route, may_transition, may_view_identity
from workflows.case.intake_record_models import CaseIntakeRecord
from workflows.case.models import Case
from workflows.casework.desk import merge_report_case
from workflows.casework.queries import read_case
from workflows.casework.service import change_urgency, reroute
from workflows.contacts.models import IntakeContact

router = APIRouter(include_in_schema=False)
CSRF = Annotated[str, Form(max_length=200)]
REASON = Annotated[str, Form(max_length=1000)]


def _extras(reference: str) -> dict[str, Any]:
    """The case's outbox trail, its contacts (with their messages) and its Form 01 record."""
    with UnitOfWork() as uow:
        s = uow.session
        case = s.execute(select(Case).where(Case.reference == reference)).scalar_one()
        trail = s.execute(select(OutboxMessage).where(OutboxMessage.case_id == case.id)
                          .order_by(OutboxMessage.id)).scalars().all()
        contacts = s.execute(select(IntakeContact).where(IntakeContact.case_id == case.id)
                             .order_by(IntakeContact.started_at)).scalars().all()
        messages = {c.reference: list(c.messages) for c in contacts}
        record = s.execute(select(CaseIntakeRecord).where(CaseIntakeRecord.case_id == case.id)).scalar_one_or_none()
        decided_by = case.decisions[-1].decided_by if case.decisions else None
        s.expunge_all()
        return {"trail": trail, "contacts": contacts, "contact_messages": messages, "intake": record,
                "decided_by": decided_by}


def _case_page(request: Request, session: Session, reference: str, *, status: int = 200,
               message: str | None = None) -> Response:
    who = principal(session)
    identity = request.query_params.get("identity") in ("1", "true")
    rule = case_rule(who, also=may_view_identity if identity else None, object_kind="identity" if identity else "case")
    try:
        with audited(who, action="identity" if identity else "view", via="ui"):
            view = read_case(UnitOfWork(), reference=reference, reader=who.user, via="ui", purpose="case_view",
                             may_see=rule, with_identity=identity)
    except (HiddenCase, Refused):
        return not_found(request, session)
    except HotlineError:
        return not_found(request, session)
    routes = may_route(who, _place(view), to_province=view.get("province_code"))
    return page(request, "console/case.html", session=session, status=status, view=_localised(view),
                identity=identity, may_act=may_transition(who, _place(view), "assign"), may_reroute=routes,
                message=message, values={}, errors={}, must_choose=True, **_extras(view["reference"]),
                **_referrals(view["reference"], lang_of(request)))


def _referrals(reference: str, lang: str) -> dict[str, Any]:
    with UnitOfWork() as uow:
        case_id = uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
    return referral_context(case_id, lang)


def _localised(view: dict[str, Any]) -> dict[str, Any]:
    """The view's ISO times as Vietnam time, for people."""
    def show(iso: str | None) -> str:
        return at_local(datetime.fromisoformat(iso)) if iso else "—"

    view["received_at_dt"] = datetime.fromisoformat(view["received_at"])
    for timer in view["timers"]:
        timer["due_local"] = show(timer["due_at"])
    for line in view["history"]:
        line["at_local"] = show(line["at"])
    for ladder in view.get("ladders") or []:
        ladder["deadline_local"], ladder["next_local"] = show(ladder.get("deadline_at")), show(ladder.get("next_at"))
    return view


def _place(view: dict[str, Any]) -> Place:
    return Place(line=view.get("line"), province=view.get("province_code"), commune=view.get("commune_code"))


@router.get("/ca/{reference}")
def case_page(request: Request, reference: str) -> Response:
    session = current_session(request)
    if session is None:
        return to_sign_in(request)
    return _case_page(request, session, reference)


def _done(request: Request, reference: str) -> Response:
    return RedirectResponse(f"/ca/{reference}{suffix(lang_of(request))}", status_code=303)


def _failed(request: Request, session: Session, reference: str, problem: HotlineError) -> Response:
    return failed_page(request, session, problem, lambda status, message: _case_page(
        request, session, reference, status=status, message=message))


@router.post("/ca/{reference}/chuyen")
def route_case(request: Request, reference: str, commune_code: Annotated[str, Form(max_length=10)] = "",
               reason: REASON = "", csrf_token: CSRF = "") -> Response:
    session = form_session(request, csrf_token)
    if session is None:
        return expired(request)
    who = principal(session)
    if not commune_code.strip():
        return _case_page(request, session, reference, status=422,
                          message=console_texts(lang_of(request))["no_commune"])
    target = gazetteer.load().commune(commune_code.strip())
    to_province = target.province_code if target else None
    rule = case_rule(who, also=lambda w, place: may_route(w, place, to_province=to_province))
    try:
        with audited(who, action="route", via="ui"):
            reroute(UnitOfWork(), reference=reference, commune_code=commune_code.strip(), reason=reason,
                    operator=who.user, via="ui", allowed=rule, actor_role=who.role)
    except HotlineError as problem:
        return _failed(request, session, reference, problem)
    return _done(request, reference)


@router.post("/ca/{reference}/muc-khan")
def urgency(request: Request, reference: str, urgency: Annotated[str, Form(max_length=12)] = "",
            reason: REASON = "", csrf_token: CSRF = "") -> Response:
    session = form_session(request, csrf_token)
    if session is None:
        return expired(request)
    who = principal(session)
    rule = case_rule(who, also=lambda w, place: may_transition(w, place, "change_urgency"))
    try:
        with audited(who, action="urgency", via="ui"):
            change_urgency(UnitOfWork(), reference=reference, urgency=urgency, reason=reason, actor=who.user,
                           allowed=rule)
    except HotlineError as problem:
        return _failed(request, session, reference, problem)
    return _done(request, reference)


@router.post("/ca/{reference}/gop")
def merge(request: Request, reference: str, case_reference: Annotated[str, Form(max_length=40)] = "",
          reason: REASON = "", csrf_token: CSRF = "") -> Response:
    session = form_session(request, csrf_token)
    if session is None:
        return expired(request)
    who: Principal = principal(session)
    try:
        with audited(who, action="merge", via="ui"):
            target = merge_report_case(UnitOfWork(), reference=reference, into=case_reference.strip(), who=who,
                                       reason=reason, now=utcnow())
    except HotlineError as problem:
        return _failed(request, session, reference, problem)
    return _done(request, target.reference)
