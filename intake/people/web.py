"""Staff pages: sign in (`/dang-nhap`), sign out (`/dang-xuat`), and the landing page (`/`).

No JavaScript. Every form carries a CSRF token: the sign-in form a one-off token in a short-lived
cookie (there is no session yet), every form after that the session's own token.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.clock import local
from core.crypto import same_secret
from core.db import UnitOfWork
from core.settings import get_settings
from intake.people import sessions
from intake.people.signin import sign_in
from intake.people.texts import people_texts
from intake.people.users import UserView
from intake.web.i18n import pick_language
from intake.web.templating import render
from routing import gazetteer
from workflows.access.policy import ROLE_NAMES

router = APIRouter(include_in_schema=False)
SIGNIN_CSRF_COOKIE = "hl_signin_csrf"
NO_STORE = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}


def current_session(request: Request) -> sessions.Session | None:
    """The signed-in person behind this request, if any (for every staff page)."""
    return sessions.load(UnitOfWork(), request.cookies.get(sessions.COOKIE))


def session_for_form(request: Request, csrf_token: str | None) -> sessions.Session | None:
    """The session behind a form POST, only when the form carries that session's own CSRF token.
    Every staff form that changes something checks it this way."""
    session = current_session(request)
    return session if session is not None and session.csrf_ok(csrf_token) else None


def _secure() -> bool:
    return get_settings().public_base_url.startswith("https://")


def _lang(request: Request, form_lang: str | None = None) -> str:
    return form_lang if form_lang in ("vi", "en") else pick_language(request)


def _suffix(lang: str) -> str:
    return "?lang=en" if lang == "en" else ""


# Where each role works: the page it lands on after sign-in.
LANDING = {"operator": "/ban-tiep-nhan", "shift_lead": "/bang-giam-sat", "province_supervisor": "/bang-giam-sat",
           "admin": "/bang-giam-sat", "commune_officer": "/xa", "commune_chair": "/xa", "commune_police": "/xa"}
# A page of ours, asked for before sign-in: a path (never another site, never `//host` or `/\\host`), with
# at most a plain query.
_OUR_PAGE = re.compile(r"^/(?:ban-tiep-nhan|lien-he/|ca/|bang-giam-sat|thong-ke|xa)[A-Za-z0-9/_.~-]*"
                       r"(?:\?[A-Za-z0-9_.~=&%-]*)?$")


def landing(role: str) -> str:
    """The page a role lands on after sign-in."""
    return LANDING.get(role, "/")


def safe_next(value: str | None) -> str | None:
    """The page asked for before sign-in, only when it is a staff page of this site; else None."""
    if not value or len(value) > 300 or "//" in value or "\\" in value or not _OUR_PAGE.match(value):
        return None
    return value


def _with_lang(url: str, lang: str) -> str:
    if lang != "en" or "lang=" in url:
        return url
    return url + ("&" if "?" in url else "?") + "lang=en"


def after_sign_in(role: str, wanted: str | None, lang: str) -> str:
    return _with_lang(safe_next(wanted) or landing(role), lang)


def _signin_page(lang: str, *, status: int = 200, message: str | None = None, username: str = "",
                 next_url: str | None = None) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    page = render("signin.html", status=status, lang=lang, t=people_texts(lang), csrf=token, message=message,
                   username=username, suffix=_suffix(lang), other=("vi" if lang == "en" else "en"),
                   next_url=safe_next(next_url) or "")
    page.set_cookie(SIGNIN_CSRF_COOKIE, token, max_age=1800, httponly=True, samesite="lax", secure=_secure(),
                    path="/dang-nhap")
    page.headers.update(NO_STORE)
    return page


@router.get("/dang-nhap")
def signin_form(request: Request, wanted: Annotated[str | None, Query(alias="next", max_length=300)] = None
                ) -> Response:
    session = current_session(request)
    if session is not None:
        return RedirectResponse(after_sign_in(session.user.role, wanted, _lang(request)), status_code=303)
    return _signin_page(_lang(request), next_url=wanted)


@router.post("/dang-nhap")
def signin_submit(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    lang: Annotated[str | None, Form(max_length=5)] = None,
    wanted: Annotated[str, Form(alias="next", max_length=300)] = "",
) -> Response:
    language = _lang(request, lang)
    t = people_texts(language)
    expected = request.cookies.get(SIGNIN_CSRF_COOKIE, "")
    if not expected or not same_secret(csrf_token, expected):
        return _signin_page(language, status=400, message=t["expired_form"], username=username[:64],
                            next_url=wanted)
    client = request.client.host if request.client else "?"
    result = sign_in(UnitOfWork(), username=username, password=password, client=client)
    if result.outcome == "locked":
        return _signin_page(language, status=429, message=t["locked"].format(minutes=result.minutes),
                            username=username[:64], next_url=wanted)
    if result.outcome != "ok" or result.user_id is None:
        return _signin_page(language, status=401, message=t["wrong"], username=username[:64], next_url=wanted)
    cookie, started = sessions.start(UnitOfWork(), user_id=result.user_id, client=client)
    done = RedirectResponse(after_sign_in(started.user.role, wanted, language), status_code=303)
    done.set_cookie(sessions.COOKIE, cookie, httponly=True, samesite="lax", secure=_secure(), path="/",
                    max_age=get_settings().session_max_hours * 3600)
    done.delete_cookie(SIGNIN_CSRF_COOKIE, path="/dang-nhap")
    return done


@router.post("/dang-xuat")
def signout(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "",
            lang: Annotated[str | None, Form(max_length=5)] = None) -> Response:
    language = _lang(request, lang)
    if current_session(request) is not None:
        session = session_for_form(request, csrf_token)
        if session is None:
            return HTMLResponse(people_texts(language)["expired_form"], status_code=400, headers=NO_STORE)
        sessions.end(UnitOfWork(), session_id=session.session_id, by="sign-out")
    done = RedirectResponse("/dang-nhap" + _suffix(language), status_code=303)
    done.delete_cookie(sessions.COOKIE, path="/")
    return done


def _scope(user: UserView, t: Mapping[str, str]) -> str:
    places = gazetteer.load()
    province = places.province(user.province) if user.province else None
    if user.commune:
        commune = places.commune(user.commune)
        name = commune.name if commune else f"{t['commune']} {user.commune}"
        return f"{name} ({t['code']} {user.commune})" + (f", {province.name}" if province else "")
    if province is not None:
        return f"{province.name} ({t['code']} {province.code})"
    if user.line:
        return f"{t['line']} {user.line}"
    return t["national"]


@router.get("/")
def home(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return RedirectResponse("/bao-cao" + _suffix(pick_language(request)))  # the public lands on the form
    lang = _lang(request)
    t = people_texts(lang)
    user = session.user
    role = ROLE_NAMES.get(user.role, (user.role, user.role))[0 if lang == "vi" else 1]
    page = render("home.html", lang=lang, t=t, user=user, role=role, scope=_scope(user, t), csrf=session.csrf_token,
                  work=landing(user.role),
                  signed_in_at=local(session.created_at).strftime("%H:%M %d/%m/%Y"),
                  ends_at=local(session.expires_at).strftime("%H:%M %d/%m/%Y"),
                  suffix=_suffix(lang), other=("vi" if lang == "en" else "en"))
    page.headers.update(NO_STORE)
    return page
