"""The drills' rig: several `hotline serve` and `hotline worker` processes over HA backends, the Twilio
stand-in, a steady stream of web reports, and the counts every drill prints (accepted, lost, SMS twice,
timers late)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from devtools.embedded_redis import free_port
from devtools.twilio_standin import TwilioStandIn
from tests.e2e.conftest import wait_for
from tests.faults.conftest import kill_group
from tests.ha.cluster import available

LOCATION = "thôn Tân Xuân, xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị"
TIMER_LATE_SECONDS = 60.0
DRILL_POLICY = Path(__file__).with_name("sla_policy_drill.toml")


@pytest.fixture(autouse=True)
def _ha_available() -> None:
    if why := available():
        pytest.skip(f"high-availability drills need Debian's PostgreSQL and redis-server here: {why}")


@dataclass
class Burst:
    """Web reports at a constant rate, spread over the servers as a load balancer would (round robin)."""

    bases: list[str]
    rate: float
    accepted: list[str] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, seconds: float) -> Burst:
        total = int(seconds * self.rate)
        start = time.monotonic()
        slots = iter(range(total))
        slot_lock = threading.Lock()

        def run() -> None:
            with httpx.Client(timeout=15) as client:
                while not self._stop.is_set():
                    with slot_lock:
                        n = next(slots, None)
                    if n is None:
                        return
                    delay = start + n / self.rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)  # the constant rate's timetable, not a deadline
                    self._post(client, self.bases[n % len(self.bases)], n)

        self._threads = [threading.Thread(target=run, daemon=True) for _ in range(8)]
        for thread in self._threads:
            thread.start()
        return self

    def _post(self, client: httpx.Client, base: str, n: int) -> None:
        try:
            response = client.post(f"{base}/api/v1/reports", json={
                "description": f"Drill report {n}: a child left alone at home for days.", "location": LOCATION})
            outcome = str(response.status_code)
            if response.status_code == 201:
                with self._lock:
                    self.accepted.append(str(response.json()["reference"]))
                return
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        with self._lock:
            self.refused[outcome] = self.refused.get(outcome, 0) + 1

    def join(self) -> None:
        for thread in self._threads:
            thread.join(60)


@dataclass
class Line:
    """The running line: its processes, its stand-in, what it was sent."""

    env: dict[str, str]
    logs: Path
    standin: TwilioStandIn
    servers: list[tuple[subprocess.Popen[bytes], str]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def _spawn(self, argv: list[str], name: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(argv, env=self.env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return proc

    def serve(self, count: int) -> list[str]:
        hotline = str(Path(sys.executable).with_name("hotline"))
        for n in range(count):
            port = free_port()
            proc = self._spawn([hotline, "serve", "--port", str(port), "--workers", "1"], f"serve-{n}")
            self.servers.append((proc, f"http://127.0.0.1:{port}"))
        for proc, base in self.servers:
            wait_for(lambda b=base: _healthy(b), timeout=60, what=f"{base} to answer")  # type: ignore[misc]
            assert proc.poll() is None
        return [base for _, base in self.servers]

    def work(self, count: int) -> list[subprocess.Popen[bytes]]:
        hotline = str(Path(sys.executable).with_name("hotline"))
        started = [self._spawn([hotline, "worker"], f"worker-{len(self.workers) + n}") for n in range(count)]
        self.workers.extend(started)
        return started

    def stop(self) -> None:
        for proc in [*self.workers, *(p for p, _ in self.servers)]:
            kill_group(proc)

    def tail(self, lines: int = 30) -> str:
        out = []
        for log in sorted(self.logs.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(out)


def _healthy(base: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    return False


@pytest.fixture
def line_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[dict[str, str], TwilioStandIn]]:
    """The stand-in and the settings every process of the line shares (the test's own process too)."""
    from core.db import reset_engine
    from core.settings import reset_settings
    from workflows.clocks.context import reset_gateways, reset_policy

    standin = TwilioStandIn(account_sid="ACtest0000000000000000000000000000", auth_token="test-token").start()
    settings = {
        "HOTLINE_TWILIO_API_BASE": standin.url,
        "HOTLINE_TWILIO_ACCOUNT_SID": standin.account_sid,
        "HOTLINE_TWILIO_AUTH_TOKEN": standin.auth_token,
        "HOTLINE_TWILIO_TIMEOUT_SECONDS": "2",
        "HOTLINE_DELIVERY_UNKNOWN_GRACE_SECONDS": "1",
        "HOTLINE_SWEEP_INTERVAL_SECONDS": "0.5",
        "HOTLINE_SLA_POLICY": str(DRILL_POLICY),
        "HOTLINE_FOLD_WINDOW_SECONDS": "0",
        "HOTLINE_LOG_LEVEL": "WARNING",
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    reset_policy()
    reset_engine()
    reset_gateways()
    try:
        yield settings, standin
    finally:
        standin.stop()
        monkeypatch.undo()
        reset_settings()
        reset_policy()
        reset_engine()
        reset_gateways()


def point_at(monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    from core.db import reset_engine
    from core.queue import _clients
    from core.settings import reset_settings

    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    _clients.clear()
    reset_settings()
    reset_engine()


@pytest.fixture
def line(line_env: tuple[dict[str, str], TwilioStandIn], tmp_path: Path) -> Iterator[Line]:
    """Made after the backends are chosen (`point_at`): the processes copy the environment as it is then."""
    _, standin = line_env
    made = Line(env={}, logs=tmp_path, standin=standin)
    try:
        yield made
    finally:
        made.stop()


def start_line(line: Line, *, servers: int = 2, workers: int = 2) -> list[str]:
    line.env = dict(os.environ)
    from devtools.demo import import_demo_roster
    from migrations.run import upgrade

    upgrade()
    import_demo_roster()
    bases = line.serve(servers)
    line.work(workers)
    return bases


@dataclass
class Tally:
    accepted: int
    lost: list[str]
    refused: dict[str, int]
    messages: int
    received: int
    unsent: list[int]
    duplicated: dict[int, int]
    timers_fired: int
    timers_late: int
    worst_lateness: float

    def line(self, what: str) -> str:
        return (f"[{what}] reports accepted {self.accepted}, lost {len(self.lost)}, refused {self.refused}; "
                f"SMS and calls {self.messages}, received {self.received}, unsent {len(self.unsent)}, "
                f"duplicated {len(self.duplicated)}; timers fired {self.timers_fired}, "
                f"more than {TIMER_LATE_SECONDS:.0f} s late {self.timers_late}, worst {self.worst_lateness:.1f} s")

    def assert_nothing_lost(self) -> None:
        assert self.accepted > 0
        assert self.lost == [], f"accepted reports lost: {self.lost}"
        assert self.unsent == [], f"messages never sent: {self.unsent}"
        assert self.duplicated == {}, f"sent twice: {self.duplicated}"
        assert self.timers_late == 0, f"{self.timers_late} timers fired over {TIMER_LATE_SECONDS} s late"


def settle_and_count(line: Line, burst: Burst, *, settle: float = 60.0) -> Tally:
    """Wait until every accepted report's assignment went out and nothing is left to send, then count."""
    from sqlalchemy import func, select

    from core.clock import utcnow
    from core.db import unit_of_work
    from notifier.models import OutboxMessage
    from workflows.case.models import Case, Timer

    def quiet() -> bool:
        with contextlib.suppress(Exception), unit_of_work() as uow:
            pending = uow.session.execute(select(func.count()).where(
                OutboxMessage.status.in_(("pending", "attempting")))).scalar_one()
            cases = uow.session.execute(select(func.count()).select_from(Case)).scalar_one()
            overdue = uow.session.execute(select(func.count()).where(
                Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at < utcnow())).scalar_one()
            return pending == 0 and overdue == 0 and cases >= len(burst.accepted)
        return False

    try:
        wait_for(quiet, timeout=settle, what="the line to settle (every message sent, every due timer fired)")
    except AssertionError:
        with unit_of_work() as uow:
            print("outbox:", uow.session.execute(select(OutboxMessage.status, func.count()).group_by(
                OutboxMessage.status)).all())
            print("overdue timers:", uow.session.execute(select(Timer.clock, Timer.kind, func.count()).where(
                Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at < utcnow()).group_by(
                Timer.clock, Timer.kind)).all())
            print("cases:", uow.session.execute(select(func.count()).select_from(Case)).scalar_one(),
                  "accepted:", len(burst.accepted))
        print(line.tail())
        raise
    with unit_of_work() as uow:
        found = set(uow.session.execute(select(Case.reference).where(
            Case.reference.in_(burst.accepted))).scalars())
        rows = dict(uow.session.execute(select(OutboxMessage.id, OutboxMessage.status)).all())
        fired = uow.session.execute(select(Timer.due_at, Timer.fired_at).where(Timer.fired_at.is_not(None))).all()
        overdue = uow.session.execute(select(Timer.due_at).where(
            Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at < utcnow())).scalars().all()
    counts = line.standin.by_outbox()
    lateness = [(f - d).total_seconds() for d, f in fired]
    lateness += [(utcnow() - d).total_seconds() for d in overdue]
    return Tally(
        accepted=len(burst.accepted), lost=[r for r in burst.accepted if r not in found], refused=burst.refused,
        messages=len(rows), received=sum(counts.values()),
        unsent=[i for i, status in rows.items() if counts.get(i, 0) == 0 and status not in {"failed", "cancelled"}],
        duplicated={i: n for i, n in counts.items() if n > 1}, timers_fired=len(fired),
        timers_late=sum(1 for late in lateness if late > TIMER_LATE_SECONDS),
        worst_lateness=max(lateness, default=0.0))
