"""The supervisor board (`/bang-giam-sat`): every breached or soon-due clock of the open cases, live by
server-sent events (intake.web.live, like the intake desk), with its panels; and one page per case to act
on it (`/bang-giam-sat/ca/<ref>`): reassign to another commune team, take it over, escalate now.

Who sees what is `workflows.supervision.board.board_scope`: a province supervisor their province, the hotline's shift
lead every province of the line, an admin everything (reading only). Anything else answers 404 and is
written to the access audit. Filters and sorting are query parameters, so the page works without
JavaScript; the stream re-renders only when the change counter moves (or every 30 s, as time passes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from core.clock import local, utcnow
from core.db import UnitOfWork
from core.errors import HotlineError
from core.ids import normalise_reference
from intake.board.board_texts import board_texts, clock_name
from intake.board.workflow_outline import mermaid_source, outline
from intake.console.common import at_local, failed_page, lang_of, not_found, suffix, to_sign_in
from intake.console.texts import state_names
from intake.people.guard import audited, case_rule
from intake.people.sessions import Session
from intake.people.web import NO_STORE, current_session, session_for_form
from intake.web.live import POLL_SECONDS, SharedReads, event_stream
from intake.web.referral_list import headings
from intake.web.templating import render
from routing import gazetteer
from routing.models import Team
from workflows.access.audit import record_denial
from workflows.access.policy import Place, Principal, may_route, may_transition
from workflows.case.models import Case
from workflows.case.taxonomy import load as taxonomy
from workflows.casework.queries import read_case
from workflows.casework.service import reroute
from workflows.contacts.lines import configured_lines
from workflows.referrals.queries import late_referrals
from workflows.supervision.actions import escalate_now, take_over
from workflows.supervision.board import (
    BOARD_ROLES,
    SORTS,
    STATUSES,
    BoardFilter,
    BoardScope,
    board_scope,
    change_counter,
)
from workflows.supervision.board_view import board_view
from workflows.supervision.report_status import submission_status
from workflows.supervision.shift_figures import shift_figures, shift_start

router = APIRouter(include_in_schema=False)
BOARD = "/bang-giam-sat"
REFRESH_SECONDS = 30.0  # "due within the hour" moves with the clock even when nothing is written
CSRF = Annotated[str, Form(max_length=200)]
REASON = Annotated[str, Form(max_length=1000)]
DONE = {"giao-lai": "done_reassign", "nhan-xu-ly": "done_take_over", "bao-tiep": "done_escalate"}
_CLOCK = re.compile(r"^[a-z_]{1,40}$")


@dataclass(frozen=True)
class Asked:
    """The board's query parameters, normalised (anything unknown is dropped, never an error)."""

    province: str = ""
    commune: str = ""
    status: str = ""
    clock: str = ""
    sort: str = "due"
    descending: bool = False

    @classmethod
    def of(cls, request: Request) -> Asked:
        q = request.query_params

        def code(name: str, size: int) -> str:
            value = (q.get(name) or "").strip()
            return value if value.isdigit() and len(value) <= size else ""

        status, clock, sort = q.get("muc") or "", q.get("dong-ho") or "", q.get("sap-xep") or ""
        return cls(code("tinh", 2), code("xa", 5), status if status in STATUSES else "",
                   clock if _CLOCK.match(clock) else "", sort if sort in SORTS else "due", q.get("giam") == "1")

    def filters(self) -> BoardFilter:
        return BoardFilter(status=self.status or None, clock=self.clock or None, sort=self.sort,
                           descending=self.descending)

    def query(self, lang: str, **change: Any) -> str:
        """The query string of this view with `change` applied (sort links, the stream's URL)."""
        asked = replace(self, **change)
        pairs = {"tinh": asked.province, "xa": asked.commune, "muc": asked.status, "dong-ho": asked.clock,
                 "sap-xep": "" if asked.sort == "due" else asked.sort, "giam": "1" if asked.descending else "",
                 "lang": "en" if lang == "en" else ""}
        kept = {k: v for k, v in pairs.items() if v}
        return "?" + urlencode(kept) if kept else ""


def _principal(session: Session) -> Principal:
    return session.user.principal()


def _scope(session: Session, asked: Asked) -> BoardScope | None:
    return board_scope(_principal(session), province=asked.province or None, commune=asked.commune or None)


def _refused(request: Request, session: Session, action: str) -> HTMLResponse:
    record_denial(UnitOfWork(), who=_principal(session), object_kind="board", object_id=None, action=action,
                  via="ui")
    return not_found(request, session)


def _view(scope: BoardScope, asked: Asked) -> dict[str, Any]:
    with UnitOfWork() as uow:
        view = board_view(uow.session, scope=scope, now=utcnow(), filters=asked.filters())
    return {name: getattr(view, name) for name in ("now", "rows", "summary", "counts", "waiting", "delivery")}


