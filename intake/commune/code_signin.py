"""Commune officers sign in with their roster phone and a one-time SMS code: `/xa/dang-nhap`.

Two steps, no JavaScript: the phone number (a code is sent if the roster knows it), then the code. Both
forms carry a one-off CSRF token in a short-lived cookie (there is no session yet); a right code starts
an ordinary staff session (intake.people.sessions) and goes on to the page asked for (`next`, only a
commune page) or the commune's cases.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.crypto import same_secret
from core.db import UnitOfWork
from core.settings import get_settings
from intake.commune.officer_texts import officer_texts
from intake.people import sessions
from intake.people.one_time_codes import request_code, verify_code
from intake.people.web import NO_STORE
from intake.web.i18n import pick_language
from intake.web.templating import render

router = APIRouter(include_in_schema=False)
SIGN_IN = "/xa/dang-nhap"
CSRF_COOKIE = "hl_code_csrf"
HOME = "/xa"
_CASE_PAGE = re.compile(r"^/xa/ca/[A-Za-z0-9]{1,20}$")


def _lang(request: Request, form_lang: str | None = None) -> str:
    return form_lang if form_lang in ("vi", "en") else pick_language(request)


def _suffix(lang: str) -> str:
    return "?lang=en" if lang == "en" else ""


def safe_next(value: str | None) -> str:
    """Only a commune page of ours: never another site, never a scheme-relative URL."""
    return value if value and _CASE_PAGE.match(value) else HOME


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _page(lang: str, *, step: str, status: int = 200, message: str | None = None, notice: str | None = None,
          phone: str = "", next_url: str = HOME) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    page = render("commune/signin.html", status=status, lang=lang, t=officer_texts(lang), csrf=token, step=step,
                  message=message, notice=notice, phone=phone, next_url=next_url, suffix=_suffix(lang),
                  other=("vi" if lang == "en" else "en"))
    page.set_cookie(CSRF_COOKIE, token, max_age=1800, httponly=True, samesite="lax", path=SIGN_IN,
                    secure=get_settings().public_base_url.startswith("https://"))
    page.headers.update(NO_STORE)
    return page


def _csrf_ok(request: Request, sent: str) -> bool:
    expected = request.cookies.get(CSRF_COOKIE, "")
    return bool(expected) and same_secret(sent, expected)


@router.get(SIGN_IN)
def phone_form(request: Request, wanted: Annotated[str | None, Query(alias="next", max_length=200)] = None) -> Response:
    return _page(_lang(request), step="phone", next_url=safe_next(wanted))


PHONE = Annotated[str, Form(max_length=40)]
TOKEN = Annotated[str, Form(max_length=200)]
LANG = Annotated[str | None, Form(max_length=5)]
NEXT = Annotated[str, Form(alias="next", max_length=200)]


@router.post(SIGN_IN)
def send_code(request: Request, phone: PHONE = "", csrf_token: TOKEN = "", lang: LANG = None,
              wanted: NEXT = HOME) -> Response:
    language = _lang(request, lang)
    t, next_url = officer_texts(language), safe_next(wanted)
    if not _csrf_ok(request, csrf_token):
        return _page(language, step="phone", status=400, message=t["expired_form"], phone=phone, next_url=next_url)
    answer = request_code(UnitOfWork(), phone=phone, client=_client(request))
    if answer.outcome == "bad_phone":
        return _page(language, step="phone", status=422, message=t["bad_phone"], phone=phone, next_url=next_url)
    if answer.outcome == "limited":
        return _page(language, step="code", status=429, message=t["limited"].format(minutes=answer.minutes),
                     phone=phone, next_url=next_url)
    return _page(language, step="code", phone=phone, next_url=next_url,
                 notice=t["code_sent"].format(minutes=get_settings().signin_code_minutes))


@router.post(SIGN_IN + "/ma")
def check_code(request: Request, phone: PHONE = "", code: Annotated[str, Form(max_length=20)] = "",
               csrf_token: TOKEN = "", lang: LANG = None, wanted: NEXT = HOME) -> Response:
    language = _lang(request, lang)
    t, next_url = officer_texts(language), safe_next(wanted)
    if not _csrf_ok(request, csrf_token):
        return _page(language, step="code", status=400, message=t["expired_form"], phone=phone, next_url=next_url)
    answer = verify_code(UnitOfWork(), phone=phone, code=code, client=_client(request))
    if answer.outcome == "locked":
        return _page(language, step="code", status=429, message=t["locked"].format(minutes=answer.minutes),
                     phone=phone, next_url=next_url)
    if answer.outcome != "ok" or answer.user_id is None:
        return _page(language, step="code", status=401, message=t["wrong_code"], phone=phone, next_url=next_url)
    cookie, _ = sessions.start(UnitOfWork(), user_id=answer.user_id, client=_client(request))
    done = RedirectResponse(next_url + _suffix(language), status_code=303)
    done.set_cookie(sessions.COOKIE, cookie, httponly=True, samesite="lax", path="/",
                    secure=get_settings().public_base_url.startswith("https://"),
                    max_age=get_settings().session_max_hours * 3600)
    done.delete_cookie(CSRF_COOKIE, path=SIGN_IN)
    return done
