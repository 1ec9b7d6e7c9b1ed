"""Redis and RQ: JSON job arguments (ids only), a named queue, a deterministic job id per timer.

A change's wake-ups (deliver this message now, fire that timer at its due time) go to Redis in one
pipeline after the commit (`wake_all`): one round trip per report instead of one or more per job.
A scheduled wake-up keeps RQ 3's `enqueue_at(unique=True)`: RQ's own Lua script checks the job id
and saves the job atomically, so scheduling the same id twice is a no-op.

The jobs are written as RQ 3 writes them (the same hash, registry, queue and queue-set entries; the worker
cannot tell), without building an RQ `Job` per wake-up: a job's hash is RQ's own `to_dict()` of a first job
of that function and queue, made once per process, with what differs from one wake-up to the next put in
(its arguments, their description, its times) and the fields RQ leaves empty left out (RQ reads an empty
field as a missing one). `tests/integration/test_wake_ups.py` checks it against RQ.
"""

from __future__ import annotations

import calendar
import logging
import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import uuid4

from redis import Redis
from redis.client import Pipeline
from rq import Queue
from rq.defaults import RQ_KEY_PREFIX
from rq.job import JobStatus
from rq.registry import ScheduledJobRegistry
from rq.scripts import UNIQUE_SCHEDULE_SCRIPT
from rq.serializers import JSONSerializer
from rq.utils import get_call_string, now, utcformat

from core.settings import get_settings

log = logging.getLogger(__name__)


_clients: dict[tuple[int, str], Redis] = {}


def get_redis() -> Redis:
    """One client (and connection pool) per process and URL; a forked child makes its own. With sentinels
    configured, the client of the primary they name: a connection that fails asks them again, so after a
    fail-over the next command reaches the new primary."""
    settings = get_settings()
    key = (os.getpid(), f"{settings.redis_url}|{settings.redis_sentinels}|{settings.redis_sentinel_master}")
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = _connect(settings.redis_url, settings.sentinels(), settings.redis_sentinel_master)
    return client


def _connect(url: str, sentinels: tuple[tuple[str, int], ...], master: str) -> Redis:
    if not sentinels:
        return Redis.from_url(url, socket_timeout=10, health_check_interval=30)
    from urllib.parse import urlsplit

    from redis.sentinel import Sentinel

    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    sentinel = Sentinel(list(sentinels), socket_timeout=2, socket_connect_timeout=2)
    return sentinel.master_for(master, db=db, password=parts.password, username=parts.username or None,
                               socket_timeout=10, socket_connect_timeout=2, health_check_interval=30)


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
        stamp = utcformat(now())
        with redis.pipeline() as pipe:
            pipe.multi()
            for wake_up in wake_ups:
                _add(pipe, _queue(redis, messages=wake_up.messages), wake_up, stamp)
            pipe.execute(raise_on_error=True)
    except Exception as exc:  # a lost wake-up is recovered by the sweeper
        names = ", ".join(sorted({w.func for w in wake_ups}))
        log.warning("enqueue of %s failed (%s); the sweeper will pick it up", names, type(exc).__name__)


# A message to send now wakes the deliverers through a doorbell when some are listening (`hotline worker`'s
# delivery threads: intake.runtime), not through an RQ job: RQ's job machinery (the job's hash, registries,
# its result) was over a third of a worker's CPU per SMS, and the deliverers read the database for what is
# due anyway. A worker's doorbell listener renews `deliverers_key` every second (it lapses after
# DELIVERERS_TTL); with none listening (burst workers, tests) the wake-up is the RQ job it always was. One
# Lua script decides and writes, atomically, inside the transaction's pipeline.
DELIVERERS_TTL = 5
DOORBELL_KEEP = 1000  # rings kept unheard at most (each one is only "look at the outbox")
_RING_OR_ENQUEUE = """
if redis.call('exists', KEYS[2]) == 1 then
  redis.call('rpush', KEYS[1], ARGV[1])
  redis.call('ltrim', KEYS[1], -tonumber(ARGV[2]), -1)
  return 1
end
redis.call('sadd', KEYS[3], KEYS[4])
redis.call('hset', KEYS[5], unpack(ARGV, 3))
redis.call('rpush', KEYS[4], ARGV[1])
return 0
"""


