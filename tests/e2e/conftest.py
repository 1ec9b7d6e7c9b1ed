"""Live parts for end-to-end tests: the app over HTTP, a real worker process, the Twilio stand-in."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devtools.embedded_redis import free_port


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, what: str = "condition") -> object:
    """Poll for something a real worker does; this is not waiting for a deadline to pass."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _stop_group(process: subprocess.Popen) -> None:
    """The worker and its RQ scheduler child: a worker left running would take the next test's jobs."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@pytest.fixture
def live(db: str, redis_conn: object, fast_policy: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """The app on a real port, a worker process with the sweeper, and the Twilio stand-in."""
    import uvicorn

    from core.db import reset_engine
    from core.settings import get_settings, reset_settings
    from devtools.demo import import_demo_roster
    from devtools.twilio_standin import TwilioStandIn
    from intake.app import create_app
    from workflows.clocks.context import reset_gateways

    app_port = free_port()
    standin = TwilioStandIn(account_sid="ACtest0000000000000000000000000000", auth_token="test-token",
                            auto_deliver=True, app_url=f"http://127.0.0.1:{app_port}").start()
    for key, value in {
        "HOTLINE_PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
        "HOTLINE_TWILIO_API_BASE": standin.url,
        "HOTLINE_TWILIO_ACCOUNT_SID": standin.account_sid,
        "HOTLINE_TWILIO_AUTH_TOKEN": standin.auth_token,
        "HOTLINE_SWEEP_INTERVAL_SECONDS": "0.5",
    }.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    reset_engine()
    reset_gateways()
    import_demo_roster()

    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=app_port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, what="the app to start")
    hotline = str(Path(sys.executable).with_name("hotline"))
    worker = subprocess.Popen([hotline, "worker"], env=os.environ.copy(), start_new_session=True)
    try:
        yield {"base": f"http://127.0.0.1:{app_port}", "standin": standin, "settings": get_settings(),
               "worker": worker}
    finally:
        _stop_group(worker)
        server.should_exit = True
        thread.join(10)
        standin.stop()
        reset_gateways()
