"""Redis and RQ: JSON job arguments (ids only), a named queue, a deterministic job id per timer.

A change's wake-ups (deliver this message now, fire that timer at its due time) go to Redis in one
pipeline after the commit (`wake_all`): one round trip per report instead of one or more per job.
A scheduled wake-up keeps RQ 3's `enqueue_at(unique=True)`: RQ's own Lua script checks the job id
and saves the job atomically, so scheduling the same id twice is a no-op.
"""

from __future__ import annotations

import calendar
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis import Redis
from redis.client import Pipeline
from rq import Queue
from rq.defaults import RQ_KEY_PREFIX
from rq.job import JobStatus
from rq.registry import ScheduledJobRegistry
from rq.scripts import UNIQUE_SCHEDULE_SCRIPT, _build_hset_args
from rq.serializers import JSONSerializer

from core.settings import get_settings

log = logging.getLogger(__name__)


_clients: dict[tuple[int, str], Redis] = {}


def get_redis() -> Redis:
    """One client (and connection pool) per process and URL; a forked child makes its own."""
    key = (os.getpid(), get_settings().redis_url)
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = Redis.from_url(key[1], socket_timeout=10, health_check_interval=30)
    return client


def get_queue(connection: Redis | None = None, *, messages: bool = False) -> Queue:
    """The timers' queue, or the messages' own: a burst of timer wake-ups never delays an SMS."""
    name = get_settings().queue_name + ("-messages" if messages else "")
    return Queue(name, connection=connection or get_redis(), serializer=JSONSerializer)


def work_queues(connection: Redis) -> list[Queue]:
    """What a worker listens to, most urgent first (RQ takes from the first queue that has a job)."""
    return [get_queue(connection, messages=True), get_queue(connection)]


RESULT_TTL = 600
FAILURE_TTL = 7 * 86400


@dataclass(frozen=True)
class WakeUp:
    """A job to run now (`at` None) or at `at` under a deterministic `job_id` (unique)."""

    func: str
    args: tuple[Any, ...]
    job_id: str | None = None
    at: datetime | None = None
    messages: bool = False


def enqueue(func: str, *args: Any, job_id: str | None = None, messages: bool = False) -> None:
    """Enqueue now. Redis being down is logged, not raised: the sweeper covers for it."""
    wake_all([WakeUp(func, args, job_id=job_id, messages=messages)])


def schedule(func: str, when: datetime, *args: Any, job_id: str, messages: bool = False) -> None:
    """Schedule a wake-up under a deterministic id; a repeat of the same id is a no-op (RQ 3 unique)."""
    wake_all([WakeUp(func, args, job_id=job_id, at=when, messages=messages)])


def wake_all(wake_ups: Sequence[WakeUp]) -> None:
    """Send every wake-up in one pipeline (MULTI/EXEC). Redis being down is logged, not raised:
    the sweeper fires what is overdue and re-sends what is pending whatever Redis did."""
    if not wake_ups:
        return
    try:
        redis = get_redis()
        queues = {messages: get_queue(redis, messages=messages) for messages in {w.messages for w in wake_ups}}
        with redis.pipeline() as pipe:
            pipe.multi()  # RQ's enqueue_job expects a pipeline in MULTI mode
            for wake_up in wake_ups:
                _add(pipe, queues[wake_up.messages], wake_up)
            pipe.execute(raise_on_error=True)
    except Exception as exc:  # a lost wake-up is recovered by the sweeper
        names = ", ".join(sorted({w.func for w in wake_ups}))
        log.warning("enqueue of %s failed (%s); the sweeper will pick it up", names, type(exc).__name__)


def _add(pipe: Pipeline, queue: Queue, wake_up: WakeUp) -> None:
    if wake_up.at is None:
        job = queue.create_job(wake_up.func, args=wake_up.args, job_id=wake_up.job_id,
                               result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL)
        queue.enqueue_job(job, pipeline=pipe)
        return
    job = queue.create_job(wake_up.func, args=wake_up.args, job_id=wake_up.job_id, status=JobStatus.SCHEDULED,
                           result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL)
    _schedule_unique(pipe, queue, job, wake_up.at)


def _schedule_unique(pipe: Pipeline, queue: Queue, job: Any, when: datetime) -> None:
    """RQ 3's `schedule_unique_job` queued on a pipeline: the same Lua script, so the same atomic check
    (a job id that exists already makes it a no-op, returning 0), save and ZADD into the registry."""
    registry = ScheduledJobRegistry(queue=queue)
    ttl = job.ttl if job.ttl is not None else -1
    timestamp = calendar.timegm((when if when.tzinfo else when.astimezone()).utctimetuple())
    keys = [job.key, registry.key, RQ_KEY_PREFIX + ":queues"]
    args = [job.id, ttl, timestamp, queue.key, *_build_hset_args(job)]
    pipe.eval(UNIQUE_SCHEDULE_SCRIPT, len(keys), *keys, *args)
