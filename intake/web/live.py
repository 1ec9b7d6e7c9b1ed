"""Live pages by server-sent events: the intake desk's queue and the supervisor board share this.

A stream re-reads its fragment about once a second (through `SharedReads`, so any number of watchers
of the same view cost one read) and sends the HTML only when it changed; a comment every 15 s keeps
proxies from closing it. It ends after five minutes: the browser's EventSource reconnects, and the
session is checked again. The page's script (static/console/console.js) swaps the fragment in.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Hashable
from typing import Generic, TypeVar

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 300.0
MAX_KEYS = 64
FORGET_SECONDS = 600.0


def sse(data: str, event: str = "queue") -> str:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


class SharedReads(Generic[T]):
    """A value per key, computed again only when it is older than `max_age` seconds or its `stamp`
    changed (a change counter), whatever the number of streams asking. `fresh` forces a new read: a
    new stream never replaces the page it serves with an older value."""

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self._values: dict[Hashable, tuple[float, Hashable, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T], *, stamp: Hashable = None, fresh: bool = False) -> T:
        with self._lock:
            known = self._values.get(key)
            if known is not None and not fresh and known[1] == stamp and time.monotonic() - known[0] < self.max_age:
                return known[2]
            value = compute()
            now = time.monotonic()
            self._values[key] = (now, stamp, value)
            if len(self._values) > MAX_KEYS:  # views nobody watches any more (a filter used once) go
                for old in [k for k, (at, _s, _v) in self._values.items() if now - at > FORGET_SECONDS]:
                    del self._values[old]
            return value


def event_stream(request: Request, read: Callable[[bool], str], *, event: str,
                 poll_seconds: float = POLL_SECONDS) -> StreamingResponse:
    """`read(fresh)` gives the fragment's HTML; the stream sends it as `event` whenever it changes."""

    async def events() -> AsyncIterator[str]:
        last, last_sent = "", time.monotonic()
        started = last_sent
        yield "retry: 2000\n\n"
        while time.monotonic() - started < STREAM_SECONDS:
            if await request.is_disconnected():
                return
            html = await run_in_threadpool(read, not last)
            if html != last:
                last, last_sent = html, time.monotonic()
                yield sse(html, event)
            elif time.monotonic() - last_sent > KEEPALIVE_SECONDS:
                last_sent = time.monotonic()
                yield ": still here\n\n"
            await asyncio.sleep(poll_seconds)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
