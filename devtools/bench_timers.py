"""`hotline bench timers`: how late SLA timers fire with N pending, normally and across a Redis FLUSHALL.

Everything runs on a throwaway PostgreSQL database and a private redis-server (the shared Redis is
never touched), with real `hotline worker` processes: RQ worker + RQ scheduler + the sweeper.

What is measured is the timer machinery only: RQ scheduling, the sweeper, row locking with
`lock_due` / `lock_overdue`. Every timer belongs to a closed case and was armed in a state the case
is not in, so `on_timer` takes its "stale" path and sends nothing: the handler is a no-op on purpose.
Lateness is `fired_at - due_at` of every timer; `fired_at` is stamped when a firer claims the row,
and a sweeper batch (up to 500 rows, ~0.1 s with this handler) commits after that.

The workers sweep every second unless HOTLINE_SWEEP_INTERVAL_SECONDS says otherwise: under load the
sweeper, not RQ, fires nearly every timer, so its interval bounds the lateness.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rq import Worker
from sqlalchemy import insert, text

from core.clock import utcnow
from core.db import get_engine
from core.queue import get_queue, get_redis
from devtools.bench_env import bench_environment
from workflows.case.models import Case, Ticket, Timer
from workflows.clocks.timers import FIRE_JOB, timer_job_id, wake_up_at

CASES = 100
CHUNK = 5_000
# The workers get these on top of the caller's environment (nothing may leave this machine).
WORKER_ENV = {
    "HOTLINE_SWEEP_INTERVAL_SECONDS": os.environ.get("HOTLINE_SWEEP_INTERVAL_SECONDS", "1.0"),
    "HOTLINE_PUBLIC_BASE_URL": "http://127.0.0.1:9",
    "HOTLINE_TWILIO_API_BASE": "http://127.0.0.1:9",
    "HOTLINE_LOG_LEVEL": "INFO",  # the sweeper's INFO lines tell how many timers it fired
}
_SWEEPER_LINE = re.compile(r"sweeper: \{'timers_fired': (\d+)")


def run_timer_bench(*, count: int = 100_000, spread_seconds: int = 180, workers: int = 2) -> dict[str, Any]:
    """Arm `count` timers due uniformly over `spread_seconds`, run `workers` workers, measure lateness.

    Run 1 is undisturbed; run 2 (fresh timers) flushes Redis half-way through the spread, so every
    scheduled wake-up vanishes and the sweeper alone must fire the rest.
    """
    if count < 1 or spread_seconds < 1 or workers < 1:
        raise ValueError("count, spread_seconds and workers must be positive")
    lead = 10 + count / 2_000  # seconds to arm before the first timer is due (~2,500 a second here)
    runs = []
    # A plain `kill` must still drop the database and stop the workers (they have sessions of their own).
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        with bench_environment(WORKER_ENV) as (env, workdir):
            _seed_cases()
            for name, flush in (("normal", False), ("flushall", True)):
                runs.append(_run_once(name, env, workdir, count=count, spread=spread_seconds, lead=lead,
                                      workers=workers, flush=flush))
    finally:
        signal.signal(signal.SIGTERM, previous)
    result = {"count": count, "spread_seconds": spread_seconds, "workers": workers,
              "sweep_interval_seconds": float(WORKER_ENV["HOTLINE_SWEEP_INTERVAL_SECONDS"]), "runs": runs}
    print(format_table(result))
    return result


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def format_table(result: dict[str, Any]) -> str:
    lines = [
        f"timers: {result['count']} due over {result['spread_seconds']} s, {result['workers']} workers, "
        f"sweep every {result['sweep_interval_seconds']} s; no-op handler (stale path): "
        "this is the lateness of the timer machinery",
        f"{'run':<10}{'timers':>8}{'p50 s':>8}{'p99 s':>8}{'max s':>8}{'min s':>8}{'arm s':>8}"
        f"{'swept':>8}{'via RQ':>8}{'RQ left':>9}",
    ]
    for r in result["runs"]:
        lines.append(
            f"{r['run']:<10}{r['fired']:>8}{r['p50']:>8.3f}{r['p99']:>8.3f}{r['max']:>8.3f}{r['min']:>8.3f}"
            f"{r['arm_seconds']:>8.1f}{r['swept']:>8}{r['via_rq']:>8}{r['rq_backlog']:>9}"
        )
    lines.append("swept: fired by the sweeper (its log lines); via RQ: the rest; "
                 "RQ left: wake-ups still queued when the last timer had fired")
    return "\n".join(lines)


def _seed_cases() -> None:
    """Closed cases: a timer armed in state "bench" is stale for them, so firing has no side effect."""
    now = utcnow()
    with get_engine().begin() as conn:
        tickets = conn.execute(insert(Ticket).returning(Ticket.id), [
            {"reference": f"BT{i:06d}", "channel": "web", "received_at": now, "created_at": now}
            for i in range(CASES)
        ]).scalars().all()
        conn.execute(insert(Case), [
            {"reference": f"BC{i:06d}", "ticket_id": t, "state": "closed", "urgency": "normal",
             "received_at": now, "description": "bench", "child_sex": "unknown", "immediate_danger": False,
             "consent_to_contact": False, "assignee_order": 0,
             "created_at": now, "updated_at": now}
            for i, t in enumerate(tickets)
        ])


def _run_once(
    name: str, env: dict[str, str], workdir: Path, *, count: int, spread: int, lead: float, workers: int,
    flush: bool,
) -> dict[str, Any]:
    with get_engine().begin() as conn:
        conn.execute(text("TRUNCATE timers RESTART IDENTITY"))
    get_redis().flushall()  # the private Redis: a clean start for each run
    logs = [workdir / f"{name}-worker{i}.log" for i in range(workers)]
    procs = _start_workers(env, logs)
    try:
        _wait_workers_ready(procs, logs)
        started = time.monotonic()
        first_due = utcnow() + timedelta(seconds=lead)
        _arm(count, first_due, spread)
        arm_seconds = time.monotonic() - started
        if arm_seconds > lead:
            print(f"warning: arming took {arm_seconds:.1f} s, longer than the {lead:.0f} s lead", file=sys.stderr)
        flusher = None
        if flush:
            flusher = threading.Timer(lead - arm_seconds + spread / 2, get_redis().flushall)
            flusher.start()
        _wait_all_fired(procs, logs, timeout=lead + spread + 120)
        if flusher is not None:
            flusher.cancel()
        backlog = len(get_queue())  # wake-ups still queued when the last timer has fired
    finally:
        _stop_workers(procs)
    stats = _lateness()
    swept = sum(int(m[1]) for log in logs for m in _SWEEPER_LINE.finditer(log.read_text(errors="replace")))
    return {"run": name, **stats, "arm_seconds": round(arm_seconds, 2), "swept": swept,
            "via_rq": stats["fired"] - swept, "rq_backlog": backlog, "flushall": flush}


def _arm(count: int, first_due: datetime, spread: int) -> None:
    """Rows first (Core insert, in chunks), then one RQ wake-up per row exactly as `arm` schedules it.

    The jobs go through a pipeline rather than `core.queue.schedule` one by one (its `unique=True`
    Lua script cannot be pipelined): same function, arguments, job id and scheduled time, and a
    fresh Redis holds no duplicates anyway.
    """
    step = spread / count
    queue = get_queue()
    for lo in range(0, count, CHUNK):
        dues = [first_due + timedelta(seconds=i * step) for i in range(lo, min(lo + CHUNK, count))]
        rows = [
            {"case_id": 1 + (lo + n) % CASES, "clock": "bench", "kind": "deadline", "armed_in_state": "bench",
             "due_at": due, "created_at": utcnow()}
            for n, due in enumerate(dues)
        ]
        with get_engine().begin() as conn:
            ids = conn.execute(insert(Timer).returning(Timer.id, sort_by_parameter_order=True), rows).scalars()
            armed = list(zip(ids, dues, strict=True))
        with queue.connection.pipeline(transaction=False) as pipe:
            for timer_id, due_at in armed:
                job = queue.create_job(FIRE_JOB, args=(timer_id,), job_id=timer_job_id(timer_id, due_at),
                                       result_ttl=600, failure_ttl=7 * 86400)
                queue.schedule_job(job, wake_up_at(due_at), pipeline=pipe)
            pipe.execute()


def _start_workers(env: dict[str, str], logs: Sequence[Path]) -> list[subprocess.Popen[bytes]]:
    hotline = str(Path(sys.executable).with_name("hotline"))
    procs = []
    for log in logs:
        with log.open("wb") as out:
            # A session of its own: the worker and the scheduler it forks are stopped together.
            procs.append(subprocess.Popen([hotline, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                          start_new_session=True))
    return procs


def _stop_workers(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for proc in procs:
        with suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.1, deadline - time.monotonic()))
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group (the forked scheduler)
        proc.wait()


def _check_alive(procs: Sequence[subprocess.Popen[bytes]], logs: Sequence[Path]) -> None:
    for proc, log in zip(procs, logs, strict=True):
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"worker exited with {proc.returncode}: " + " | ".join(tail))


def _wait_workers_ready(procs: Sequence[subprocess.Popen[bytes]], logs: Sequence[Path]) -> None:
    """Arm only once every worker listens, so that their start-up does not eat into the lead."""
    deadline = time.monotonic() + 120
    while Worker.count(connection=get_redis()) < len(procs):
        _check_alive(procs, logs)
        if time.monotonic() > deadline:
            raise TimeoutError("workers did not start")
        time.sleep(0.2)


def _wait_all_fired(procs: Sequence[subprocess.Popen[bytes]], logs: Sequence[Path], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _check_alive(procs, logs)
        with get_engine().connect() as conn:
            if not conn.execute(text("SELECT count(*) FROM timers WHERE fired_at IS NULL")).scalar_one():
                return
        time.sleep(1.0)
    raise TimeoutError(f"timers still unfired after {timeout:.0f} s")


def _lateness() -> dict[str, Any]:
    query = text(
        "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY s), "
        "percentile_cont(0.99) WITHIN GROUP (ORDER BY s), max(s), min(s) "
        "FROM (SELECT extract(epoch FROM fired_at - due_at)::float AS s FROM timers) AS lateness"
    )
    with get_engine().connect() as conn:
        fired, p50, p99, worst, best = conn.execute(query).one()
    return {"fired": fired, "p50": round(p50, 3), "p99": round(p99, 3), "max": round(worst, 3),
            "min": round(best, 3)}
