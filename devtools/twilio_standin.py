"""A local stand-in for the part of Twilio's REST API we use (tests and `hotline up`).

It answers Messages.json and Calls.json like Twilio does (create, and list with Twilio's filters and
paging fields), records what it was asked to send, shows it on a page (`/`), and posts callbacks signed
like Twilio's (notifier.twilio_adapter.sign).

Faults for tests: `fail_next` (HTTP statuses for the next create requests, or `(status, code)` pairs),
`outage` (every API request answers this status), `delay` (a create is recorded at once, as Twilio
does, and answered only after this many seconds: a provider slower than the client timeout).
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.etree import ElementTree

from devtools.public_caller import Call, PublicCaller
from notifier.twilio_adapter import sign


@dataclass
class Sent:
    sid: str
    kind: str  # sms | call
    to: str
    from_: str
    body: str
    status_callback: str | None
    status: str = "queued"
    at: float = field(default_factory=time.time)


def _iso(value: str | None) -> float | None:
    if not value:
        return None
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class TwilioStandIn:
    def __init__(self, *, account_sid: str, auth_token: str, host: str = "127.0.0.1", port: int = 0,
                 auto_deliver: bool = False, app_url: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.account_sid, self.auth_token, self.auto_deliver = account_sid, auth_token, auto_deliver
        self.app_url = app_url  # where inbound SMS are posted (the app's public base URL)
        self.clock = clock  # when a message is created (tests that travel in time pass their clock)
        self.sent: list[Sent] = []
        self._public: PublicCaller | None = None
        self.fail_next: list[int | tuple[int, int]] = []  # answers for the next create requests
        self.outage: int | None = None  # every API request answers this HTTP status while set
        self.delay: float = 0.0  # seconds before a create is answered (it is recorded at once)
        self._lock = threading.Lock()
        self._legs = threading.Lock()  # redirects of live legs, one at a time (apart from the sent list's)
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> TwilioStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def messages(self, to: str | None = None) -> list[Sent]:
        with self._lock:
            return [m for m in self.sent if m.kind == "sms" and (to is None or m.to == to)]

    def calls(self) -> list[Sent]:
        with self._lock:
            return [m for m in self.sent if m.kind == "call"]

    def by_outbox(self) -> dict[int, int]:
        """How many times each outbox row reached us (its id is in the status-callback URL)."""
        counts: dict[int, int] = {}
        with self._lock:
            for item in self.sent:
                match = re.search(r"[?&]outbox=(\d+)", item.status_callback or "")
                if match:
                    counts[int(match[1])] = counts.get(int(match[1]), 0) + 1
        return counts

    def listing(self, kind: str, query: dict[str, str], path: str) -> dict[str, Any]:
        """A page of Messages.json / Calls.json as Twilio lists it: newest first, filtered, with paging."""
        size = max(1, min(int(query.get("PageSize", "50")), 1000))
        page = max(0, int(query.get("Page", "0")))
        after = _iso(query.get("DateSent>") or query.get("StartTime>"))
        with self._lock:
            items = [m for m in reversed(self.sent) if m.kind == kind
                     and m.to == query.get("To", m.to) and m.from_ == query.get("From", m.from_)
                     and (after is None or m.at >= after)]
        chunk = items[page * size:(page + 1) * size]
        base = {k: v for k, v in query.items() if k not in {"Page", "PageSize", "PageToken"}}

        def uri(n: int) -> str:
            return path + "?" + urllib.parse.urlencode({**base, "PageSize": size, "Page": n})

        key = "messages" if kind == "sms" else "calls"
        more = (page + 1) * size < len(items)
        return {
            key: [self.resource(m, path) for m in chunk], "page": page, "page_size": size,
            "start": page * size, "end": page * size + max(len(chunk) - 1, 0), "uri": uri(page),
            "first_page_uri": uri(0), "previous_page_uri": uri(page - 1) if page else None,
            "next_page_uri": (uri(page + 1) + f"&PageToken=PA{secrets.token_hex(8)}") if more else None,
        }

    def resource(self, item: Sent, path: str) -> dict[str, Any]:
        created = formatdate(item.at, usegmt=True).replace("GMT", "+0000")
        common = {"sid": item.sid, "account_sid": self.account_sid, "to": item.to, "from": item.from_,
                  "status": item.status, "date_created": created, "date_updated": created,
                  "api_version": "2010-04-01", "uri": path.removesuffix(".json") + f"/{item.sid}.json",
                  "price": None, "price_unit": "USD"}
        if item.kind == "call":
            return {**common, "direction": "outbound-api", "start_time": created, "end_time": None,
                    "duration": None, "parent_call_sid": None}
        return {**common, "body": item.body, "num_segments": "1", "num_media": "0", "direction": "outbound-api",
                "date_sent": created if item.status not in {"queued", "accepted"} else None,
                "error_code": None, "error_message": None, "messaging_service_sid": None,
                "subresource_uris": {}}

    def clear(self) -> None:
        with self._lock:
            self.sent.clear()

    def callback(self, sid: str, status: str) -> int:
        """Post a signed delivery receipt for a message or call, as Twilio would."""
        item = next(m for m in self.sent if m.sid == sid)
        if not item.status_callback:
            return 0
        key = "MessageSid" if item.kind == "sms" else "CallSid"
        params = {key: sid, "MessageStatus" if item.kind == "sms" else "CallStatus": status,
                  "AccountSid": self.account_sid, "To": item.to, "From": item.from_}
        item.status = status
        self.post_signed(item.status_callback, params)
        return 204

    def reply(self, *, from_phone: str, body: str, to: str = "+84111000111") -> str:
        """A team member answers by SMS: post a signed inbound webhook to the app; its TwiML answer."""
        if not self.app_url:
            raise RuntimeError("no app_url to post the inbound SMS to")
        url = f"{self.app_url}/twilio/sms"
        params = {"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": self.account_sid,
                  "From": from_phone, "To": to, "Body": body, "NumMedia": "0"}
        return self.post_signed(url, params)

    def call_line(self, *, from_phone: str, keys: str, to: str = "+84111000111") -> Call:
        """A member of the public calls the line and presses `keys` (the demo's "call" page)."""
        if not self.app_url:
            raise RuntimeError("no app_url to call")
        return self.public.dial(from_=from_phone, to=to, keys=keys)

    @property
    def public(self) -> PublicCaller:
        """The callers and answered legs this stand-in plays, one registry: a REST redirect finds its leg."""
        if self._public is None:
            if not self.app_url:
                raise RuntimeError("no app_url to call")
            self._public = PublicCaller(self.post_signed, base_url=self.app_url, account_sid=self.account_sid)
        return self._public

    def answer_call(self, sid: str, *, keys: str = "") -> Call:
        """The person a call placed by the app was made to picks up (an operator, 113) and presses `keys`."""
        placed = next(m for m in self.sent if m.sid == sid and m.kind == "call")
        return self.public.answer(placed.body, to=placed.to, keys=keys, sid=sid)

    def press(self, sid: str, digits: str, *, answered_by: str | None = None) -> str:
        """The callee presses keys during a call: post the call's <Gather> action, signed, as Twilio would."""
        call = next(m for m in self.sent if m.sid == sid and m.kind == "call")
        action = gather_action(call.body)
        if action is None:
            raise ValueError(f"call {sid} gathers no digits")
        params = {"CallSid": sid, "AccountSid": self.account_sid, "From": call.from_, "To": call.to,
                  "Called": call.to, "Caller": call.from_, "Digits": digits, "CallStatus": "in-progress",
                  "Direction": "outbound-api", "ApiVersion": "2010-04-01"}
        if answered_by:
            params["AnsweredBy"] = answered_by
        return self.post_signed(action, params)

    def calls_page(self) -> str:
        """The demo's calls (`/_calls`): press a key as the person called would."""
        keys = "".join(f"<button name=digits value='{k}'>{k}</button>" for k in ("1", "2", "3", "*"))
        rows = "".join(
            f"<tr><td>{time.strftime('%H:%M:%S', time.localtime(c.at))}</td><td>{html.escape(c.to)}</td>"
            f"<td><form method=post action=/_press><input type=hidden name=sid value='{html.escape(c.sid)}'>{keys}"
            f"</form></td></tr>"
            for c in reversed(self.calls())
        )
        return ("<!doctype html><meta charset=utf-8><title>Calls</title><h1>Cuộc gọi / Calls (stand-in)</h1>"
                "<p>1 = nhận, 2 = từ chối, 3 = không phải địa bàn, * = nghe lại. <a href=/>SMS</a></p>"
                "<table border=1 cellpadding=4><tr><th>Giờ</th><th>Đến</th><th>Bấm phím / press</th></tr>"
                f"{rows}</table>")

    def press_page(self, form: dict[str, str]) -> str:
        try:
            twiml = self.press(form.get("sid", ""), form.get("digits", ""))
        except (StopIteration, ValueError, OSError) as exc:
            return f"<meta charset=utf-8><p>{html.escape(type(exc).__name__)}</p><a href=/_calls>&larr;</a>"
        spoken = " ".join(say.text or "" for say in ElementTree.fromstring(  # noqa: S314 (the app's own TwiML)
            twiml.split("?>", 1)[-1]).iter("Say"))
        return f"<meta charset=utf-8><p>{html.escape(spoken)}</p><a href=/_calls>&larr;</a>"

    def post_signed(self, url: str, params: dict[str, str]) -> str:
        signature = sign(url, params, self.auth_token)
        request = urllib.request.Request(  # noqa: S310 (loopback only: the app under test or demo)
            url, data=urllib.parse.urlencode(params).encode(), method="POST",
            headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback only)
            return str(response.read().decode())

    def _record(self, kind: str, form: dict[str, str]) -> Sent:
        prefix = "SM" if kind == "sms" else "CA"
        item = Sent(sid=prefix + secrets.token_hex(16), kind=kind, to=form.get("To", ""),
                    from_=form.get("From", ""), body=form.get("Body") or form.get("Twiml", ""),
                    status_callback=form.get("StatusCallback"), at=self.clock())
        with self._lock:
            self.sent.append(item)
        if self.auto_deliver and item.status_callback:
            threading.Thread(target=self._deliver_later, args=(item.sid,), daemon=True).start()
        return item

    def _redirect(self, sid: str, twiml: str) -> None:
        assert self._public is not None
        with self._legs:  # one leg's TwiML at a time: the conference's members are read consistently
            self._public.redirect(sid, twiml)

    def _deliver_later(self, sid: str) -> None:
        time.sleep(0.3)
        try:
            self.callback(sid, "sent")
            self.callback(sid, "delivered")
        except OSError:
            pass  # the app may be gone in a demo; Twilio would retry, we do not need to

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if path.startswith(f"/2010-04-01/Accounts/{standin.account_sid}/"):
                    if standin.outage:
                        self._send(standin.outage, json.dumps({"code": 20500, "message": "stand-in outage",
                                                               "status": standin.outage}).encode())
                        return
                    kind = "sms" if path.endswith("/Messages.json") else "call"
                    listing = standin.listing(kind, dict(urllib.parse.parse_qsl(query)), path)
                    self._send(200, json.dumps(listing).encode())
                elif self.path.startswith("/_calls"):
                    self._send(200, standin.calls_page().encode(), "text/html; charset=utf-8")
                elif self.path.startswith("/_sent.json"):
                    self._send(200, json.dumps([asdict(m) for m in standin.sent], ensure_ascii=False).encode())
                else:
                    self._send(200, standin.page().encode(), "text/html; charset=utf-8")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                path = self.path.split("?")[0]
                if path == "/_call":
                    call = standin.call_line(from_phone=form.get("from", "+84987654321"), keys=form.get("keys", ""),
                                             to=form.get("to") or "+84111000111")
                    heard = "".join(f"<li>{html.escape(line)}</li>" for line in call.heard)
                    self._send(200, f"<meta charset=utf-8><h1>Người gọi nghe / the caller heard</h1><ol>{heard}</ol>"
                               f"<p>Trạng thái / state: {html.escape(call.state)} {html.escape(call.queue or '')}</p>"
                               "<a href=/>&larr;</a>".encode(), "text/html; charset=utf-8")
                    return
                if path == "/_press":
                    self._send(200, standin.press_page(form).encode(), "text/html; charset=utf-8")
                    return
                if path == "/_reply":
                    twiml = standin.reply(from_phone=form.get("from", ""), body=form.get("body", ""))
                    answer = re.sub(r"<[^>]+>", " ", twiml.split("?>", 1)[-1]).strip()
                    self._send(200, f"<meta charset=utf-8><p>{html.escape(answer)}</p><a href=/>&larr;</a>"
                               .encode(), "text/html; charset=utf-8")
                    return
                expected = f"/2010-04-01/Accounts/{standin.account_sid}/"
                if not path.startswith(expected):
                    self._send(404, b'{"code": 20404, "message": "not found", "status": 404}')
                    return
                failure = standin.outage or (standin.fail_next.pop(0) if standin.fail_next else None)
                if failure:
                    status, code = failure if isinstance(failure, tuple) else (failure, 20500)
                    self._send(status, json.dumps({"code": code, "message": "stand-in failure",
                                                    "more_info": f"https://www.twilio.com/docs/errors/{code}",
                                                    "status": status}).encode())
                    return
                live = re.fullmatch(rf"{expected}Calls/(CA[0-9a-f]+)\.json", path)
                if live is not None:  # a call update: the live leg follows the new TwiML
                    sid, twiml = live.group(1), form.get("Twiml", "")
                    known = standin._public is not None and sid in standin._public.calls
                    if known:  # answered at once; the leg follows the TwiML afterwards, as Twilio does
                        threading.Thread(target=standin._redirect, args=(sid, twiml), daemon=True).start()
                    status = 200 if known else 404
                    self._send(status, json.dumps({"sid": live.group(1), "status": "in-progress"} if known else
                                                  {"code": 20404, "message": "not found", "status": 404}).encode())
                    return
                kind = "sms" if path.endswith("/Messages.json") else "call"
                item = standin._record(kind, form)
                if standin.delay:
                    time.sleep(standin.delay)  # accepted, answered late: the client may have given up
                try:
                    self._send(201, json.dumps(standin.resource(item, path)).encode())
                except OSError:
                    pass  # the client gave up waiting

        return Handler

    def page(self) -> str:
        rows = "".join(
            f"<tr><td>{time.strftime('%H:%M:%S', time.localtime(m.at))}</td><td>{m.kind}</td>"
            f"<td>{html.escape(m.to)}</td><td>{html.escape(m.body)}</td><td>{m.status}</td>"
            f"<td><form method=post action=/_reply><input type=hidden name=from value='{html.escape(m.to)}'>"
            f"<input name=body size=18 placeholder='NHAN ...'><button>Trả lời / reply</button></form></td></tr>"
            for m in reversed(self.sent)
        )
        return (
            "<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=15>"
            "<title>Twilio stand-in</title>"
            "<h1>Gọi tổng đài như người dân / call the line as the public</h1>"
            "<form method=post action=/_call>Số gọi / from <input name=from value='+84987654321'> "
            "Phím bấm / keys <input name=keys size=4 placeholder='1'> <button>Gọi 111 / call</button></form>"
            "<h1>Tin nhắn đã gửi / Messages sent (stand-in)</h1>"
            "<table border=1 cellpadding=4><tr><th>Giờ</th><th>Loại</th><th>Đến</th><th>Nội dung</th>"
            f"<th>Trạng thái</th><th>Trả lời như người nhận / reply as the recipient</th></tr>{rows}</table>"
        )


def gather_action(twiml: str) -> str | None:
    """The action URL of the first <Gather> in a TwiML document (our own, from the outbox)."""
    root = ElementTree.fromstring(twiml.split("?>", 1)[-1])  # noqa: S314 (TwiML the app under test wrote)
    gather = root.find("Gather")
    return None if gather is None else gather.get("action")
