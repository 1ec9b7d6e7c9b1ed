"""`GET /metrics` for Prometheus, and the edge middleware that times each request and gives it an id.

`hotline serve` runs several processes and the workers are processes of their own, so:
- what the database knows (reports, contacts, the outbox, timers, the sweeper's rounds, breaches, the
  provider's run of failures) is read from it at scrape time (workflows.operations.readings): every process
  answers the same;
- request latency is a histogram in prometheus_client's multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`,
  which `hotline serve` sets), summed over the processes at scrape time;
- queue depths are read from Redis at scrape time.
A part that does not answer is `hotline_up{part=...} 0`, never a 500: the alert must still be able to fire.
No label carries a path as typed (a signed link's token is in its path), a phone or a name.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.clock import utcnow
from core.db import get_engine
from core.logging import request_id_var
from core.queue import get_redis, work_queues
from core.settings import get_settings
from workflows.operations.readings import read

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])

# In multiprocess mode this writes to the process's file; otherwise to a registry of this process only.
_LOCAL = CollectorRegistry()
REQUEST_SECONDS = Histogram(
    "hotline_http_request_duration_seconds", "Time to answer a request, by route template",
    ["method", "route", "status"], registry=None if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else _LOCAL,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Edge:
    """Pure ASGI (no per-request task or body copy): an id for each request, echoed as X-Request-ID and in
    every log line of the request; its time in the histogram under the route's template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
        token = request_id_var.set(rid)
        status = [500]
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            REQUEST_SECONDS.labels(scope.get("method", "GET"), template, f"{status[0] // 100}xx").observe(
                time.perf_counter() - started)
            request_id_var.reset(token)


class DatabaseReadings:
    """The gauges and counters the database holds, read at each scrape."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("hotline_up", "Whether a part answers this process (1) or not (0)", labels=["part"])
        try:
            with get_engine().connect() as conn:
                from sqlalchemy.orm import Session

                with Session(bind=conn) as session:
                    now = utcnow()
                    readings = read(session, now=now, alert_after=get_settings().provider_alert_after)
            up.add_metric(["database"], 1)
        except Exception as exc:
            log.warning("metrics: the database does not answer (%s)", type(exc).__name__)
            up.add_metric(["database"], 0)
            readings = None
        depth = GaugeMetricFamily("hotline_queue_depth", "Jobs waiting in an RQ queue", labels=["queue"])
        try:
            redis = get_redis()
            for queue in work_queues(redis):
                depth.add_metric([queue.name], queue.count)
            up.add_metric(["redis"], 1)
        except Exception as exc:
            log.warning("metrics: Redis does not answer (%s)", type(exc).__name__)
            up.add_metric(["redis"], 0)
        yield up
        yield depth
        if readings is not None:
            yield from _families(readings, now.timestamp())


def _families(r: Any, now: float) -> Iterator[Metric]:
    def by(name: str, doc: str, label: str, values: dict[str, Any], kind: type = GaugeMetricFamily) -> Metric:
        family = kind(name, doc, labels=[label])
        for key, value in sorted(values.items()):
            family.add_metric([key], value)
        return family

    yield by("hotline_reports", "Reports accepted, by channel", "channel", r.reports, CounterMetricFamily)
    yield by("hotline_contacts", "Contacts (calls, conversations, web reports), by channel", "channel",
             r.contacts, CounterMetricFamily)
    yield by("hotline_outbox_unsent", "Messages written and not yet taken by the provider (held ones not yet "
             "due left out)", "channel", {"sms": 0, "voice": 0, **r.outbox_unsent})
    yield by("hotline_outbox_oldest_unsent_age_seconds", "Age of the oldest message not yet taken by the provider",
             "channel", {"sms": 0.0, "voice": 0.0, **r.oldest_unsent_age})
    yield by("hotline_deliveries_failed", "Messages given up on, by reason", "reason",
             {"provider": 0, "recipient": 0, "rejected": 0, **r.failed}, CounterMetricFamily)
    yield GaugeMetricFamily("hotline_timers_overdue", "Timers past due and not fired", value=r.timers_overdue)
    yield GaugeMetricFamily("hotline_timers_overdue_lateness_seconds", "How late the most overdue timer is",
                            value=r.timers_lateness)
    sweeps = GaugeMetricFamily("hotline_sweeper_last_run_timestamp_seconds", "When a worker's sweeper last "
                               "finished a round (Unix time)", labels=["worker"])
    for worker, at in sorted(r.sweeps.items()):
        sweeps.add_metric([worker], at)
    yield sweeps
    # The freshest round of any worker; none ever: as old as can be, so the alert fires on a line never swept.
    newest = max(r.sweeps.values(), default=0.0)
    yield GaugeMetricFamily("hotline_sweeper_last_run_age_seconds", "Seconds since any sweeper finished a round",
                            value=max(0.0, now - newest) if newest else 1e9)
    yield GaugeMetricFamily("hotline_breaches_untold", "Breached legal clocks whose ladder has told nobody for "
                            "60 s", value=r.breaches_untold)
    health = GaugeMetricFamily("hotline_provider_up", "The provider takes messages (0 after a run of failures)",
                               labels=["provider"])
    failures = GaugeMetricFamily("hotline_provider_failures_in_a_row", "The provider's current run of failures",
                                 labels=["provider"])
    for provider, (ok, count) in sorted(r.providers.items()):
        health.add_metric([provider], 1 if ok else 0)
        failures.add_metric([provider], count)
    yield health
    yield failures


_DATABASE = DatabaseReadings()


def exposition() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(_LOCAL)
    database = CollectorRegistry()
    database.register(_DATABASE)
    return body + generate_latest(database)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    token = get_settings().metrics_token.get_secret_value()
    if token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return PlainTextResponse("Không được phép / not allowed\n", status_code=401)
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
