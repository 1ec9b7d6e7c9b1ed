"""`hotline bench intake`: what a report costs, measured with wrk against the app.

uvicorn runs the app as `hotline serve` does: its worker processes (`--workers`, by default as many as
`hotline serve` runs: 2 on PostgreSQL), httptools and uvloop, no access log (devtools.bench_app adds one
bench-only endpoint) on a throwaway PostgreSQL database and a private Redis, with the demo roster imported so
that every report is routed and gets its outbox SMS, timers and wake-up jobs. wrk (Debian's) loads,
in the same run and one after the other:

- `GET /api/v1/ping`: the bare endpoint (the framework and the server, nothing else);
- `POST /bench/one-row`: validate a small JSON body, one INSERT, commit (the price of any durable write);
- `POST /bench/report-checks`: the report endpoint with that one-row insert in place of `open_ticket` (the
  report's body validated, both intake limits, the same answer): the HTTP path around a report;
- `POST /api/v1/reports`: the full report path.

A Lua script makes every POST body different (description, location, child's name). The figure that
matters is `POST /api/v1/reports` against `POST /bench/one-row`: what the report path costs beyond
writing at all. The machine is shared (wrk, PostgreSQL and the app on the same cores), so the
endpoints take turns for several rounds and the ratio is the median of the rounds' ratios.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from devtools.demo import import_demo_roster
from devtools.embedded_redis import free_port

ENDPOINTS = (
    ("bare `GET /api/v1/ping`", "GET", "/api/v1/ping"),
    ("one-row insert `POST /bench/one-row`", "POST", "/bench/one-row"),
    ("report's checks, then a one-row insert `POST /bench/report-checks`", "POST", "/bench/report-checks"),
    ("report `POST /api/v1/reports`", "POST", "/api/v1/reports"),
)

# wrk runs this in every thread. `init` gets the arguments after `--` (the method); `request` builds
# each request with a body of its own; `done` prints one JSON line the bench reads back.
WRK_SCRIPT = r"""
local locations = {
  "thôn Tân Xuân, xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị",
  "xã Cam Lộ, Quảng Trị",
  "P. Hồng Bàng, TP Hải Phòng",
  "phuong luong van tri lang son",
  "xã Tây Hòa, Đắk Lắk",
}
local names = {"Nguyễn Văn An", "Trần Thị Bình", "Lê Minh", "Phạm Thu Hà"}
local method = "GET"
local counter = 0
local seed = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  method = args[1] or "GET"
  seed = thread_id or 0  -- a global the main state set in setup()
end

