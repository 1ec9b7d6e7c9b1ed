"""Headers every answer carries: no sniffing, no framing, a Content-Security-Policy.

Our pages load scripts and styles only from /static (the console's htmx and its script); their styles are
inline `<style>` blocks, hence `'unsafe-inline'` for styles only. Nothing may frame a page (`/bao-cao` and
the one-tap page `/x/<token>` included: a framed page can be clicked through by someone else's site). A
route that needs another policy (the API docs' inline Swagger start-up) sets its own header, kept here.
"""

from __future__ import annotations

import base64
import hashlib

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
ALWAYS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "same-origin",
          "content-security-policy": POLICY}


def policy_with_script(script: str) -> str:
    """POLICY, allowing exactly this one inline script (by its hash) besides our own files."""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return POLICY.replace("script-src 'self'", f"script-src 'self' 'sha256-{digest}'")


class SecurityHeaders:
    """Pure ASGI (no response buffering: the live boards' event streams pass straight through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
