"""A handler that reads a form or a body and then goes to the database must not hold the event loop.

Each of these handlers used to `await request.form()` (or the body) and then call the database or Redis
from the event loop itself: for as long as those calls took, every other request of the process waited
(a ping, a Twilio webhook, a report). Now the form is read by a dependency and the handler runs in the
thread pool. Each case makes the first slow call of its handler block for a while, and a ping sent
meanwhile must be answered before that call has returned.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from workflows.field.links import LinkNotFound

HELD_SECONDS = 0.8

CASES = [  # (module, the first sync call of the handler, what it gives back, the request)
    ("intake.api.reports", "check_intake", None,
     ("POST", "/bao-cao", {"data": {"description": "Cháu bé bị đánh nhiều lần", "location": "xã Cam Lộ, Quảng Trị"}})),
    ("intake.telephony.jasmin_webhooks", "inbound_key_is_valid", False,
     ("POST", "/jasmin/mo?key=x", {"data": {"from": "+84912345678", "content": "NHAN 1", "id": "m1"}})),
    ("intake.telephony.jasmin_webhooks", "receipt_signature_is_valid", False,
     ("POST", "/jasmin/dlr?outbox=1&sig=x", {"data": {"id": "m1", "message_status": "DELIVRD"}})),
    ("intake.telephony.zalo_webhooks", "signature_is_valid", False,
     ("POST", "/zalo/webhook", {"content": b"{}"})),
    ("intake.commune.answer_page", "show_link", LinkNotFound(),
     ("POST", "/x/not-a-token", {"data": {"action": "acknowledge"}})),
    ("intake.commune.officer_pages", "officer_session", None,
     ("POST", "/xa/ca/TE0000000/acknowledge", {"data": {"csrf_token": "x"}})),
    ("intake.console.contact_pages", "form_session", None,
     ("POST", "/lien-he/LH0000000/mo-ca", {"data": {"csrf_token": "x"}})),
]


@pytest.mark.parametrize(("module", "name", "gives", "request_"), CASES, ids=[c[3][1] for c in CASES])
def test_a_ping_is_answered_while_a_form_handler_waits_on_the_database(
    db: str, redis_conn: object, roster: None, monkeypatch: pytest.MonkeyPatch,
    module: str, name: str, gives: Any, request_: tuple[str, str, dict[str, Any]],
) -> None:
    from intake.app import create_app

    entered, left = threading.Event(), threading.Event()

    def held(*_args: Any, **_kwargs: Any) -> Any:
        entered.set()
        time.sleep(HELD_SECONDS)  # a slow database or Redis, as seen from the handler
        left.set()
        if isinstance(gives, Exception):
            raise gives
        return gives

    monkeypatch.setattr(f"{module}.{name}", held)
    app = create_app()
    method, path, body = request_

    async def both() -> tuple[int, bool]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            async def slow() -> int:
                return (await c.request(method, path, **body)).status_code

            async def ping() -> bool:
                while not entered.is_set():
                    await asyncio.sleep(0.01)
                assert (await c.get("/api/v1/ping")).status_code == 200
                return not left.is_set()  # answered while the slow call was still held

            status, answered_meanwhile = await asyncio.gather(slow(), ping())
            return status, answered_meanwhile

    # A loop of its own in a thread of its own: the browser tests' Playwright keeps one running in this thread.
    with ThreadPoolExecutor(1) as pool:
        status, answered_meanwhile = pool.submit(asyncio.run, both()).result()
    assert status < 500
    assert answered_meanwhile, f"{method} {path} held the event loop while {name} ran"
