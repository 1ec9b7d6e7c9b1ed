"""The intake desk (`/ban-tiep-nhan`): the live queue, its event stream, and commune suggestions.

The stream (`/ban-tiep-nhan/su-kien`, text/event-stream, intake.web.live) re-reads the queue about once a
second (once for all the streams of a line) and sends the queue's HTML only when it changed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import HotlineError, InvalidInput
from intake.console.common import (
    at_local,
    desk_session,
    expired,
    form_session,
    fragment,
    lang_of,
    not_found,
    page,
    suffix,
    to_sign_in,
)
from intake.console.texts import console_texts
from intake.people.sessions import Session
from intake.people.web import current_session
from intake.web.live import POLL_SECONDS, SharedReads, event_stream, sse
from intake.web.templating import render
from routing.directory import load_team
from routing.locate import locate
from workflows.casework.desk import DeskQueue, desk_queue
from workflows.contacts.models import DutyOperator
from workflows.contacts.presence import set_presence

router = APIRouter(include_in_schema=False)
__all__ = ["router", "sse"]


def _queue(line: str) -> DeskQueue:
    with UnitOfWork() as uow:
        return desk_queue(uow, line=line, now=utcnow())


def queue_html(lang: str, line: str, csrf: str) -> str:
    queue = _queue(line)
    page_ = render("console/_queue.html", lang=lang, t=console_texts(lang), queue=queue, now=utcnow(),
                   at_local=at_local, suffix=suffix(lang), csrf=csrf)
    return bytes(page_.body).decode()


_shared: SharedReads[str] = SharedReads(max_age=POLL_SECONDS * 0.9)


def shared_queue_html(lang: str, line: str, *, fresh: bool = False) -> str:
    """The queue as every watcher of a line sees it, read at most once per poll whatever the number of
    streams. Without the session's CSRF token: the page's script puts it into the forms. A new stream
    reads `fresh`, so it never replaces the page it serves with an older queue."""
    return _shared.get((lang, line), lambda: queue_html(lang, line, ""), fresh=fresh)


@router.get("/ban-tiep-nhan")
def desk(request: Request) -> Response:
    session = desk_session(request)
    if session is None:
        someone = current_session(request)
        return to_sign_in(request) if someone is None else not_found(request, someone)
    return _desk_page(request, session)


def _desk_page(request: Request, session: Session, *, status: int = 200, message: str | None = None) -> Response:
    line = session.user.line or ""
    with UnitOfWork() as uow:
        me = uow.session.execute(select(DutyOperator).where(
            DutyOperator.line == line, DutyOperator.username == session.user.username)).scalars().first()
    return page(request, "console/desk.html", session=session, status=status, queue=_queue(line), now=utcnow(),
                me=me, message=message)


@router.post("/ban-tiep-nhan/trang-thai")
def presence(
    request: Request, presence: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The operator says whether they are free: available, on a call, wrapping up, away."""
    session = form_session(request, csrf_token)
    if session is None:
        return expired(request)
    try:
        set_presence(UnitOfWork(), line=session.user.line or "", username=session.user.username, presence=presence,
                     now=utcnow())
    except HotlineError as problem:
        return _desk_page(request, session, status=problem.status, message=problem.text(lang_of(request)))
    return RedirectResponse(f"/ban-tiep-nhan{suffix(lang_of(request))}", status_code=303)


@router.get("/ban-tiep-nhan/su-kien")
async def desk_events(request: Request) -> Response:
    session = await run_in_threadpool(desk_session, request)
    if session is None:
        return Response(status_code=404)  # EventSource gives up on a 404; the page's own check signs in
    lang, line = lang_of(request), session.user.line or ""
    return event_stream(request, lambda fresh: shared_queue_html(lang, line, fresh=fresh), event="queue")


@router.get("/ban-tiep-nhan/goi-y-xa")
def commune_suggestions(
    request: Request, q: Annotated[str | None, Query(max_length=500)] = None,
    location: Annotated[str | None, Query(max_length=500)] = None,
    commune_code: Annotated[str | None, Query(max_length=5)] = None,
) -> Response:
    """The routing finder's candidates for what the operator typed, with their reasons (an HTML fragment)."""
    if desk_session(request) is None:
        return Response(status_code=404)
    text = (q if q is not None else location or "").strip()
    try:
        candidates = locate(text) if text else []
    except InvalidInput:
        candidates = []
    with UnitOfWork() as uow:
        teams = {c.commune_code: load_team(uow.session, c.commune_code) is not None for c in candidates}
    return fragment(request, "console/_suggestions.html", candidates=candidates, teams=teams, text=text,
                    chosen=commune_code)
