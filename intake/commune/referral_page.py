"""The page behind a referral's link: GET/POST /gt/<token>. An agency sees its own referral only.

Before sign-in: what the SMS said. Sign-in by a code sent to the phone the link went to; after it, why
the service is asked and, only with consent (NĐ 56 Art. 33), who the child is. Accept, decline with a
reason, done with the outcome. No JavaScript; forms carry a CSRF token bound to the link and a cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from core import i18n
from core.clock import local
from core.crypto import same_secret, signing_key
from core.db import UnitOfWork
from core.settings import get_settings
from intake.web.forms import PostedForm
from intake.web.templating import render
from workflows.field.referral_links import (
    ReferralLinkNotFound,
    ReferralPage,
    answer_by_link,
    send_code,
    show_referral,
    sign_in,
)
from workflows.referrals.texts import ANSWERS

router = APIRouter(tags=["referrals"], include_in_schema=False)
COOKIE, SESSION = "gt_csrf", "gt_session"



def _texts(lang: str) -> Mapping[str, str]:
    """The page's words: the catalogs' `referral_page.*` messages (Vietnamese for any other language)."""
    return i18n.texts(lang, "referral_page")


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "vi"


def _csrf(token: str, nonce: str) -> str:
    return hmac.new(signing_key(), f"referral-csrf|{token}|{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def _render(request: Request, token: str, *, page: ReferralPage | None, nonce: str, message: str = "",
            done: bool = False, status: int = 200, session: str | None = None) -> HTMLResponse:
    lang = _lang(request)
    suffix = "?lang=en" if lang == "en" else ""
    response = render(
        "referral_link.html", status=status, lang=lang, t=_texts(lang), page=page, message=message, done=done,
        action=f"/gt/{token}{suffix}", csrf=_csrf(token, nonce),
        respond_by=local(page.respond_by).strftime("%H:%M %d/%m/%Y") if page else "",
        due_on=page.due_on.strftime("%d/%m/%Y") if page else "",
    )
    secure = get_settings().public_base_url.startswith("https://")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.set_cookie(COOKIE, nonce, max_age=3600, httponly=True, samesite="lax", path="/gt/", secure=secure)
    if session:
        response.set_cookie(SESSION, session, max_age=8 * 3600, httponly=True, samesite="lax", path="/gt/",
                            secure=secure)
    return response


@router.get("/gt/{token}", response_class=HTMLResponse)
def referral_page(token: str, request: Request) -> HTMLResponse:
    nonce = request.cookies.get(COOKIE) or secrets.token_urlsafe(16)
    try:
        page = show_referral(UnitOfWork(), token=token, session=request.cookies.get(SESSION))
    except ReferralLinkNotFound:
        return _render(request, token, page=None, nonce=nonce, message=_texts(_lang(request))["not_found"],
                       status=404)
    return _render(request, token, page=page, nonce=nonce)


@router.post("/gt/{token}", response_class=HTMLResponse)
def referral_action(token: str, request: Request, posted: PostedForm) -> HTMLResponse:
    form = {k: str(v) for k, v in posted.items()}
    lang = _lang(request)
    t = _texts(lang)
    nonce = request.cookies.get(COOKIE, "")
    session = request.cookies.get(SESSION)
    if not nonce or not same_secret(form.get("csrf", ""), _csrf(token, nonce)):
        return _render(request, token, page=None, nonce=nonce or secrets.token_urlsafe(16), message=t["stale_form"],
                       status=403)
    action, text = form.get("action", ""), form.get("text", "")[:1000]
    try:
        if action == "send_code":
            send_code(UnitOfWork(), token=token)
            return _render(request, token, page=show_referral(UnitOfWork(), token=token, session=session),
                           nonce=nonce, message=t["code_sent"])
        if action == "sign_in":
            new = sign_in(UnitOfWork(), token=token, code=form.get("code", "")[:12])
            page = show_referral(UnitOfWork(), token=token, session=new or session)
            return _render(request, token, page=page, nonce=nonce, message="" if new else t["bad_code"],
                           status=200 if new else 422, session=new)
        if action in ("decline", "done") and not text.strip():
            return _render(request, token, page=show_referral(UnitOfWork(), token=token, session=session),
                           nonce=nonce, message=t["need_text"], status=422)
        result = answer_by_link(UnitOfWork(), token=token, action=action, text=text)
        page = show_referral(UnitOfWork(), token=token, session=session)
    except ReferralLinkNotFound:
        return _render(request, token, page=None, nonce=nonce, message=t["not_found"], status=404)
    vi, en = ANSWERS.get(result.kind, ANSWERS["not_now"])
    message = (en if lang == "en" else vi).format(ref=result.reference, action=action)
    return _render(request, token, page=page, nonce=nonce, message=message, done=result.done,
                   status=200 if result.done or result.kind == "repeat" else 409)
