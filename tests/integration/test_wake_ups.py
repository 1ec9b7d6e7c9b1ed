"""Wake-ups are written as RQ 3 writes them, without an RQ Job per wake-up: checked against RQ itself.

RQ writes some fields empty (callbacks, the worker, times not reached yet); ours leave them out, and RQ reads
an empty field and a missing one alike: the hashes are compared on what is written, and the jobs as RQ reads
them back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rq.job import JobStatus
from rq.registry import ScheduledJobRegistry

from core.queue import FAILURE_TTL, RESULT_TTL, WakeUp, get_queue, wake_all

TIMES = (b"created_at", b"enqueued_at")  # when each was written: the only fields that may differ


def _hash(redis: Any, job_id: str) -> dict[bytes, bytes]:
    fields = redis.hgetall(f"rq:job:{job_id}")
    return {name: value for name, value in fields.items() if name not in TIMES and value != b""}


def _read_back(queue: Any, job_id: str) -> dict[str, Any]:
    """The job as an RQ worker reads it (`Job.restore`), but for its id and the times it was written."""
    job = queue.fetch_job(job_id)
    assert job is not None
    return {name: value for name, value in job.to_dict().items() if name not in {"created_at", "enqueued_at"}}


def test_a_wake_up_now_is_the_job_rq_enqueues(redis_conn: Any) -> None:
    queue = get_queue(redis_conn, messages=True)
    job = queue.create_job("workflows.jobs.deliver_message", args=(7,), job_id="outbox-7-rq",
                           result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL)
    queue.enqueue_job(job)
    wake_all([WakeUp("workflows.jobs.deliver_message", (7,), job_id="outbox-7-1", messages=True)])
    assert _hash(redis_conn, "outbox-7-1") == _hash(redis_conn, "outbox-7-rq")
    assert b"" not in redis_conn.hgetall("rq:job:outbox-7-1").values()  # RQ's empty fields are left out
    assert _read_back(queue, "outbox-7-1") == _read_back(queue, "outbox-7-rq")
    assert queue.job_ids == ["outbox-7-rq", "outbox-7-1"]
    assert redis_conn.ttl("rq:job:outbox-7-1") == redis_conn.ttl("rq:job:outbox-7-rq") == -1
    assert queue.key.encode() in redis_conn.smembers("rq:queues")
    mine = queue.fetch_job("outbox-7-1")
    assert mine is not None and (mine.func_name, tuple(mine.args), mine.get_status()) == \
        ("workflows.jobs.deliver_message", (7,), JobStatus.QUEUED)
    assert mine.enqueued_at is not None and mine.created_at is not None and mine.timeout == job.timeout


def test_a_wake_up_later_is_the_job_rq_schedules_once(redis_conn: Any) -> None:
    queue = get_queue(redis_conn)
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    job = queue.create_job("workflows.jobs.fire_timer", args=(3,), job_id="timer-3-rq", status=JobStatus.SCHEDULED,
                           result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL)
    queue.schedule_job(job, when, unique=True)
    wake_all([WakeUp("workflows.jobs.fire_timer", (3,), job_id="timer-3-1", at=when)])
    assert _hash(redis_conn, "timer-3-1") == _hash(redis_conn, "timer-3-rq")
    assert _read_back(queue, "timer-3-1") == _read_back(queue, "timer-3-rq")
    registry = ScheduledJobRegistry(queue=queue)
    assert sorted(registry.get_job_ids()) == ["timer-3-1", "timer-3-rq"]
    assert redis_conn.zscore(registry.key, "timer-3-1") == redis_conn.zscore(registry.key, "timer-3-rq") \
        == when.timestamp()
    first = redis_conn.hgetall("rq:job:timer-3-1")
    wake_all([WakeUp("workflows.jobs.fire_timer", (4,), job_id="timer-3-1", at=when + timedelta(hours=1))])
    assert redis_conn.hgetall("rq:job:timer-3-1") == first  # the same id again: a no-op, as RQ's unique
    assert redis_conn.zscore(registry.key, "timer-3-1") == when.timestamp()
    mine = queue.fetch_job("timer-3-1")
    assert mine is not None and (tuple(mine.args), mine.get_status()) == ((3,), JobStatus.SCHEDULED)


def test_a_long_argument_list_is_described_as_rq_describes_it(redis_conn: Any) -> None:
    queue = get_queue(redis_conn)
    args = tuple(range(40))
    queue.enqueue_job(queue.create_job("workflows.jobs.fire_timer", args=args, job_id="long-rq",
                                       result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL))
    wake_all([WakeUp("workflows.jobs.fire_timer", args, job_id="long-1")])
    assert _hash(redis_conn, "long-1") == _hash(redis_conn, "long-rq")


def test_a_message_rings_the_doorbell_when_deliverers_listen(redis_conn: Any) -> None:
    """With a worker's delivery threads listening, a message to send now is one ring, not an RQ job."""
    import threading

    from core.queue import deliverers_key, doorbell_key
    from intake.runtime import listen_for_doorbell

    queue = get_queue(redis_conn, messages=True)
    stop, woken = threading.Event(), threading.Event()
    listener = threading.Thread(target=listen_for_doorbell, args=(stop, woken.set), daemon=True)
    listener.start()
    try:
        end = datetime.now(UTC) + timedelta(seconds=10)
        while not redis_conn.exists(deliverers_key()) and datetime.now(UTC) < end:
            threading.Event().wait(0.05)  # the listener's first round, not a deadline
        wake_all([WakeUp("workflows.jobs.deliver_message", (8,), job_id="outbox-8-1", messages=True)])
        assert woken.wait(5), "the deliverers were not woken"
        assert queue.job_ids == [] and not redis_conn.exists("rq:job:outbox-8-1")
    finally:
        stop.set()
        listener.join(5)
    redis_conn.delete(deliverers_key())  # nobody listens any more: the RQ job, as before
    wake_all([WakeUp("workflows.jobs.deliver_message", (9,), job_id="outbox-9-1", messages=True)])
    assert queue.job_ids == ["outbox-9-1"]
    assert redis_conn.llen(doorbell_key()) == 0
