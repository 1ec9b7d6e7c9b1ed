"""Long-running processes: `hotline worker` = the RQ worker, the scheduler, the sweeper, the deliverers.

Everything is a thread of one process, so a `kill -9` leaves nothing behind: RQ's own scheduler runs in
a forked child that outlives its worker and keeps renewing its lock; ours is a thread whose lock lapses
within a minute of the process dying (and the database sweeper fires timers meanwhile).

Messages are sent by `delivery_threads` threads that claim due rows from the database, most urgent first,
so a provider that hangs until the client timeout holds one thread, not an emergency behind it. Redis
only wakes them sooner; they read the database every sweep interval whatever Redis does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.scheduler import RQScheduler
from rq.serializers import JSONSerializer

from core.queue import DELIVERERS_TTL, deliverers_key, doorbell_key, get_queue, get_redis, work_queues
from core.settings import get_settings
from workflows.field.delivery import deliver_next
from workflows.jobs import sweep, use_delivery_waker
from workflows.operations.heartbeat import note_sweep, worker_name
from workflows.supervision.daily import run_due_daily_jobs

log = logging.getLogger(__name__)


class Liveness:
    """When the sweeper's loop last went round (done or failed): a loop stuck for a minute is a dead worker."""

    STUCK_AFTER = 60.0
    last = time.monotonic()

    @classmethod
    def beat(cls) -> None:
        cls.last = time.monotonic()

    @classmethod
    def alive(cls) -> bool:
        return time.monotonic() - cls.last < cls.STUCK_AFTER


def sweep_forever(stop: threading.Event, interval: float | None = None) -> None:
    """Fire what is overdue and wake the deliverers for what is due, every second, whatever Redis did;
    run the daily jobs (the report reminders) when their hour has come."""
    every = interval or get_settings().sweep_interval_seconds
    name = worker_name()
    while not stop.is_set():
        Liveness.beat()
        try:
            done = sweep()
            if any(done.values()):
                log.info("sweeper: %s", done)
            if daily := run_due_daily_jobs():
                log.info("daily jobs: %s", daily)
            note_sweep(name)  # a round that failed notes nothing: "nothing swept" shows it
        except Exception:
            log.exception("sweeper round failed; trying again")
        stop.wait(every)


def schedule_forever(stop: threading.Event) -> None:
    """RQ's scheduler (moves due `enqueue_at` jobs to their queues) as a thread of this process."""
    scheduler: RQScheduler | None = None
    while not stop.is_set():
        try:
            if scheduler is None:
                names = [q.name for q in (get_queue(messages=True), get_queue())]
                scheduler = RQScheduler(names, connection=get_redis(), serializer=JSONSerializer)
            if scheduler.acquire_locks():  # acquires or refreshes; another worker's scheduler may hold them
                scheduler.enqueue_scheduled_jobs()
        except (ConnectionError, OSError, RedisError) as exc:
            log.warning("scheduler lost Redis (%s); trying again", type(exc).__name__)
            scheduler = None
        stop.wait(1.0)
    if scheduler is not None:
        try:
            scheduler.release_locks()
        except (ConnectionError, OSError, RedisError):
            pass  # the lock lapses by itself


def listen_for_doorbell(stop: threading.Event, wake: Callable[[], None]) -> None:
    """Say that deliverers listen here (renewed every second), and wake them at each ring (core.queue)."""
    while not stop.is_set():
        try:
            redis = get_redis()
            redis.set(deliverers_key(), "1", ex=DELIVERERS_TTL)
            if redis.blpop([doorbell_key()], timeout=1) is not None:
                wake()
        except (ConnectionError, OSError, RedisError) as exc:
            log.warning("doorbell lost Redis (%s); trying again", type(exc).__name__)
            stop.wait(1.0)


class DeliveryPool:
    """Threads that each claim the most urgent due message, send it, and record the outcome."""

    def __init__(self, stop: threading.Event, threads: int, poll_seconds: float) -> None:
        self._stop, self._poll = stop, poll_seconds
        self._bell = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True, name=f"deliver-{n}") for n in range(threads)]

    def start(self) -> DeliveryPool:
        for thread in self.threads:
            thread.start()
        return self

    def wake(self) -> None:
        self._bell.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = deliver_next() is not None
            except Exception:  # a failed commit (database restart): the attempt is reconciled later
                log.exception("delivery step failed; the message is reconciled when its lease runs out")
                worked = False
                self._stop.wait(1.0)
            if not worked:
                self._bell.wait(self._poll)
                self._bell.clear()


def delivery_thread_count() -> int:
    s = get_settings()
    return 1 if s.database_url.startswith("sqlite") else s.delivery_threads  # SQLite: one writer anyway


class _Probes(BaseHTTPRequestHandler):
    """`GET /healthz`: the sweeper's loop goes round; `GET /readyz`: the database and Redis answer."""

    def do_GET(self) -> None:  # http.server names it so
        if self.path == "/healthz":
            ok = Liveness.alive()
        elif self.path == "/readyz":
            ok = _dependencies_answer()
        else:
            self.send_error(404)
            return
        body = b'{"status": "ok"}' if ok else b'{"status": "unavailable"}'
        self.send_response(200 if ok else 503)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # a probe a second is noise
        return


def _dependencies_answer() -> bool:
    from sqlalchemy import text

    from core.db import get_engine

    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        get_redis().ping()
    except Exception:
        return False
    return True


def serve_probes(port: int, host: str = "0.0.0.0") -> ThreadingHTTPServer:  # noqa: S104 (a pod's probe port)
    """The worker's liveness and readiness for an orchestrator (HOTLINE_WORKER_PROBE_PORT; 0: none)."""
    server = ThreadingHTTPServer((host, port), _Probes)
    threading.Thread(target=server.serve_forever, daemon=True, name="probes").start()
    return server


def run_worker(*, burst: bool = False, with_sweeper: bool = True) -> None:
    """A worker that runs jobs in-process (no fork: no inherited DB pool), with threads for the rest."""
    stop = threading.Event()
    if (port := get_settings().worker_probe_port) and not burst:
        serve_probes(port)
    if with_sweeper:
        threading.Thread(target=sweep_forever, args=(stop,), daemon=True, name="sweeper").start()
    if not burst:
        threading.Thread(target=schedule_forever, args=(stop,), daemon=True, name="scheduler").start()
        pool = DeliveryPool(stop, delivery_thread_count(), get_settings().sweep_interval_seconds).start()
        use_delivery_waker(pool.wake)
        threading.Thread(target=listen_for_doorbell, args=(stop, pool.wake), daemon=True, name="doorbell").start()
    try:
        while True:
            try:
                redis = get_redis()
                worker = SimpleWorker(work_queues(redis), connection=redis, serializer=JSONSerializer)
                worker.work(burst=burst, logging_level=get_settings().log_level)
            except (ConnectionError, OSError, RedisError) as exc:
                log.warning("worker lost Redis (%s); starting again", type(exc).__name__)
            else:
                if burst or worker._shutdown_requested_date is not None:
                    return  # drained, or asked to stop (SIGTERM/SIGINT)
                # RQ leaves its loop on a Redis timeout or an unexpected error: start again; the
                # sweeper and the deliverers keep going meanwhile.
                log.warning("worker stopped without being asked; starting again")
            stop.wait(1.0)
    finally:
        use_delivery_waker(None)
        stop.set()
