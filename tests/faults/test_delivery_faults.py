"""Faults during delivery; in every one nothing is lost and nothing is sent twice (counted at the stand-in)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.conftest import ADMIN_URL
from tests.faults.conftest import Rig, kill_group, wait_for


def test_worker_killed_with_sigkill_during_a_burst(rig: Rig, redis_conn) -> None:
    """Two workers share a burst; the one sending gets `kill -9` with sends in flight; the other reconciles."""
    from core.queue import get_queue

    rig.standin.delay = 1.0
    rig.env["HOTLINE_TWILIO_TIMEOUT_SECONDS"] = "3"  # only the killed worker's sends are of unknown outcome
    rig.queue(40)
    doomed = rig.start_worker(HOTLINE_DELIVERY_THREADS="2")  # slow enough to be mid-burst when the other is up
    wait_for(lambda: len(rig.standin.sent) >= 4, what="the burst to be under way")
    survivor = rig.start_worker()
    workers = f"rq:workers:{get_queue().name}"
    wait_for(lambda: redis_conn.scard(workers) >= 2, what="the second worker to be up")
    assert len(rig.standin.sent) < 40, "the burst should still be going"
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(5)
    wait_for(rig.all_final, what="every message to reach a final status")
    assert survivor.poll() is None
    reconciled = rig.reconciled()
    rig.assert_exactly_once("kill -9 of the sending worker during a burst; a second worker takes over")
    assert 1 <= reconciled <= 2, "the kill should land mid-send (the killed worker has 2 threads)"


def test_postgresql_restart_while_sends_are_in_flight(rig: Rig, db: str) -> None:
    """The database goes away while Twilio is answering: the outcome commits fail after Twilio accepted.

    Simulated on this run's own database (the cluster is shared with other test runs): every connection
    to it is terminated and new ones are refused for 2 s (`ALLOW_CONNECTIONS false`), exactly what the
    worker sees of a restart. With HOTLINE_TEST_PG_RESTART=1 the real cluster is restarted instead
    (`pg_ctlcluster <version> main restart`).
    """
    rig.standin.delay = 1.0
    rig.env["HOTLINE_TWILIO_TIMEOUT_SECONDS"] = "3"
    rig.queue(16)
    rig.start_worker()
    wait_for(lambda: len(rig.standin.sent) >= 4, what="sends to be in flight")
    if os.environ.get("HOTLINE_TEST_PG_RESTART") == "1":
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run(["pg_ctlcluster", version, "main", "restart"], check=True)
    else:
        _database_down_for(db, seconds=2.0)
    wait_for(rig.all_final, what="every message to reach a final status")
    assert rig.reconciled() >= 1, "some outcome commits should have failed and been reconciled"
    rig.assert_exactly_once("PostgreSQL restart")


def _database_down_for(url: str, *, seconds: float) -> None:
    name = url.rsplit("/", 1)[-1]
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                         {"n": name})
            time.sleep(seconds)  # the outage itself, not a deadline
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    finally:
        admin.dispose()


def test_redis_down_for_20_seconds(rig: Rig, tmp_path: Path, monkeypatch) -> None:
    """A private redis-server (never the shared one) is stopped for 20 s while messages keep coming;
    each message's wake-up is enqueued after commit as the service layer does (and lost while Redis is down)."""
    from redis import Redis

    from core.queue import get_queue
    from core.settings import reset_settings
    from devtools.embedded_redis import start_redis

    url, redis_proc = start_redis(tmp_path)
    port = int(url.rsplit(":", 1)[-1].split("/")[0])
    rig.env["HOTLINE_REDIS_URL"] = url
    monkeypatch.setenv("HOTLINE_REDIS_URL", url)
    reset_settings()
    rig.wake_after_commit = True
    try:
        rig.queue(10)
        rig.start_worker()
        wait_for(rig.all_final, what="the first messages")
        redis_proc.terminate()
        redis_proc.wait(5)
        down_until = time.monotonic() + 20
        start = 10
        while time.monotonic() < down_until:  # messages keep coming during the outage
            rig.queue(2, start=start)
            start += 2
            time.sleep(2)
        _, redis_proc = start_redis(tmp_path, port=port)
        wait_for(rig.all_final, what="every message to reach a final status")
        rig.assert_exactly_once(f"Redis down 20 s, {start} messages")
        jobs, waiting = len(Redis.from_url(url).keys("rq:job:*")), len(get_queue(messages=True))
        print(f"[Redis down 20 s] jobs in Redis after recovery: {jobs} ({waiting} waiting) for {start} messages")
        assert jobs <= start and waiting <= start
    finally:
        redis_proc.terminate()
        redis_proc.wait(5)
        monkeypatch.undo()
        reset_settings()


def test_a_provider_that_hangs_past_the_client_timeout(rig: Rig) -> None:
    """Twilio accepts each message but answers after 2.5 s; we give up after 1 s. An emergency created
    while every delivery thread hangs goes out before the normal cases queued ahead of it."""
    rig.standin.delay = 2.5
    rig.queue(8)
    rig.start_worker()
    wait_for(lambda: len(rig.standin.sent) >= 4, what="the first sends to hang")
    [emergency] = rig.queue(1, priority=0, start=100)
    wait_for(rig.all_final, what="every message to reach a final status")
    order = [s.to for s in rig.standin.sent]
    position = order.index("+84900000100")
    print(f"\n[provider hangs] emergency was received {position + 1}th of {len(order)}")
    assert position <= 5, order
    assert rig.reconciled() == len(order), "every send timed out and was found at the provider"
    rig.assert_exactly_once("provider hangs past the client timeout")
    assert emergency in rig.standin.by_outbox()


def test_a_killed_worker_leaves_no_scheduler_renewing_its_locks(rig: Rig, redis_conn) -> None:
    """RQ's own scheduler is a forked child that outlives a `kill -9` of its worker; ours is a thread."""
    from core.queue import get_queue

    worker = rig.start_worker()
    key = f"rq:scheduler-lock:{get_queue().name}"
    wait_for(lambda: redis_conn.exists(key), what="the scheduler lock")
    children = _children(worker.pid)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(5)
    before = redis_conn.ttl(key)
    time.sleep(2.5)  # a live scheduler renews the lock every second
    after = redis_conn.ttl(key)
    print(f"\n[kill -9] worker children {children}, lock TTL {before} s then {after} s")
    assert children == []
    assert after <= before - 2
    assert _in_group(worker.pid) == []
    kill_group(worker)


def _children(pid: int) -> list[int]:
    return [p for p, ppid, _ in _processes() if ppid == pid]


def _in_group(pgid: int) -> list[int]:
    return [p for p, _, group in _processes() if group == pgid]


def _processes() -> list[tuple[int, int, int]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            found.append((int(entry.name), int(fields[1]), int(fields[2])))
    return found


