"""`hotline bench webhooks`: the offered rate really is constant, the CPU is counted per process, and
`hotline serve` picks its number of processes from the database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devtools.bench_env import CpuMeter, process_cpu, process_tree
from devtools.bench_webhooks import LUA, _wrk, format_table
from intake.cli import default_workers


def test_serve_runs_two_processes_on_postgresql_and_one_on_sqlite(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert default_workers("postgresql+psycopg://postgres@127.0.0.1/hotline") == 2
    assert default_workers("sqlite:////var/lib/hotline/demo.db") == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert default_workers("postgresql+psycopg://postgres@127.0.0.1/hotline") == 1


def test_cpu_is_counted_per_process_and_a_new_one_from_zero():
    before = {"app": {100: 1.0}, "db": {200: 2.0}}
    after = {"app": {100: 1.5, 101: 0.25}, "db": {200: 2.0}}
    assert CpuMeter.spent(before, after) == {"app": 0.75, "db": 0.0}
    assert process_cpu(os.getpid()) > 0
    assert process_cpu(2**22 + 12345) == 0.0  # gone (or never was)


def test_a_servers_cpu_counts_its_worker_processes():
    busy = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\ntime.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", busy])
    try:
        deadline = time.monotonic() + 20
        while process_cpu(child.pid) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child.pid in process_tree(os.getpid())
        tree = sum(process_cpu(pid) for pid in process_tree(os.getpid()))
        assert tree >= process_cpu(os.getpid()) + 0.29  # the worker's 0.3 s too
    finally:
        child.kill()
        child.wait(10)


def test_the_table_shows_the_achieved_rate_and_the_late_slots():
    run = {"requests": 1500, "seconds": 15.0, "rps": 100.0, "errors": 0, "non2xx": 0, "late": 2, "p50_ms": 3.0,
           "p90_ms": 5.0, "p99_ms": 9.5, "max_ms": 12.0, "app_cpu_ms": 1.25, "db_cpu_ms": 0.5}
    table = format_table({"POST /twilio/voice": [run, {**run, "p99_ms": 20.0}]}, rate=100, seconds=15,
                         connections=32, workers=None)
    line = table.splitlines()[-1]
    assert line.split()[:4] == ["POST", "/twilio/voice", "100.0", "4"] and "[9.5, 20.0]" in line


class _Quick(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (./dev test installs it)")
def test_the_lua_script_offers_a_constant_rate_with_idle_connections(tmp_path: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Quick)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        script = tmp_path / "paced.lua"
        script.write_text(LUA)
        data = tmp_path / "requests.tsv"
        data.write_text("GET\t/\t-\t\n" * 200)
        result = _wrk("wrk", script, f"http://127.0.0.1:{server.server_address[1]}", data, rate=40, seconds=2,
                      connections=8, threads=2, env=dict(os.environ))
    finally:
        server.shutdown()
    # 40 a second for 2 s: 8 connections mostly idle, each waiting for its slot (a free-running wrk would send
    # thousands); the first slots go out at once, so a few more than 80 may fit
    assert 70 <= result["requests"] <= 90 and result["late"] == 0 and result["errors"] == 0


def test_the_intake_table_gives_each_part_of_a_request_s_cpu_and_the_median_ratio():
    from devtools.bench_intake import ENDPOINTS, format_table, summarise

    def run(rps: float, app: float, db: float) -> dict[str, float]:
        return {"requests": int(rps * 5), "seconds": 5.0, "rps": rps, "p50_ms": 3.0, "p99_ms": 9.0, "errors": 0,
                "app_cpu_ms": app, "db_cpu_ms": db, "redis_cpu_ms": 0.1}

    runs = {ENDPOINTS[0][0]: [run(4000, 0.4, 0.0)] * 3, ENDPOINTS[1][0]: [run(1000, 1.0, 0.25)] * 3,
            ENDPOINTS[2][0]: [run(800, 1.2, 0.25)] * 3,
            ENDPOINTS[3][0]: [run(200, 5.0, 1.2), run(300, 4.0, 1.1), run(250, 4.5, 1.3)]}
    results = summarise(runs)
    assert results["ratios"] == [0.2, 0.3, 0.25] and results["ratio"] == 0.25
    table = format_table(results, seconds=5, rounds=3, connections=16, workers=2)
    assert "| report `POST /api/v1/reports` | 250.0 | 3.0 ms | 9.0 ms | 4.50, 1.20, 0.10 ms | 0 |" in table
    assert "report / one-row insert: 0.25× (median of the rounds: 0.20, 0.30, 0.25)" in table
    assert "the report's checks, then a one-row insert / one-row insert: 0.80×" in table
