"""Fault tests: real `hotline worker` processes, real PostgreSQL and Redis, the Twilio stand-in, and a fault.

Each test is bounded (well under 40 s), says what it breaks, and ends by counting, per outbox row, how many
times the stand-in received it: lost (0) and duplicated (>1) must both be zero.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from devtools.twilio_standin import TwilioStandIn
from tests.e2e.conftest import wait_for as e2e_wait_for

FINAL_WAIT = 30.0


def wait_for(predicate: Callable[[], object], timeout: float = FINAL_WAIT, what: str = "condition") -> object:
    """Poll for something a real worker does (not a deadline passing)."""
    return e2e_wait_for(predicate, timeout=timeout, what=what)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


@dataclass
class Rig:
    standin: TwilioStandIn
    env: dict[str, str]
    logs: Path
    wake_after_commit: bool = False
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self, **overrides: str) -> subprocess.Popen[bytes]:
        hotline = str(Path(sys.executable).with_name("hotline"))
        log = (self.logs / f"worker-{len(self.workers)}.log").open("wb")
        worker = subprocess.Popen([hotline, "worker"], env={**self.env, **overrides},
                                  start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.workers.append(worker)
        return worker

    def queue(self, count: int, *, priority: int = 2, start: int = 0) -> list[int]:
        """`count` messages to distinct phones, as the service layer would leave them in the outbox."""
        from core.clock import utcnow
        from core.db import unit_of_work
        from notifier.outbox import queue_message

        with unit_of_work() as uow:
            rows = [queue_message(uow.session, case_id=None, channel="sms", to_phone=f"+8490{start + n:07d}",
                                  body=f"111: Ca TE{start + n:07d} can xu ly.", purpose="assignment",
                                  now=utcnow(), priority=priority) for n in range(count)]
            ids = [row.id for row in rows]
            uow.commit()
        if self.wake_after_commit:  # what workflows.case.effects.message does after commit
            from core.queue import enqueue

            for outbox_id in ids:
                enqueue("workflows.jobs.deliver_message", outbox_id, job_id=f"outbox-{outbox_id}-1", messages=True)
        return ids

    def statuses(self) -> dict[int, str]:
        from sqlalchemy import select

        from core.db import unit_of_work
        from notifier.models import OutboxMessage

        with unit_of_work() as uow:
            return {i: s for i, s in uow.session.execute(select(OutboxMessage.id, OutboxMessage.status)).all()}

    def all_final(self) -> bool:
        statuses = self.statuses()
        return bool(statuses) and all(s not in {"pending", "attempting"} for s in statuses.values())

    def reconciled(self) -> int:
        from sqlalchemy import func, select

        from core.db import unit_of_work
        from notifier.models import OutboxMessage

        with unit_of_work() as uow:
            return int(uow.session.execute(select(func.count()).where(
                OutboxMessage.last_error.like("%found at the provider%"))).scalar_one())

    def assert_exactly_once(self, what: str) -> None:
        counts = self.standin.by_outbox()
        ids = list(self.statuses())
        lost = [i for i in ids if counts.get(i, 0) == 0]
        duplicated = {i: n for i, n in counts.items() if n > 1}
        print(f"\n[{what}] rows {len(ids)}, received {sum(counts.values())}, lost {len(lost)}, "
              f"duplicated {len(duplicated)}, reconciled {self.reconciled()}")
        assert lost == [], f"lost: {lost}"
        assert duplicated == {}, f"duplicated: {duplicated}"


@pytest.fixture
def rig(db: str, redis_conn: object, tmp_path: Path) -> Iterator[Rig]:
    standin = TwilioStandIn(account_sid="ACtest0000000000000000000000000000", auth_token="test-token").start()
    env = {
        **os.environ,
        "HOTLINE_TWILIO_API_BASE": standin.url,
        "HOTLINE_TWILIO_ACCOUNT_SID": standin.account_sid,
        "HOTLINE_TWILIO_AUTH_TOKEN": standin.auth_token,
        "HOTLINE_TWILIO_TIMEOUT_SECONDS": "1",
        "HOTLINE_DELIVERY_UNKNOWN_GRACE_SECONDS": "1",
        "HOTLINE_SWEEP_INTERVAL_SECONDS": "0.5",
        "HOTLINE_DELIVERY_THREADS": "4",
        "HOTLINE_LOG_LEVEL": "WARNING",
    }
    rig = Rig(standin=standin, env=env, logs=tmp_path)
    try:
        yield rig
    finally:
        for worker in rig.workers:
            kill_group(worker)
        standin.stop()
