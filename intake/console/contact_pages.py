"""A contact at the desk (`/lien-he/{reference}`): take it, fill Form 01 and open its case, join it to an
existing case (a duplicate), or close it with a non-case outcome. Every POST checks the session's CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import HotlineError
from intake.console.common import (
    desk_session,
    expired,
    form_session,
    lang_of,
    not_found,
    page,
    principal,
    refused,
    suffix,
    to_sign_in,
)
from intake.console.texts import console_texts
from intake.people.sessions import Session
from intake.people.web import current_session
from intake.web.forms import PostedForm
from workflows.access.audit import place_of
from workflows.access.policy import may_view_case
from workflows.case.form01 import read_form01
from workflows.case.models import Case
from workflows.case.taxonomy import load as taxonomy
from workflows.casework.desk import HiddenContact, callback_unanswered, take_contact, visible_contact
from workflows.casework.replies import reply_in_conversation
from workflows.casework.service import open_ticket
from workflows.casework.transfers import transfer_call, transfers_of
from workflows.contacts.lines import configured_lines
from workflows.contacts.models import CallbackTask, IntakeContact
from workflows.contacts.recordings import listen, recordings_of
from workflows.contacts.saved_replies import saved_replies
from workflows.contacts.service import HistoryItem, caller_history, close_contact, merge_into_case

router = APIRouter(include_in_schema=False)
REF = Annotated[str, Form(max_length=40)]
CSRF = Annotated[str, Form(max_length=200)]


def _contact_page(
    request: Request, session: Session, reference: str, *, status: int = 200, values: dict[str, str] | None = None,
    special: list[str] | None = None, errors: dict[str, tuple[str, str]] | None = None, message: str | None = None,
) -> Response:
    with UnitOfWork() as uow:
        try:
            contact = visible_contact(uow, reference=reference, who=principal(session))
        except HiddenContact as hidden:
            return refused(request, session, kind="contact", object_id=hidden.contact_id, action="view")
        except HotlineError:
            return not_found(request, session)
        history = _history(uow, contact)
        callback = uow.session.query(CallbackTask).filter(CallbackTask.contact_id == contact.id).one_or_none()
        case_ref = _case_reference(uow, contact)
        lang = lang_of(request)
        shown_errors = {k: (v[1] if lang == "en" else v[0]) for k, v in (errors or {}).items()}
        return page(request, "console/contact.html", session=session, status=status, contact=contact,
                    messages=list(contact.messages), history=history, callback=callback, case_ref=case_ref,
                    values=values or {}, special=special or [], errors=shown_errors, message=message,
                    now=utcnow(), saved=saved_replies(), **call_extras(uow, contact))


def call_extras(uow: UnitOfWork, contact: IntakeContact) -> dict[str, object]:
    """What a call's page shows besides Form 01: its transfers (and the commune officers to hand it to)."""
    if contact.channel != "voice":
        return {}
    return {"transfers": transfers_of(uow, contact.id), "lines": list(configured_lines().values()),
            "recordings": recordings_of(uow, contact.id)}


def _history(uow: UnitOfWork, contact: IntakeContact) -> list[HistoryItem]:
    """The caller's earlier contacts and cases on this contact's line (another line's are not ours to show)."""
    earlier = [h for h in caller_history(uow, index=contact.caller_index) if h.reference != contact.reference]
    refs = [h.reference for h in earlier]
    ours = set(uow.session.execute(select(IntakeContact.reference).where(
        IntakeContact.reference.in_(refs), IntakeContact.line == contact.line)).scalars()) if refs else set()
    return [h for h in earlier if h.reference in ours]


def _case_reference(uow: UnitOfWork, contact: IntakeContact) -> str | None:
    if contact.case_id is None:
        return None
    case = uow.session.get(Case, contact.case_id)
    return case.reference if case else None


@router.get("/lien-he/{reference}")
def contact_page(request: Request, reference: str) -> Response:
    session = desk_session(request)
    if session is None:
        someone = current_session(request)
        return to_sign_in(request) if someone is None else not_found(request, someone)
    return _contact_page(request, session, reference)


