"""Errors as RFC 9457 problem+json, with a message per field in Vietnamese and English."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from core import i18n
from core.errors import HotlineError

PROBLEM = "application/problem+json"
log = logging.getLogger(__name__)

# Codes a person may meet in a message, in plain Vietnamese (the code stays, in brackets, for partners): the
# catalogs' `problem_label.*`. Why a field was refused, by pydantic's error type: `problem.*` ({limit} is
# filled from the error's context).


def message(kind: str) -> tuple[str, str] | None:
    """(Vietnamese, English) for an error type, or None if we have no words for it."""
    vi = i18n.texts("vi", "problem")
    return (vi[kind], i18n.texts("en", "problem")[kind]) if kind in vi else None


def __getattr__(name: str) -> Any:
    """MESSAGES (type -> (vi, en)) and LABELS (code -> Vietnamese): the old tables, read from the catalogs."""
    if name == "MESSAGES":
        return i18n.pairs("problem")
    if name == "LABELS":
        return i18n.texts("vi", "problem_label")
    raise AttributeError(name)


def field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        kind = err.get("type", "")
        if kind == "value_error":
            kind = _own_kind(str(err.get("msg", "")))
        if kind == "string_too_short" and not str(err.get("input") or "").strip():
            kind = "missing"  # an empty box is a missing answer, not a short one
        ctx = err.get("ctx") or {}
        limit = ctx.get("min_length", ctx.get("max_length", ctx.get("ge", ctx.get("le", ""))))
        vi, en = message(kind) or ("Giá trị không hợp lệ.", str(err.get("msg", "Invalid value.")))
        expected = str(ctx.get("expected", ""))
        fmt = {"limit": limit, "expected": expected, "expected_vi": in_vietnamese(expected)}
        out.append({"field": ".".join(loc) or "body", "message": vi.format(**fmt),
                    "message_en": en.format(**fmt)})
    return out


def _own_kind(msg: str) -> str:
    """Our validators raise ValueError("phone"), ValueError("nul")...: pydantic prefixes 'Value error, '."""
    word = msg.removeprefix("Value error, ").strip()
    return word if message(word) else "value_error"


def in_vietnamese(expected: str) -> str:
    """pydantic's "'female', 'male' or 'unknown'" as "nữ (female), nam (male) hoặc không rõ (unknown)"."""
    codes = re.findall(r"'([^']*)'", expected)
    if not codes:
        return expected
    labels = i18n.texts("vi", "problem_label")
    named = [f"{labels[c]} ({c})" if c in labels else c for c in codes]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} hoặc {named[-1]}"


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def for_a_person(request: Request) -> bool:
    """A page's route (one the OpenAPI leaves out: the console, the boards, the forms, the answer link),
    not the JSON API, a provider's webhook or the health checks: a refusal there is a page to read."""
    route = request.scope.get("route")
    return route is not None and not getattr(route, "include_in_schema", True)


