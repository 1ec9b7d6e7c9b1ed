"""`hotline serve` runs two processes: /metrics sums their request timings (prometheus_client's multiprocess
mode), whichever of them answers the scrape, and its log lines are JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from devtools.embedded_redis import free_port
from tests.e2e.conftest import _stop_group, wait_for


def _count(body: str) -> float:
    total = 0.0
    for line in body.splitlines():
        if line.startswith("hotline_http_request_duration_seconds_count{") and 'route="/healthz"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_two_serve_processes_count_every_request_whichever_answers(db: str, redis_conn, tmp_path: Path) -> None:
    port = free_port()
    folder = tmp_path / "metrics"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "HOTLINE_LOG_FORMAT": "json",
           "HOTLINE_LOG_LEVEL": "INFO"}
    hotline = str(Path(sys.executable).with_name("hotline"))
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen([hotline, "serve", "--port", str(port), "--workers", "2"], env=env,
                             start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            try:
                return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(up, timeout=90, what="hotline serve to answer")
        # Both processes write their own file once each has answered something.
        wait_for(lambda: [httpx.get(f"{base}/healthz", timeout=5) for _ in range(10)] and
                 len(list(folder.glob("histogram_*.db"))) >= 2, timeout=60, what="both processes to answer")
        before = _count(httpx.get(f"{base}/metrics", timeout=10).text)
        for _ in range(30):
            assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        counts = {_count(httpx.get(f"{base}/metrics", timeout=10).text) for _ in range(6)}
        assert counts == {before + 30}, (before, counts)  # every scrape, from either process, has them all
    finally:
        _stop_group(serve)
        log.close()
    lines = [line for line in (tmp_path / "serve.log").read_text().splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # every line, uvicorn's own included, is one JSON object
    assert sum("Started server process" in line["message"] for line in parsed) == 2