function request()
  if method == "GET" then
    return wrk.format("GET")
  end
  counter = counter + 1
  local n = seed * 1000000 + counter
  local body = string.format(
    '{"description": "Bench %d: hàng xóm thấy trẻ bị đánh nhiều lần, cần hỗ trợ", "location": "%s", ' ..
    '"child_name": "%s", "child_age": %d}',
    n, locations[n % #locations + 1], names[n % #names + 1], n % 16)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f, ' ..
    '"errors_status": %d, "errors_socket": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def run_intake_bench(*, seconds: int = 5, rounds: int = 3, connections: int = 16, threads: int = 2,
                     workers: int | None = None, warmup_seconds: int = 3) -> dict[str, Any]:
    """`workers`: the app's processes, by default as many as `hotline serve` runs (2 on PostgreSQL)."""
    from devtools.bench_env import CpuMeter, bench_environment
    from intake.cli import default_workers

    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in ENDPOINTS}
    # One load generator is one client address: lift the flood limit (its check still runs and is measured).
    with bench_environment({"HOTLINE_INTAKE_LIMIT_PER_ADDRESS": "100000000"}) as (env, workdir):
        import_demo_roster()
        _create_bench_table()
        script = workdir / "intake.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        port = free_port()
        processes = workers or default_workers(env["HOTLINE_DATABASE_URL"])
        server = subprocess.Popen(  # noqa: S603 (our own argument list)
            [sys.executable, "-m", "uvicorn", "devtools.bench_app:create_app", "--factory", "--no-access-log",
             "--workers", str(processes), "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        meter = CpuMeter(server.pid, env["HOTLINE_DATABASE_URL"], env["HOTLINE_REDIS_URL"])
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base)
            for _, method, path in ENDPOINTS:  # warm up: first routing builds its index, pools fill
                _wrk(wrk, script, base + path, method, seconds=warmup_seconds, connections=connections,
                     threads=threads)
            for _ in range(rounds):
                for name, method, path in ENDPOINTS:
                    before = meter.sample()
                    run = _wrk(wrk, script, base + path, method, seconds=seconds, connections=connections,
                               threads=threads)
                    spent = CpuMeter.spent(before, meter.sample())
                    for part, seconds_spent in spent.items():  # app, db, redis
                        run[f"{part}_cpu_ms"] = 1000 * seconds_spent / max(run["requests"], 1)
                    runs[name].append(run)
        finally:
            meter.close()
            server.terminate()
            server.wait(10)
    results = summarise(runs)
    print(format_table(results, seconds=seconds, rounds=rounds, connections=connections, workers=processes))
    return results


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per endpoint: requests over time of all its rounds, the median round's p50 and p99; and the
    median of the rounds' report / one-row ratios (each round's endpoints ran minutes apart at most)."""
    names = list(runs)
    out: dict[str, Any] = {}
    for name, rs in runs.items():
        out[name] = {
            "requests": sum(r["requests"] for r in rs),
            "rps": sum(r["requests"] for r in rs) / sum(r["seconds"] for r in rs),
            "p50_ms": statistics.median(r["p50_ms"] for r in rs),
            "p99_ms": statistics.median(r["p99_ms"] for r in rs),
            "errors": sum(r["errors"] for r in rs),
            **{f"{part}_cpu_ms": statistics.median(r[f"{part}_cpu_ms"] for r in rs) if all(
                f"{part}_cpu_ms" in r for r in rs) else None for part in ("app", "db", "redis")},
        }
    one_row, checks, report = runs[names[1]], runs[names[2]], runs[names[3]]
    out["ratios"] = [r["rps"] / o["rps"] for o, r in zip(one_row, report, strict=True)]
    out["ratio"] = statistics.median(out["ratios"])
    out["checks_ratio"] = statistics.median(c["rps"] / o["rps"] for o, c in zip(one_row, checks, strict=True))
    return out


def _create_bench_table() -> None:
    from sqlalchemy import text

    from core.db import get_engine
    from devtools.bench_app import TABLE_DDL

    with get_engine().begin() as conn:
        conn.execute(text(TABLE_DDL))


def _wrk(wrk: str, script: Path, url: str, method: str, *, seconds: int, connections: int,
         threads: int) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 (our own argument list)
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
         url, "--", method],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("WRK_RESULT "))
    raw = json.loads(line.removeprefix("WRK_RESULT "))
    return {
        "requests": raw["requests"],
        "seconds": raw["duration_us"] / 1e6,
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["errors_status"] + raw["errors_socket"],
    }


def format_table(results: dict[str, Any], *, seconds: int, rounds: int, connections: int, workers: int = 1) -> str:
    served = "one app process" if workers == 1 else f"{workers} app processes"
    lines = [f"wrk, {connections} connections, {rounds} rounds of {seconds} s per endpoint, {served}",
             "", "| endpoint | req/s | p50 | p99 | CPU / request: app, PostgreSQL, Redis | errors |",
             "|---|---|---|---|---|---|"]
    for name, _, _ in ENDPOINTS:
        r = results[name]
        cpu = ", ".join(f"{r[key]:.2f}" if r.get(key) is not None else "-"
                        for key in ("app_cpu_ms", "db_cpu_ms", "redis_cpu_ms"))
        lines.append(f"| {name} | {r['rps']:.1f} | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {cpu} ms "
                     f"| {r['errors']} |")
    each = ", ".join(f"{x:.2f}" for x in results["ratios"])
    lines += ["", f"report / one-row insert: {results['ratio']:.2f}× (median of the rounds: {each})",
              f"the report's checks, then a one-row insert / one-row insert: {results['checks_ratio']:.2f}×"]
    return "\n".join(lines) + "\n"


def _wait_ready(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the app did not start")
