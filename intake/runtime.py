"""Long-running processes: the RQ worker with its scheduler and the DB-driven sweeper."""

from __future__ import annotations

import logging
import threading

from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from core.queue import get_redis, work_queues
from core.settings import get_settings
from workflows.jobs import sweep

log = logging.getLogger(__name__)


def sweep_forever(stop: threading.Event, interval: float | None = None) -> None:
    """Fire what is overdue and re-send what is pending, every few seconds, whatever Redis did."""
    every = interval or get_settings().sweep_interval_seconds
    while not stop.is_set():
        try:
            done = sweep()
            if any(done.values()):
                log.info("sweeper: %s", done)
        except Exception:
            log.exception("sweeper round failed; trying again")
        stop.wait(every)


def run_worker(*, burst: bool = False, with_sweeper: bool = True) -> None:
    """A worker that runs jobs in-process (no fork: no inherited DB pool) with RQ's scheduler on."""
    stop = threading.Event()
    sweeper = threading.Thread(target=sweep_forever, args=(stop,), daemon=True, name="sweeper")
    if with_sweeper:
        sweeper.start()
    try:
        while True:
            try:
                redis = get_redis()
                worker = SimpleWorker(work_queues(redis), connection=redis, serializer=JSONSerializer)
                worker.work(with_scheduler=True, burst=burst, logging_level=get_settings().log_level)
            except (ConnectionError, OSError, RedisError) as exc:
                log.warning("worker lost Redis (%s); starting again", type(exc).__name__)
            else:
                if burst or worker._shutdown_requested_date is not None:
                    return  # drained, or asked to stop (SIGTERM/SIGINT)
                # RQ leaves its loop on a Redis timeout or an unexpected error: start again; the
                # sweeper keeps the timers firing meanwhile.
                log.warning("worker stopped without being asked; starting again")
            stop.wait(1.0)
    finally:
        stop.set()
