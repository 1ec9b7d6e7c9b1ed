"""/metrics: what the database knows, read at scrape time, so every process answers the same; the request
timings under route templates, never a path as typed; the request id in the answer and in the log line."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.db import unit_of_work
from intake.people.auth import issue_token
from notifier.models import OutboxMessage, ProviderAlert
from workflows.clocks.models import Ladder
from workflows.jobs import sweep
from workflows.operations.heartbeat import note_sweep

GOOD = {"description": "Cháu bé bị bỏ đói nhiều ngày.", "location": "xã Cam Lộ, Quảng Trị",
        "child_name": "Lê Thị Cúc", "reporter_phone": "0912 111 222"}


def value(body: str, name: str, **labels: str) -> float:
    """The sample `name{labels}` of an exposition (labels in any order), or a failure naming it."""
    for line in body.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    raise AssertionError(f"no sample {name}{labels} in /metrics")


def test_metrics_count_reports_outbox_timers_and_sweeps_from_the_database(client, clock) -> None:
    body = client.get("/metrics").text
    assert value(body, "hotline_up", part="database") == 1 and value(body, "hotline_up", part="redis") == 1
    assert value(body, "hotline_sweeper_last_run_age_seconds") >= 1e9  # never swept: as old as can be
    ref = client.post("/api/v1/reports", json=GOOD).json()["reference"]
    body = client.get("/metrics").text
    assert value(body, "hotline_reports_total", channel="api") == 1
    assert value(body, "hotline_outbox_unsent", channel="sms") >= 1  # the assignment SMS, nobody sent it
    assert value(body, "hotline_timers_overdue") == 0

    clock.advance(timedelta(days=3))  # the acknowledgement deadline long past, nothing fired
    body = client.get("/metrics").text
    assert value(body, "hotline_timers_overdue") >= 1
    assert value(body, "hotline_timers_overdue_lateness_seconds") > 24 * 3600
    assert value(body, "hotline_outbox_oldest_unsent_age_seconds", channel="sms") > 120
    note_sweep("w1")
    assert value(client.get("/metrics").text, "hotline_sweeper_last_run_age_seconds") < 5
    sweep()
    body = client.get("/metrics").text
    assert value(body, "hotline_timers_overdue") == 0
    assert value(body, "hotline_breaches_untold") == 0  # the breach's ladder told someone
    for line in body.splitlines():  # no identity, no phone, no reference in any label
        named = line.rsplit(" ", 1)[0]  # the name and labels; a sample's value may hold any digits (0.0012345091...)
        assert "Cúc" not in named and "0912" not in named and "84912" not in named and ref not in named


def test_a_breach_that_told_nobody_and_a_provider_down_show(client, clock) -> None:
    client.post("/api/v1/reports", json=GOOD)
    clock.advance(timedelta(days=3))
    sweep()
    with unit_of_work() as uow:
        uow.session.execute(update(Ladder).values(told=[], started_at=clock.now() - timedelta(minutes=2),
                                                  next_at=None))
        uow.session.add(ProviderAlert(provider="sms", open_slot="sms", opened_at=clock.now(), failures=5))
        uow.commit()
    body = client.get("/metrics").text
    assert value(body, "hotline_breaches_untold") >= 1
    assert value(body, "hotline_provider_up", provider="sms") == 0
    assert value(body, "hotline_provider_failures_in_a_row", provider="sms") == 5


def test_failed_deliveries_by_reason(client) -> None:
    client.post("/api/v1/reports", json=GOOD)
    with unit_of_work() as uow:
        first = uow.session.execute(select(OutboxMessage.id).order_by(OutboxMessage.id)).scalars().first()
        uow.session.execute(update(OutboxMessage).where(OutboxMessage.id == first)
                            .values(status="failed", failure_kind="recipient"))
        uow.commit()
    body = client.get("/metrics").text
    assert value(body, "hotline_deliveries_failed_total", reason="recipient") == 1
    assert value(body, "hotline_deliveries_failed_total", reason="provider") == 0


def test_a_held_message_not_yet_due_is_not_late(client, clock) -> None:
    client.post("/api/v1/reports", json=GOOD)
    with unit_of_work() as uow:
        uow.session.execute(update(OutboxMessage).values(next_attempt_at=clock.now() + timedelta(hours=1)))
        uow.commit()
    clock.advance(timedelta(minutes=5))
    assert value(client.get("/metrics").text, "hotline_outbox_unsent", channel="sms") == 0


def test_request_latency_is_kept_under_the_route_template_and_the_id_comes_back(client, caplog) -> None:
    ref = client.post("/api/v1/reports", json=GOOD).json()["reference"]
    token = issue_token("op", "operator")
    answer = client.get(f"/api/v1/cases/{ref}", headers={"authorization": f"Bearer {token}",
                                                         "x-request-id": "abc-123"})
    assert answer.status_code == 200 and answer.headers["x-request-id"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{16}", client.get("/healthz").headers["x-request-id"])
    hostile = client.get("/healthz", headers={"x-request-id": "x" * 200 + "\n"})
    assert hostile.headers["x-request-id"] != "x" * 200  # not echoed: a fresh one
    body = client.get("/metrics").text
    assert value(body, "hotline_http_request_duration_seconds_count", route="/api/v1/cases/{reference}",
                 method="GET", status="2xx") >= 1
    assert ref not in body
    client.get(f"/x/{'t' * 40}")
    assert "t" * 40 not in client.get("/metrics").text  # a signed link's token never becomes a label


def test_metrics_can_require_a_token(client, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.settings import reset_settings

    monkeypatch.setenv("HOTLINE_METRICS_TOKEN", "scrape-secret")
    reset_settings()
    try:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"authorization": "Bearer scrape-secret"}).status_code == 200
    finally:
        monkeypatch.delenv("HOTLINE_METRICS_TOKEN")
        reset_settings()


def test_a_database_that_does_not_answer_is_a_zero_not_a_500(client, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    import intake.api.metrics as metrics

    def down(*_a: object, **_k: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(metrics, "read", down)
    answer = client.get("/metrics")
    assert answer.status_code == 200 and value(answer.text, "hotline_up", part="database") == 0


def test_log_lines_are_json_with_the_request_id_and_no_identity(client, capsys) -> None:
    from core.logging import JsonLines, RedactPhones

    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    handler.addFilter(RedactPhones())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        log = logging.getLogger("tests.metrics")
        previous = root.level
        root.setLevel(logging.INFO)
        client.post("/api/v1/reports", json=GOOD, headers={"x-request-id": "req-42"})
        from core.logging import request_id_var

        token = request_id_var.set("req-43")
        try:
            log.warning("calling %s for a case", "+84912111222")
            try:
                raise ValueError("provider refused 0912 111 222")
            except ValueError:
                log.exception("send failed")
        finally:
            request_id_var.reset(token)
        root.setLevel(previous)
    finally:
        root.removeHandler(handler)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert lines and all({"ts", "level", "logger", "message"} <= set(line) for line in lines)
    mine = [line for line in lines if line.get("request_id") == "req-43"]
    assert len(mine) == 2 and "[redacted]" in mine[0]["message"] and "[redacted]" in mine[1]["error"]
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    for identity in ("Lê Thị Cúc", "0912 111 222", "84912111222", "bỏ đói"):
        assert identity not in text