def province_name(code: str | None) -> str:
    found = gazetteer.load().province(code) if code else None
    return found.name if found else (code or "—")


def _context(lang: str, scope: BoardScope, asked: Asked) -> dict[str, Any]:
    return {"lang": lang, "t": board_texts(lang), "states": state_names(lang), "suffix": suffix(lang),
            "at_local": at_local, "clock_name": lambda c: clock_name(c, lang), "tax": taxonomy(), "scope": scope,
            "asked": asked, "span": _span, "province_name": province_name}


def live_html(lang: str, scope: BoardScope, asked: Asked) -> str:
    """The board's live part as every watcher of this view sees it (no session's CSRF token in it)."""
    page = render("board/_live.html", **_context(lang, scope, asked), **_view(scope, asked), csrf="")
    return bytes(page.body).decode()


_versions: SharedReads[tuple[int, int, int]] = SharedReads(max_age=POLL_SECONDS * 0.9)
_boards: SharedReads[str] = SharedReads(max_age=REFRESH_SECONDS)


def _version() -> tuple[int, int, int]:
    def read() -> tuple[int, int, int]:
        with UnitOfWork() as uow:
            return change_counter(uow.session)
    return _versions.get("board", read)


def shared_live_html(lang: str, scope: BoardScope, asked: Asked, *, fresh: bool = False) -> str:
    """Read again only when something a board shows has changed (or every REFRESH_SECONDS)."""
    return _boards.get((lang, scope, asked), lambda: live_html(lang, scope, asked), stamp=_version(), fresh=fresh)


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return f"{minutes} ph" if minutes else "<1 ph"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d}" if hours < 48 else f"{hours // 24} d"


def _lines_of(scope: BoardScope) -> list[str] | None:
    """The lines whose calls a board shows: its own line, a province's lines, or every line."""
    if scope.line:
        return [scope.line]
    if scope.province:
        return [code for code, line in configured_lines().items() if line.province_code == scope.province]
    return None


@router.get(BOARD)
def board(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return to_sign_in(request)
    asked = Asked.of(request)
    scope = _scope(session, asked)
    if scope is None:
        return _refused(request, session, "board_view")
    lang = lang_of(request)
    with UnitOfWork() as uow:
        deadlines = submission_status(uow.session, province=scope.province, commune=scope.commune,
                                      today=local(utcnow()).date())
        late = late_referrals(uow.session, now=utcnow(), language=lang,
                              province_codes=[scope.province] if scope.province else None)
        shift = shift_figures(uow.session, lines=_lines_of(scope), now=utcnow())
    view = _view(scope, asked)
    done = request.query_params.get("da")
    ref = normalise_reference(request.query_params.get("ca") or "")[:16]
    message = board_texts(lang)[DONE[done]].format(ref=ref) if done in DONE and ref else None
    response = render("board/board.html", **_context(lang, scope, asked), **view, clocks=view["summary"].clocks,
                      outline=outline(dict(view["counts"].by_state)), mermaid=mermaid_source(), user=session.user,
                      deadlines=deadlines, late_referrals=late, rt=headings(lang), shift=shift,
                      shift_since=shift_start(utcnow()),
                      csrf=session.csrf_token, other=("vi" if lang == "en" else "en"), path=request.url.path,
                      stream=f"{BOARD}/su-kien{asked.query(lang)}", message=message,
                      other_query=asked.query("vi" if lang == "en" else "en"))
    response.headers.update(NO_STORE)
    return response


@router.get(f"{BOARD}/su-kien")
async def board_events(request: Request) -> Response:
    session = await run_in_threadpool(current_session, request)
    asked = Asked.of(request)
    scope = None if session is None else _scope(session, asked)
    if session is None or scope is None:
        return Response(status_code=404)  # EventSource gives up on a 404; the page's own check answers
    lang = lang_of(request)
    return event_stream(request, lambda fresh: shared_live_html(lang, scope, asked, fresh=fresh), event="board")


def _board_session(request: Request) -> Session | None:
    session = current_session(request)
    return session if session is not None and session.user.role in BOARD_ROLES else None


def _teams(province: str | None, but: str | None) -> list[tuple[str, str]]:
    if province is None:
        return []
    with UnitOfWork() as uow:
        found = uow.session.execute(select(Team.commune_code, Team.commune_name).where(
            Team.province_code == province).order_by(Team.commune_name)).all()
    return [(code, name) for code, name in found if code != but]


def _case_page(request: Request, session: Session, reference: str, *, status: int = 200,
               message: str | None = None) -> Response:
    who = _principal(session)
    try:
        with audited(who, action="board_view", via="ui"):
            view = read_case(UnitOfWork(), reference=reference, reader=who.user, via="ui", purpose="board_action",
                             may_see=case_rule(who))
    except HotlineError:
        return not_found(request, session)
    lang = lang_of(request)
    ladders = [ladder for ladder in view["ladders"] if ladder["status"] in ("running", "exhausted", "taken_over")]
    by_clock = {ladder["clock"]: ladder for ladder in ladders}
    deadlines = [t for t in view["timers"] if t["kind"] == "deadline" and not t["cancelled_at"]]
    for row in deadlines:
        row["due_local"] = at_local(datetime.fromisoformat(row["due_at"]), "%H:%M %d/%m")
        row["ladder"] = by_clock.get(row["clock"]) if row["fired_at"] else None
    response = render("board/case.html", status=status, lang=lang, t=board_texts(lang), states=state_names(lang),
                      suffix=suffix(lang), other=("vi" if lang == "en" else "en"), user=session.user,
                      csrf=session.csrf_token, path=request.url.path, at_local=at_local, view=view,
                      ladders=ladders, clock_name=lambda c: clock_name(c, lang), message=message, tax=taxonomy(),
                      teams=_teams(view["province_code"], view["commune_code"]), deadlines=deadlines)
    response.headers.update(NO_STORE)
    return response


@router.get(f"{BOARD}/ca/{{reference}}")
def case_actions(request: Request, reference: str) -> Response:
    session = current_session(request)
    if session is None:
        return to_sign_in(request)
    if session.user.role not in BOARD_ROLES:
        return _refused(request, session, "board_view")
    return _case_page(request, session, reference)


def _form(request: Request, csrf_token: str) -> Session | None:
    session = session_for_form(request, csrf_token)
    return session if session is not None and session.user.role in BOARD_ROLES else None


def _expired(request: Request) -> Response:
    return HTMLResponse(board_texts(lang_of(request))["expired_form"], status_code=400, headers=NO_STORE)


def _done(request: Request, reference: str, action: str) -> Response:
    lang = lang_of(request)
    query = urlencode({"da": action, "ca": normalise_reference(reference), **({"lang": "en"} if lang == "en" else {})})
    return RedirectResponse(f"{BOARD}?{query}", status_code=303)


def _failed(request: Request, session: Session, reference: str, problem: HotlineError) -> Response:
    return failed_page(request, session, problem, lambda status, message: _case_page(
        request, session, reference, status=status, message=message))


def _act(request: Request, reference: str, csrf_token: str, *, slug: str, action: str,
         also: Callable[[Principal, Place], bool], run: Callable[[Principal, Callable[[Case], bool]], object],
         ) -> Response:
    """One action of the board: a live session and its CSRF token, the access rule checked on the locked case,
    audited; what the workflow refuses comes back readable on the case's page."""
    session = _form(request, csrf_token)
    if session is None:
        return _expired(request)
    who = _principal(session)
    try:
        with audited(who, action=action, via="ui"):
            run(who, case_rule(who, also=also))
    except HotlineError as problem:
        return _failed(request, session, reference, problem)
    return _done(request, reference, slug)


@router.post(f"{BOARD}/ca/{{reference}}/giao-lai")
def reassign(request: Request, reference: str, commune_code: Annotated[str, Form(max_length=10)] = "",
             reason: REASON = "", csrf_token: CSRF = "") -> Response:
    """Reassign to another commune team (workflows.casework.service.reroute: the reason is kept, the new team gets
    its own acknowledgement clock; a province supervisor only within their province)."""
    code = commune_code.strip()
    target = gazetteer.load().commune(code) if code else None
    to_province = target.province_code if target else None
    return _act(request, reference, csrf_token, slug="giao-lai", action="board_reassign",
                also=lambda w, place: may_route(w, place, to_province=to_province),
                run=lambda who, rule: reroute(UnitOfWork(), reference=reference, commune_code=code, reason=reason,
                                              operator=who.user, via="ui", allowed=rule, actor_role=who.role))


@router.post(f"{BOARD}/ca/{{reference}}/nhan-xu-ly")
def take(request: Request, reference: str, reason: REASON = "", csrf_token: CSRF = "") -> Response:
    return _act(request, reference, csrf_token, slug="nhan-xu-ly", action="board_take_over",
                also=lambda w, place: may_transition(w, place, "take_over"),
                run=lambda who, rule: take_over(UnitOfWork(), reference=reference, actor=who.user, reason=reason,
                                                allowed=rule))


@router.post(f"{BOARD}/ca/{{reference}}/bao-tiep")
def escalate(request: Request, reference: str, clock: Annotated[str, Form(max_length=40)] = "",
             reason: REASON = "", csrf_token: CSRF = "") -> Response:
    return _act(request, reference, csrf_token, slug="bao-tiep", action="board_escalate",
                also=lambda w, place: may_transition(w, place, "escalate_now"),
                run=lambda who, rule: escalate_now(UnitOfWork(), reference=reference, clock=clock.strip(),
                                                   actor=who.user, reason=reason, allowed=rule))