@router.post("/lien-he/{reference}/goi-lai-khong-duoc")
def callback_unanswered_(request: Request, reference: str, csrf_token: CSRF = "") -> Response:
    session = form_session(request, csrf_token)
    if session is None:
        return expired(request)
    try:
        callback_unanswered(UnitOfWork(), reference=reference, who=principal(session), now=utcnow())
    except HiddenContact as hidden:
        return refused(request, session, kind="contact", object_id=hidden.contact_id, action="callback")
    except HotlineError as problem:
        if problem.status == 404:
            return not_found(request, session)
        return _contact_page(request, session, reference, status=409, message=_say(request, problem))
    return RedirectResponse(f"/ban-tiep-nhan{suffix(lang_of(request))}", status_code=303)


@router.post("/lien-he/{reference}/tra-loi")
def reply(
    request: Request, reference: str, text: Annotated[str, Form(max_length=2000)] = "",
    saved: Annotated[str, Form(max_length=40)] = "", csrf_token: CSRF = "",
) -> Response:
    """The operator answers the public in this SMS or Zalo conversation (typed, or a saved reply)."""
    session = form_session(request, csrf_token)
    if session is None:
        return expired(request)
    try:
        reply_in_conversation(UnitOfWork(), reference=reference, who=principal(session), text=text,
                              saved=saved or None, now=utcnow())
    except HiddenContact as hidden:
        return refused(request, session, kind="contact", object_id=hidden.contact_id, action="reply")
    except HotlineError as problem:
        if problem.status == 404:
            return not_found(request, session)
        return _contact_page(request, session, reference, status=problem.status, values={"reply_text": text},
                             message=_say(request, problem))
    return RedirectResponse(f"/lien-he/{reference}{suffix(lang_of(request))}#messages", status_code=303)


@router.get("/lien-he/{reference}/ghi-am/{recording_id}")
def listen_recording(request: Request, reference: str, recording_id: int) -> Response:
    """A call's recording: the listen is written down (who, when) before the browser is sent to it."""
    session = desk_session(request)
    if session is None:
        someone = current_session(request)
        return to_sign_in(request) if someone is None else not_found(request, someone)
    contact = _guard(request, session, reference, "listen")
    if not isinstance(contact, IntakeContact):
        return contact
    try:
        url = listen(UnitOfWork(), contact_id=contact.id, recording_id=recording_id, username=session.user.username,
                     now=utcnow())
    except HotlineError:
        return not_found(request, session)
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/lien-he/{reference}/chuyen-cuoc-goi")
def transfer(
    request: Request, reference: str, target: Annotated[str, Form(max_length=20)] = "",
    number: Annotated[str, Form(max_length=40)] = "", mode: Annotated[str, Form(max_length=20)] = "",
    csrf_token: CSRF = "",
) -> Response:
    """Hand the live call over (warm) or join it in a conference: 113, 115, a commune officer, a province line."""
    session = form_session(request, csrf_token)
    if session is None:
        return expired(request)
    try:
        transfer_call(UnitOfWork(), reference=reference, who=principal(session), target=target, number=number,
                      mode=mode, now=utcnow())
    except HiddenContact as hidden:
        return refused(request, session, kind="contact", object_id=hidden.contact_id, action="transfer")
    except HotlineError as problem:
        if problem.status == 404:
            return not_found(request, session)
        return _contact_page(request, session, reference, status=problem.status,
                             values={"transfer_number": number}, message=_say(request, problem))
    return RedirectResponse(f"/lien-he/{reference}{suffix(lang_of(request))}#transfers", status_code=303)


