"""A local stand-in for the part of Zalo's OA API we use, and a Zalo user writing to the OA.

It answers the customer-service message API (checking the access token), hands out new token pairs
on refresh (refresh tokens are single-use, as Zalo's are) and posts signed user messages to the app.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from notifier.zalo_adapter import webhook_signature


class ZaloStandIn:
    def __init__(self, *, app_id: str, oa_secret: str, refresh_token: str, oa_id: str = "579745863508352884") -> None:
        self.app_id, self.oa_secret, self.oa_id = app_id, oa_secret, oa_id
        self.valid_refresh = {refresh_token}
        self.valid_access: set[str] = set()
        self.sent: list[dict[str, Any]] = []
        self.refreshes = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ZaloStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def expire_tokens(self) -> None:
        with self._lock:
            self.valid_access.clear()

    def signed_webhook(self, *, user_id: str, text: str, msg_id: str | None = None,
                       at: float | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and headers Zalo posts when a user writes to the OA (`at`: when, in Unix seconds)."""
        timestamp = str(int((time.time() if at is None else at) * 1000))
        body = json.dumps({
            "app_id": self.app_id, "event_name": "user_send_text", "timestamp": timestamp,
            "sender": {"id": user_id}, "recipient": {"id": self.oa_id},
            "message": {"text": text, "msg_id": msg_id or secrets.token_hex(16)},
        }, ensure_ascii=False).encode()
        mac = webhook_signature(app_id=self.app_id, body=body, timestamp=timestamp, oa_secret=self.oa_secret)
        return body, {"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={mac}"}

    def user_says(self, app_url: str, *, user_id: str, text: str, msg_id: str | None = None) -> int:
        """A Zalo user writes to the OA: Zalo posts the signed webhook to the app."""
        body, headers = self.signed_webhook(user_id=user_id, text=text, msg_id=msg_id)
        request = urllib.request.Request(  # noqa: S310 (loopback: the app under test or demo)
            f"{app_url}/zalo/webhook", data=body, method="POST", headers=headers)
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return int(response.status)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _json(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path.startswith("/v4/oa/access_token"):
                    form = dict(urllib.parse.parse_qsl(raw.decode()))
                    with standin._lock:
                        if form.get("refresh_token") not in standin.valid_refresh:
                            self._json({"error": -14014, "message": "Invalid refresh token"})
                            return
                        standin.valid_refresh.discard(form["refresh_token"])
                        access, refresh = secrets.token_hex(12), secrets.token_hex(12)
                        standin.valid_access.add(access)
                        standin.valid_refresh.add(refresh)
                        standin.refreshes += 1
                    self._json({"access_token": access, "refresh_token": refresh, "expires_in": "90000"})
                elif self.path.startswith("/v3.0/oa/message/cs"):
                    if self.headers.get("access_token") not in standin.valid_access:
                        self._json({"error": -216, "message": "Access token is invalid"})
                        return
                    body = json.loads(raw)
                    with standin._lock:
                        standin.sent.append(body)
                    self._json({"error": 0, "message": "Success",
                                "data": {"message_id": secrets.token_hex(8), "user_id": body["recipient"]["user_id"]}})
                else:
                    self._json({"error": -201, "message": "unknown endpoint"})

        return Handler
