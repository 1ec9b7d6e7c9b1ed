"""High-availability drills on real processes: two `hotline serve` and two `hotline worker` processes take a
steady stream of web reports while a machine goes. Each drill prints what it counted; none may lose an
accepted report, send an SMS twice, or fire a timer more than 60 s late.

1. The PostgreSQL primary is killed (postmaster and every backend, SIGKILL) mid-burst and its synchronous
   standby promoted; the app reaches it through the multi-host URL (`target_session_attrs=read-write`).
2. The Redis primary is killed; the three sentinels promote the replica; RQ and the limits follow them.
3. A whole worker (its process group) is killed mid-burst; the other worker carries on.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.e2e.conftest import wait_for
from tests.ha.cluster import PgPair, RedisSet, ha_backends
from tests.ha.conftest import Burst, Line, point_at, settle_and_count, start_line

RATE = 3.0  # reports a second, over both servers
BURST_SECONDS = 10.0


@pytest.fixture
def backends(line_env: object) -> object:
    with ha_backends() as (pair, redis_set):
        yield pair, redis_set


@pytest.fixture
def redis_only(line_env: object, db: str) -> object:
    with ha_backends(pg=False) as (_, redis_set):
        yield redis_set


def _sentinel_settings(redis_set: RedisSet) -> dict[str, str]:
    return {"HOTLINE_REDIS_URL": "redis://127.0.0.1:6379/0", "HOTLINE_REDIS_SENTINELS": redis_set.sentinels,
            "HOTLINE_REDIS_SENTINEL_MASTER": redis_set.master}


def test_postgresql_primary_killed_mid_burst_and_standby_promoted(
        backends: tuple[PgPair, RedisSet], line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    pair, redis_set = backends
    point_at(monkeypatch, HOTLINE_DATABASE_URL=pair.url, **_sentinel_settings(redis_set))
    started = time.monotonic()
    bases = start_line(line)
    burst = Burst(bases, RATE).start(BURST_SECONDS)
    wait_for(lambda: len(burst.accepted) >= 9, timeout=30, what="the burst to be under way")
    took = pair.fail_over()
    burst.join()
    tally = settle_and_count(line, burst)
    print(f"\n[PostgreSQL fail-over] promoted in {took:.1f} s; drill {time.monotonic() - started:.0f} s")
    print(tally.line("PostgreSQL primary killed mid-burst, standby promoted"))
    assert tally.accepted > len(burst.refused), line.tail()
    tally.assert_nothing_lost()
    assert len(burst.accepted) > 9, "reports must be accepted again after the fail-over"


def test_redis_primary_killed_sentinels_fail_over(
        redis_only: RedisSet, line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    redis_set = redis_only
    point_at(monkeypatch, **_sentinel_settings(redis_set))
    started = time.monotonic()
    bases = start_line(line)
    burst = Burst(bases, RATE).start(BURST_SECONDS)
    wait_for(lambda: len(burst.accepted) >= 9, timeout=30, what="the burst to be under way")
    old = redis_set.current_primary()
    took = redis_set.kill_primary()
    assert redis_set.current_primary() != old
    burst.join()
    tally = settle_and_count(line, burst)
    print(f"\n[Redis fail-over] sentinels promoted the replica in {took:.1f} s; "
          f"drill {time.monotonic() - started:.0f} s")
    print(tally.line("Redis primary killed, sentinels fail over"))
    tally.assert_nothing_lost()
    assert burst.refused == {}, "a Redis fail-over must not refuse a report (the limits fail open)"


def test_a_whole_worker_killed_mid_burst(
        redis_only: RedisSet, line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    redis_set = redis_only
    point_at(monkeypatch, **_sentinel_settings(redis_set))
    started = time.monotonic()
    bases = start_line(line)
    burst = Burst(bases, RATE).start(BURST_SECONDS)
    wait_for(lambda: len(line.standin.messages()) >= 8, timeout=30, what="SMS to be going out")
    doomed = line.workers[0]
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait(5)
    burst.join()
    tally = settle_and_count(line, burst)
    assert line.workers[1].poll() is None
    print(f"\n[worker killed] drill {time.monotonic() - started:.0f} s")
    print(tally.line("a whole worker killed mid-burst"))
    tally.assert_nothing_lost()
    assert burst.refused == {}
