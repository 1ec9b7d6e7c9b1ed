"""What every console page shares: the signed-in operator, the language, rendering, 404 and CSRF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.clock import local
from core.db import UnitOfWork
from core.errors import HotlineError
from intake.console.texts import console_texts, state_names
from intake.people.guard import Refused
from intake.people.sessions import Session
from intake.people.web import NO_STORE, current_session, landing, session_for_form
from intake.web import words
from intake.web.i18n import pick_language
from intake.web.templating import render
from workflows.access.audit import HiddenCase, record_denial
from workflows.access.policy import LINE_ROLES, Principal
from workflows.case.taxonomy import load as taxonomy

SIGN_IN = "/dang-nhap"


def lang_of(request: Request) -> str:
    return pick_language(request)


def suffix(lang: str) -> str:
    return "?lang=en" if lang == "en" else ""


def at_local(value: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    return local(value).strftime(fmt) if value is not None else "—"


def page(request: Request, name: str, *, session: Session, status: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    response = render(name, status=status, lang=lang, t=console_texts(lang), states=state_names(lang),
                      suffix=suffix(lang), other=("vi" if lang == "en" else "en"), user=session.user,
                      csrf=session.csrf_token, at_local=at_local, tax=taxonomy(), path=request.url.path,
                      **words.helpers(lang), **context)
    response.headers.update(NO_STORE)
    return response


def fragment(request: Request, name: str, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    response = render(name, lang=lang, t=console_texts(lang), suffix=suffix(lang), at_local=at_local,
                      tax=taxonomy(), **context)
    response.headers.update(NO_STORE)
    return response


def sign_in_url(request: Request) -> str:
    """The sign-in page, coming back to the page asked for (a GET of ours) afterwards."""
    query = [] if request.method != "GET" else [("next", request.url.path + (
        "?" + "&".join(f"{k}={quote(v)}" for k, v in request.query_params.items() if k != "lang")
        if any(k != "lang" for k in request.query_params) else ""))]
    if lang_of(request) == "en":
        query.append(("lang", "en"))
    return SIGN_IN + ("?" + urlencode(query) if query else "")


def to_sign_in(request: Request) -> Response:
    return RedirectResponse(sign_in_url(request), status_code=303)


def desk_session(request: Request) -> Session | None:
    """The signed-in operator or shift lead (a line's staff), else None."""
    session = current_session(request)
    return session if session is not None and session.user.role in LINE_ROLES else None


def not_found(request: Request, session: Session | None) -> HTMLResponse:
    """The one answer for what does not exist and for what the asker may not see."""
    lang = lang_of(request)
    t = console_texts(lang)
    response = render("console/not_found.html", status=404, lang=lang, t=t, suffix=suffix(lang),
                      other=("vi" if lang == "en" else "en"), user=session.user if session else None,
                      csrf=session.csrf_token if session else "", path=request.url.path,
                      back=landing(session.user.role) if session else "/dang-nhap")
    response.headers.update(NO_STORE)
    return response


def failed_page(request: Request, session: Session, problem: HotlineError,
                page: Callable[[int, str], Response]) -> Response:
    """What the workflow refused, readable on the page the action came from (`page(status, message)`);
    what the asker may not see, or what is not there, the one 404."""
    if isinstance(problem, (HiddenCase, Refused)) or problem.status == 404:
        return not_found(request, session)
    return page(problem.status, problem.text(lang_of(request)))


def refused(request: Request, session: Session, *, kind: str, object_id: int | None, action: str) -> HTMLResponse:
    record_denial(UnitOfWork(), who=session.user.principal(), object_kind=kind, object_id=object_id,
                  action=action, via="ui")
    return not_found(request, session)


def form_session(request: Request, csrf_token: str) -> Session | None:
    """The session behind a console form, only with its own CSRF token and a line role."""
    session = session_for_form(request, csrf_token)
    return session if session is not None and session.user.role in LINE_ROLES else None


def expired(request: Request) -> HTMLResponse:
    return HTMLResponse(console_texts(lang_of(request))["expired_form"], status_code=400, headers=NO_STORE)


def principal(session: Session) -> Principal:
    return session.user.principal()