def doorbell_key() -> str:
    return f"{get_settings().queue_name}-messages:doorbell"


def deliverers_key() -> str:
    return f"{get_settings().queue_name}-messages:deliverers"


_queues: dict[tuple[int, str, bool], tuple[Queue, str]] = {}
Fields = dict[str, bytes | str | int | float]
_templates: dict[tuple[str, str, bool], Fields] = {}


def _queue(redis: Redis, *, messages: bool) -> tuple[Queue, str]:
    """The queue and its scheduled registry's key, made once per client (a Queue is slow to make)."""
    key = (id(redis), get_settings().queue_name, messages)
    known = _queues.get(key)
    if known is None or known[0].connection is not redis:
        queue = get_queue(redis, messages=messages)
        known = _queues[key] = (queue, ScheduledJobRegistry(queue=queue).key)
    return known


def _add(pipe: Pipeline, known: tuple[Queue, str], wake_up: WakeUp, stamp: str) -> None:
    """What RQ 3 sends for `enqueue_job(create_job(...), pipeline)` (a wake-up now) or for its unique
    `schedule_job` (a wake-up later, RQ's own Lua script: a job id that exists already is a no-op)."""
    queue, registry = known
    job_id = wake_up.job_id or str(uuid4())
    job_key = queue.job_class.key_for(job_id)
    fields = job_fields(queue, wake_up, stamp)
    if wake_up.at is None:
        if wake_up.messages:  # a listening deliverer takes the doorbell instead of the job
            flat = [item for name, value in fields.items()
                    for item in (name, value if isinstance(value, (bytes, str)) else str(value))]
            pipe.eval(_RING_OR_ENQUEUE, 5, doorbell_key(), deliverers_key(), RQ_KEY_PREFIX + ":queues",
                      queue.key, job_key, job_id, DOORBELL_KEEP, *flat)
            return
        pipe.sadd(RQ_KEY_PREFIX + ":queues", queue.key)
        pipe.hset(job_key, mapping=cast("Mapping[Any, Any]", fields))
        pipe.rpush(queue.key, job_id)
        return
    when = wake_up.at if wake_up.at.tzinfo else wake_up.at.astimezone()
    flat = [item for name, value in fields.items()
            for item in (name, value if isinstance(value, (bytes, str)) else str(value))]
    pipe.eval(UNIQUE_SCHEDULE_SCRIPT, 3, job_key, registry, RQ_KEY_PREFIX + ":queues",
              job_id, -1, calendar.timegm(when.utctimetuple()), queue.key, *flat)


def job_fields(queue: Queue, wake_up: WakeUp, stamp: str) -> Fields:
    """The job's hash as RQ's `Job.to_dict()` gives it once created (and, for a wake-up now, enqueued)."""
    later = wake_up.at is not None
    key = (queue.key, wake_up.func, later)
    template = _templates.get(key)
    if template is None:
        job = queue.create_job(wake_up.func, args=wake_up.args, job_id="template", result_ttl=RESULT_TTL,
                               failure_ttl=FAILURE_TTL, status=JobStatus.SCHEDULED if later else JobStatus.QUEUED)
        if not later:  # what `enqueue_job` sets before it saves the job
            job.origin, job.enqueued_at = queue.name, now()
        # RQ writes eight fields empty (callbacks, worker, times not reached yet) and reads an empty field as a
        # missing one (`if obj.get(...)`): they are left out, a third of the arguments packed for each wake-up.
        template = _templates[key] = {name: value for name, value in job.to_dict().items()
                                      if value is not None and value != ""}
    fields = dict(template)
    fields["created_at"] = stamp
    if "enqueued_at" in fields:
        fields["enqueued_at"] = stamp
    fields["data"] = zlib.compress(queue.serializer.dumps((wake_up.func, None, wake_up.args, {})))
    description = get_call_string(wake_up.func, wake_up.args, {}, max_length=75)
    if description is not None:
        fields["description"] = description
    return fields
