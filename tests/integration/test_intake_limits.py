"""Public intake cannot flood the communes: limits per client address and per reporter phone (Redis)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from starlette.requests import Request

from core.clock import FrozenClock, set_clock
from core.crypto import blind_index
from core.db import unit_of_work
from core.settings import reset_settings
from intake.api.ratelimit import client_address
from workflows.case.models import Case

REPORT = {"description": "Cháu bé bị đánh", "location": "xã Cam Lộ, Quảng Trị"}


@pytest.fixture
def limits() -> Iterator[object]:
    saved = dict(os.environ)

    def use(**values: object) -> None:
        for name, value in values.items():
            os.environ[f"HOTLINE_{name.upper()}"] = str(value)
        reset_settings()

    # The suite lifts the limits (tests/conftest.py); here they are the defaults unless a test says otherwise.
    for name in ("HOTLINE_INTAKE_LIMIT_PER_ADDRESS", "HOTLINE_INTAKE_LIMIT_PER_PHONE"):
        os.environ.pop(name, None)
    reset_settings()
    clock = FrozenClock(datetime(2026, 3, 2, 3, 0, tzinfo=UTC))
    previous = set_clock(clock)
    yield use
    set_clock(previous)
    os.environ.clear()
    os.environ.update(saved)
    reset_settings()


def _cases() -> int:
    with unit_of_work() as uow:
        return int(uow.session.execute(select(func.count()).select_from(Case)).scalar_one())


def test_a_flood_from_one_address_is_refused_with_retry_after(client, limits) -> None:
    limits(intake_limit_per_address=3)
    codes = [client.post("/api/v1/reports", json=REPORT).status_code for _ in range(6)]
    assert codes == [201, 201, 201, 429, 429, 429]
    refused = client.post("/api/v1/reports", json=REPORT)
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["retry-after"] == "600"  # the window started with the frozen clock
    body = refused.json()
    assert body["status"] == 429 and "quá nhiều báo cáo" in body["message"] and "111" in body["message"]
    assert "Too many reports" in body["message_en"]
    assert _cases() == 3


def test_the_limit_opens_again_after_its_window(client, limits) -> None:
    limits(intake_limit_per_address=1)
    assert client.post("/api/v1/reports", json=REPORT).status_code == 201
    assert client.post("/api/v1/reports", json=REPORT).status_code == 429
    from core.clock import get_clock

    get_clock().advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    assert client.post("/api/v1/reports", json=REPORT).status_code == 201


def test_one_reporter_phone_is_limited_and_never_appears_in_redis(client, limits, redis_conn) -> None:
    limits(intake_limit_per_phone=2)
    with_phone = {**REPORT, "reporter_phone": "0987 654 321"}
    codes = [client.post("/api/v1/reports", json=with_phone).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert client.post("/api/v1/reports", json=REPORT).status_code == 201  # the address itself is not over
    keys = " ".join(k.decode() for k in redis_conn.keys("*"))
    assert "987654321" not in keys and "0987" not in keys and blind_index("+84987654321") in keys


def test_the_form_shows_a_readable_vietnamese_page(client, limits) -> None:
    limits(intake_limit_per_address=1)
    assert client.post("/bao-cao", data=REPORT).status_code == 201
    page = client.post("/bao-cao", data=REPORT)
    assert page.status_code == 429 and page.headers["retry-after"]
    assert "Vui lòng thử lại sau" in page.text and "quá nhiều báo cáo" in page.text and "<script" not in page.text
    english = client.post("/bao-cao?lang=en", data=REPORT)
    assert english.status_code == 429 and "Too many reports" in english.text


def test_when_redis_is_down_reports_still_go_through(client, limits) -> None:
    limits(intake_limit_per_address=1, redis_url="redis://127.0.0.1:9/0")
    codes = [client.post("/api/v1/reports", json=REPORT).status_code for _ in range(3)]
    assert codes == [201, 201, 201]


def _request(peer: str, forwarded: str | None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 40000), "headers": headers, "method": "POST", "path": "/"})


def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(limits) -> None:
    assert client_address(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"  # no proxy configured
    limits(trusted_proxies="10.0.0.0/8, 127.0.0.1")
    assert client_address(_request("10.1.2.3", "203.0.113.9")) == "203.0.113.9"
    # A client cannot hide behind an address it writes itself: the nearest hop our proxy saw counts.
    assert client_address(_request("10.1.2.3", "1.2.3.4, 203.0.113.9, 10.0.0.5")) == "203.0.113.9"
    assert client_address(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"  # not our proxy


def test_the_window_slides_so_a_boundary_never_lets_twice_the_limit_through(client, limits) -> None:
    """With a fixed window, 30 reports just before its end and 30 just after went through: 60 in 20 s."""
    from core.clock import get_clock

    limits(intake_limit_per_address=3, intake_limit_window_seconds=60)
    clock = get_clock()
    clock.advance(timedelta(seconds=50))  # 10 s before what was a fixed window's end
    assert [client.post("/api/v1/reports", json=REPORT).status_code for _ in range(3)] == [201] * 3
    clock.advance(timedelta(seconds=20))  # past that boundary: the last 60 s still hold 3 reports
    refused = client.post("/api/v1/reports", json=REPORT)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "40"  # when the first leaves
    clock.advance(timedelta(seconds=40))
    assert client.post("/api/v1/reports", json=REPORT).status_code == 201
    assert _cases() == 4