@router.post("/lien-he/{reference}/nhan")
def take(request: Request, reference: str, csrf_token: CSRF = "") -> Response:
    session = form_session(request, csrf_token)
    if session is None:
        return expired(request)
    try:
        take_contact(UnitOfWork(), reference=reference, who=principal(session), now=utcnow())
    except HiddenContact as hidden:
        return refused(request, session, kind="contact", object_id=hidden.contact_id, action="take")
    except HotlineError as problem:
        if problem.status == 404:
            return not_found(request, session)
        return _contact_page(request, session, reference, status=409, message=_say(request, problem))
    return RedirectResponse(f"/lien-he/{reference}{suffix(lang_of(request))}", status_code=303)


def _say(request: Request, problem: HotlineError) -> str:
    return problem.text(lang_of(request))


def _guard(request: Request, session: Session, reference: str, action: str) -> IntakeContact | Response:
    with UnitOfWork() as uow:
        try:
            return visible_contact(uow, reference=reference, who=principal(session))
        except HiddenContact as hidden:
            return refused(request, session, kind="contact", object_id=hidden.contact_id, action=action)
        except HotlineError:
            return not_found(request, session)


@router.post("/lien-he/{reference}/mo-ca")
def open_case(request: Request, reference: str, form: PostedForm) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "special"}
    special = [v for v in form.getlist("special") if isinstance(v, str)]
    session = form_session(request, values.get("csrf_token", ""))
    if session is None:
        return expired(request)
    contact = _guard(request, session, reference, "open_case")
    if not isinstance(contact, IntakeContact):
        return contact
    read = read_form01(values, special, now=utcnow(), operator=session.user.username)
    if read.report is None:
        return _contact_page(request, session, reference, status=422, values=values, special=special,
                             errors=read.errors, message=None)
    try:
        opened = open_ticket(UnitOfWork(), report=read.report, channel=contact.channel, actor=session.user.username,
                             via="ui", contact=contact.id)
    except HotlineError as problem:
        return _contact_page(request, session, reference, status=409 if problem.status == 409 else 422,
                             values=values, special=special, message=_say(request, problem))
    return RedirectResponse(f"/ca/{opened.reference}{suffix(lang_of(request))}", status_code=303)


@router.post("/lien-he/{reference}/gop")
def join_case(request: Request, reference: str, case_reference: REF = "", csrf_token: CSRF = "") -> Response:
    session = form_session(request, csrf_token)
    if session is None:
        return expired(request)
    contact = _guard(request, session, reference, "merge")
    if not isinstance(contact, IntakeContact):
        return contact
    try:
        case = merge_into_case(UnitOfWork(), contact=contact.id, case_reference=case_reference.strip(),
                               actor=session.user.username, now=utcnow(), allowed=_sees(session))
    except HotlineError as problem:
        return _contact_page(request, session, reference, status=problem.status, message=_say(request, problem))
    return RedirectResponse(f"/ca/{case.reference}{suffix(lang_of(request))}", status_code=303)


def _sees(session: Session) -> Callable[[Case], bool]:
    who = principal(session)
    return lambda case: may_view_case(who, place_of(case))


@router.post("/lien-he/{reference}/ket-thuc")
def close(
    request: Request, reference: str, outcome: Annotated[str, Form(max_length=20)] = "",
    topic: Annotated[str, Form(max_length=40)] = "", csrf_token: CSRF = "",
    reason: Annotated[str, Form(max_length=1000)] = "", confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    session = form_session(request, csrf_token)
    if session is None:
        return expired(request)
    contact = _guard(request, session, reference, "close")
    if not isinstance(contact, IntakeContact):
        return contact
    t_topic = topic.strip() or None
    if outcome == "counselling" and t_topic not in taxonomy().codes("counselling_topics"):
        return _contact_page(request, session, reference, status=422,
                             message=console_texts(lang_of(request))["topic_needed"])
    try:
        close_contact(UnitOfWork(), contact=contact.id, outcome=outcome, actor=session.user.username, now=utcnow(),
                      topic=t_topic if outcome == "counselling" else None, reason=reason, confirmed=bool(confirm))
    except HotlineError as problem:
        return _contact_page(request, session, reference, status=problem.status, message=_say(request, problem))
    return RedirectResponse(f"/ban-tiep-nhan{suffix(lang_of(request))}", status_code=303)