def way_back(referer: str, netloc: str) -> str:
    """A path on this site from the Referer, or "/": never a way off it (`//evil.example/` is another host
    to a browser, and so is `/\\evil.example`: browsers read a backslash as a slash)."""
    parts = urlsplit(referer)
    path = parts.path
    if (parts.netloc != netloc or not path.startswith("/") or path[1:2] in ("/", "\\")
            or any(c == "\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in referer)):
        return "/"
    return path + (f"?{parts.query}" if parts.query else "")


def refused_page(request: Request, status: int, messages: Sequence[tuple[str, str]]) -> Response:
    """Bad input on a page: what was wrong, in the reader's language, and the way back (nothing changed)."""
    from intake.web.i18n import pick_language, texts
    from intake.web.templating import render

    lang = pick_language(request)
    back = way_back(request.headers.get("referer", ""), request.url.netloc)
    return render("refused.html", status=status, lang=lang, t=texts(lang), back=back,
                  messages=[en if lang == "en" else vi for vi, en in messages])


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    if for_a_person(request):
        return refused_page(request, 422, [(f"{e['field']}: {e['message']}", f"{e['field']}: {e['message_en']}")
                                           for e in errors])
    return problem(422, "Dữ liệu không hợp lệ / Invalid input",
                   "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)


TITLES: dict[int, str] = {
    400: "Yêu cầu không hợp lệ / Bad request",
    401: "Cần đăng nhập / Unauthorized",
    403: "Không có quyền / Forbidden",
    404: "Không tìm thấy / Not found",
    405: "Không dùng được phương thức này / Method not allowed",
    409: "Quy trình không cho phép / Conflict",
    422: "Dữ liệu không hợp lệ / Invalid input",
}


async def on_hotline_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HotlineError)
    if exc.status in (400, 422) and for_a_person(request):
        return refused_page(request, exc.status, [(exc.vi, exc.en)])
    errors = [{"field": exc.field, "message": exc.vi, "message_en": exc.en}] if exc.field else []
    return problem(exc.status, TITLES.get(exc.status, exc.title), f"{exc.vi} / {exc.en}", errors=errors)


async def on_database_down(request: Request, exc: Exception) -> Any:
    """The database (or Redis) does not answer: say so, 503, never a traceback; the form gets a page."""
    log.error("storage unavailable: %s", type(exc).__name__)
    if request.url.path.startswith("/bao-cao") or for_a_person(request):  # a page: a page to read, never JSON
        from intake.web.i18n import pick_language, texts
        from intake.web.templating import render

        lang = pick_language(request)
        page = render("unavailable.html", status=503, lang=lang, t=texts(lang),
                      staff=not request.url.path.startswith("/bao-cao"))
        page.headers["Retry-After"] = "30"
        return page
    return problem(503, "Tạm thời không phục vụ được / Service unavailable",
                   "Hệ thống đang tạm gián đoạn, xin thử lại sau ít phút. Nếu trẻ đang gặp nguy hiểm, hãy gọi 111. / "
                   "The service is briefly unavailable; please retry in a few minutes.",
                   headers={"Retry-After": "30"})


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "message", "message_en"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"},
                           "message_en": {"type": "string"}}}},
    },
}
_WHY: dict[int, str] = {
    400: "Yêu cầu sai / bad request",
    401: "Cần mã truy cập hợp lệ / a valid bearer token is required",
    403: "Không có quyền / not allowed",
    404: "Không tìm thấy / not found",
    409: "Quy trình không cho phép bước này, kèm lý do / the workflow refuses this move, and says why",
    413: "Nội dung quá lớn / payload too large",
    429: "Quá nhiều báo cáo từ địa chỉ hoặc số điện thoại này; xem Retry-After / too many reports; see Retry-After",
    422: "Dữ liệu không hợp lệ, mỗi mục một thông báo (vi, en) / invalid input, one message per field",
    503: "Cơ sở dữ liệu hoặc Redis không trả lời, hoặc quá tải / the database or Redis does not answer, or is "
         "saturated",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem+json answers a route can give (every route: 422, 413, 503)."""
    wanted = sorted({*codes, 413, 422, 503})
    return {code: {"description": _WHY[code], "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}}} for code in wanted}


_HTTP_VI: dict[int, tuple[str, str]] = {
    404: ("Không có trang hoặc địa chỉ này", "No such page or address"),
    405: ("Phương thức này không dùng được ở địa chỉ này", "This method is not allowed here"),
}


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own refusals (no route, wrong method, a body that cannot be read) as problem+json too."""
    from starlette.exceptions import HTTPException

    assert isinstance(exc, HTTPException)
    if exc.status_code == 400 and "parsing the body" in str(exc.detail):
        vi, en = i18n.gettext("vi", "problem.json_invalid"), i18n.gettext("en", "problem.json_invalid")
        return problem(422, "Dữ liệu không hợp lệ / Invalid input", f"body: {vi} / {en}",
                       errors=[{"field": "body", "message": vi, "message_en": en}])
    vi, en = _HTTP_VI.get(exc.status_code, ("Yêu cầu không hợp lệ", str(exc.detail)))
    title = TITLES.get(exc.status_code, en)
    return problem(exc.status_code, title, f"{vi} / {en}", headers=dict(exc.headers or {}) or None)
