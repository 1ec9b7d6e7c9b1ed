"""Redis and RQ: JSON job arguments (ids only), a named queue, a deterministic job id per timer."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

from redis import Redis
from rq import Queue
from rq.exceptions import DuplicateJobError
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


def enqueue(func: str, *args: Any, job_id: str | None = None, messages: bool = False) -> None:
    """Enqueue now. Redis being down is logged, not raised: the sweeper covers for it."""
    try:
        get_queue(messages=messages).enqueue(func, *args, job_id=job_id, result_ttl=600, failure_ttl=7 * 86400)
    except Exception as exc:  # a lost wake-up is recovered by the sweeper
        log.warning("enqueue of %s failed (%s); the sweeper will pick it up", func, type(exc).__name__)


def schedule(func: str, when: datetime, *args: Any, job_id: str, messages: bool = False) -> None:
    """Schedule a wake-up under a deterministic id; a repeat of the same id is a no-op (RQ 3 unique)."""
    try:
        get_queue(messages=messages).enqueue_at(
            when, func, *args, job_id=job_id, unique=True, result_ttl=600, failure_ttl=7 * 86400
        )
    except DuplicateJobError:
        return
    except Exception as exc:
        log.warning("schedule of %s failed (%s); the sweeper will pick it up", func, type(exc).__name__)
