"""The page behind the one-tap link in an assignment SMS: GET /x/<token>, POST /x/<token>.

No JavaScript; forms carry a CSRF token bound to the link and to a cookie set by the page, so
another site cannot post an answer on the officer's behalf. An unknown token, an expired link and
a used action each get a clear page, never a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from core.clock import local
from core.crypto import same_secret, signing_key
from core.db import UnitOfWork
from core.settings import get_settings
from intake.commune.texts import page_texts
from intake.web.forms import PostedForm
from intake.web.templating import render
from notifier.answer_texts import state_phrase
from workflows.field.links import LinkNotFound, LinkPage, show_link, use_link

router = APIRouter(tags=["commune"], include_in_schema=False)
COOKIE = "x_csrf"


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "vi"


def _csrf(link_id: int, nonce: str) -> str:
    return hmac.new(signing_key(), f"answer-csrf|{link_id}|{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def _render(request: Request, token: str, *, page: LinkPage | None, nonce: str, message: str = "",
            done: bool = False, status: int = 200) -> HTMLResponse:
    lang = _lang(request)
    t = page_texts(lang)
    suffix = "?lang=en" if lang == "en" else ""
    response = render(
        "answer_link.html", status=status, lang=lang, t=t, page=page, message=message, done=done,
        action=f"/x/{token}{suffix}", again=f"/x/{token}{suffix}",
        csrf=_csrf(page.link_id, nonce) if page else "",
        respond_by=local(page.respond_by).strftime("%H:%M %d/%m/%Y") if page and page.respond_by else "",
        state=state_phrase(page.state, lang) if page else "",
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.set_cookie(COOKIE, nonce, max_age=3600, httponly=True, samesite="lax", path="/x/",
                        secure=get_settings().public_base_url.startswith("https://"))
    return response


@router.get("/x/{token}", response_class=HTMLResponse)
def answer_page(token: str, request: Request) -> HTMLResponse:
    nonce = request.cookies.get(COOKIE) or secrets.token_urlsafe(16)
    try:
        page = show_link(UnitOfWork(), token=token)
    except LinkNotFound:
        return _render(request, token, page=None, nonce=nonce, message=page_texts(_lang(request))["not_found"],
                       status=404)
    return _render(request, token, page=page, nonce=nonce, status=409 if page.expired else 200)  # as documented


@router.post("/x/{token}", response_class=HTMLResponse)
def answer_action(token: str, request: Request, posted: PostedForm) -> HTMLResponse:
    form = {k: str(v) for k, v in posted.items()}
    t = page_texts(_lang(request))
    nonce = request.cookies.get(COOKIE, "")
    try:
        current = show_link(UnitOfWork(), token=token)
    except LinkNotFound:
        return _render(request, token, page=None, nonce=nonce or secrets.token_urlsafe(16), message=t["not_found"],
                       status=404)
    if not nonce or not same_secret(form.get("csrf", ""), _csrf(current.link_id, nonce)):
        return _render(request, token, page=None, nonce=nonce or secrets.token_urlsafe(16), message=t["stale_form"],
                       status=403)
    if form.get("action") == "decline" and not form.get("reason", "").strip():
        return _render(request, token, page=current, nonce=nonce, message=t["reason"], status=422)
    try:
        outcome, page = use_link(UnitOfWork(), token=token, action=form.get("action", ""), reason=form.get("reason"))
    except LinkNotFound:
        return _render(request, token, page=current, nonce=nonce, message=t["not_found"], status=400)
    return _render(request, token, page=page, nonce=nonce, message=outcome.text(_lang(request)), done=outcome.done,
                   status=200 if outcome.done else 409)
