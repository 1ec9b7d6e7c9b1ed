"""Browser tests: the live app on a real port, Debian's chromium driven by Playwright, nothing from
the internet (every request that is not to 127.0.0.1 is aborted and remembered), a screenshot of
every page kept in tests/artifacts/ (not committed)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}  # the narrowest screen the pages must read well on


@pytest.fixture(scope="session")
def live_app(pg_url: str) -> Iterator[str]:
    """The whole app (uvicorn) on a free loopback port, on the run's test database (each test's `page`
    empties the tables first)."""
    import uvicorn

    from devtools.embedded_redis import free_port
    from intake.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise AssertionError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


class Offline:
    """Aborts any request that would leave this machine, and remembers it."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def __call__(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:")) or host in {"127.0.0.1", "localhost"}:
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.blocked.append(url)
            route.abort()  # type: ignore[attr-defined]


@pytest.fixture
def page(browser: object, live_app: str, db: str, redis_conn: object) -> Iterator[object]:
    context = browser.new_context(viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",  # type: ignore[attr-defined]
                                  base_url=live_app)
    offline = Offline()
    context.route("**/*", offline)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.offline_guard = offline
    yield tab
    context.close()
    assert offline.blocked == [], f"the page tried to reach the internet: {offline.blocked}"


def shoot(page: object, name: str) -> Path:
    """A full-page screenshot kept as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def fits_the_phone(page: object) -> bool:
    """Nothing wider than the 390 px screen: no sideways scrolling."""
    width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    return int(width) <= PHONE["width"]
