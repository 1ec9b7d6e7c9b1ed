"""The edge: refuse what no handler should ever see, before any of them runs.

A NUL character is valid JSON (`\\u0000`), valid percent-encoding (`%00`) and valid in a path, but
PostgreSQL refuses it in text, so it would come back as a 500 from deep inside a transaction. We
refuse it here, for every route, in the path, the query, and JSON, form or multipart bodies, with a
problem+json 422. A body larger than any report we accept is a 413.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import i18n
from core.settings import get_settings
from intake.api.problems import problem

# The public form answers a person with the form again, the bad box marked: it checks its own fields.
# Jasmin writes an SMS's data coding as its raw byte (NUL for GSM-7): its webhooks check their own fields.
SELF_CHECKED_BODIES = frozenset({"/bao-cao", "/jasmin/mo", "/jasmin/dlr"})
MAX_BODY = 256 * 1024  # a report is at most ~5,000 characters of description; forms and webhooks are smaller
_JSON_NUL = re.compile(rb"(?:^|[^\\])(?:\\\\)*\\u0000")


def nul_in_query(query: bytes) -> bool:
    return b"\x00" in unquote_to_bytes(query.replace(b"+", b" "))


def nul_in_body(body: bytes, content_type: str) -> bool:
    if b"\x00" in body:
        return True
    if "json" in content_type:
        return _JSON_NUL.search(body) is not None
    if "x-www-form-urlencoded" in content_type:
        return nul_in_query(body)
    return False


def _where(scope: Scope) -> str | None:
    if "\x00" in scope.get("path", "") or b"%00" in scope.get("raw_path", b"").lower():
        return "path"
    if nul_in_query(scope.get("query_string", b"")):
        return "query"
    return None


class InputGuard:
    """Pure ASGI middleware: checks the URL, then reads the body once (bounded) and replays it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = _where(scope)
        if where is not None:
            await _refuse_nul(where, scope, receive, send)
            return
        if scope["method"] not in {"POST", "PUT", "PATCH"}:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + get_settings().body_timeout_seconds
        while more:
            try:  # an upload that never finishes is not kept open: the whole body has a deadline
                message = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - loop.time()))
            except TimeoutError:
                await problem(408, "Hết thời gian gửi / Request timeout",
                              "Nội dung gửi lên quá chậm hoặc không gửi hết; xin gửi lại. / "
                              "The body was too slow or never finished; please send it again.",
                              headers={"Connection": "close"})(scope, receive, send)
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                await problem(413, "Nội dung quá lớn / Payload too large",
                              f"Nội dung gửi lên quá lớn (tối đa {MAX_BODY // 1024} KB). / "
                              f"The body is too large (at most {MAX_BODY // 1024} KB).")(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"").decode("latin-1").lower()
        if scope.get("path") not in SELF_CHECKED_BODIES and nul_in_body(body, content_type):
            await _refuse_nul("body", scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse_nul(where: str, scope: Scope, receive: Receive, send: Send) -> None:
    vi, en = i18n.gettext("vi", "problem.nul"), i18n.gettext("en", "problem.nul")
    response = problem(422, "Dữ liệu không hợp lệ / Invalid input", f"{where}: {vi} / {en}",
                       errors=[{"field": where, "message": vi, "message_en": en}])
    await response(scope, receive, send)
