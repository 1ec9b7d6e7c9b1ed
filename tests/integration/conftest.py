"""In-process app on the real test database and Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def clock(db: str, redis_conn: object, roster: None, gateway: object) -> Iterator[object]:
    """A clock that starts at the real now (so RQ's scheduled times line up) and moves on command; a test
    file that needs another start defines its own `clock`."""
    from datetime import UTC, datetime

    from core.clock import FrozenClock, set_clock

    frozen = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


@pytest.fixture
def roster(db: str) -> None:
    from devtools.demo import import_demo_roster

    import_demo_roster()


@pytest.fixture
def client(db: str, redis_conn: object, roster: None) -> Iterator[TestClient]:
    from intake.app import create_app

    with TestClient(create_app()) as c:
        yield c


class FakeGateway:
    """SmsSender and Caller that remember what they were asked (for service tests without HTTP)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send_sms(self, *, to: str, body: str, status_callback: str):
        from notifier.ports import Sent

        self.sent.append(("sms", to, body))
        return Sent(provider_sid=f"SM{len(self.sent):032d}", status="queued")

    def call(self, *, to: str, twiml: str, status_callback: str):
        from notifier.ports import Sent

        self.sent.append(("call", to, twiml))
        return Sent(provider_sid=f"CA{len(self.sent):032d}", status="queued")

    def to(self, phone: str) -> list[str]:
        return [body for kind, p, body in self.sent if p == phone and kind == "sms"]


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    from workflows.clocks.context import reset_gateways, use_gateways

    fake = FakeGateway()
    use_gateways(fake, fake)
    yield fake
    reset_gateways()
