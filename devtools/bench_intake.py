"""`hotline bench intake`: reports per second and latency of POST /api/v1/reports on PostgreSQL.

The app runs as `hotline serve` (one uvicorn process) on a throwaway PostgreSQL database and a
private Redis, with the demo roster imported so that every report is routed, gets an outbox SMS
and timers. The same run measures a bare endpoint of the same app (`/api/v1/ping`) as the baseline:
the difference is what intake costs (validation, encryption, routing, one transaction).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from itertools import cycle
from pathlib import Path
from typing import Any

import httpx

from devtools.demo import import_demo_roster
from devtools.embedded_redis import free_port

LOCATIONS = [
    "thôn Tân Xuân, xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị",
    "xã Cam Lộ, Quảng Trị",
    "P. Hồng Bàng, TP Hải Phòng",
    "phuong luong van tri lang son",
    "xã Tây Hòa, Đắk Lắk",
]


def run_intake_bench(*, requests: int = 2000, concurrency: int = 8) -> dict[str, Any]:
    from devtools.bench_env import bench_environment

    # One load generator is one client address: lift the flood limit (its check still runs and is measured).
    with bench_environment({"HOTLINE_INTAKE_LIMIT_PER_ADDRESS": "100000000"}) as (env, _workdir):
        import_demo_roster()
        port = free_port()
        hotline = str(Path(sys.executable).with_name("hotline"))
        server = subprocess.Popen([hotline, "serve", "--port", str(port)], env=env,  # noqa: S603
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base)
            _load(base, "POST", "/api/v1/reports", 50, 2)  # warm up: first routing builds its index
            results = {
                "bare GET /api/v1/ping": _load(base, "GET", "/api/v1/ping", requests, concurrency),
                "POST /api/v1/reports": _load(base, "POST", "/api/v1/reports", requests, concurrency),
            }
        finally:
            server.terminate()
            server.wait(10)
    print(f"{requests} requests per endpoint, {concurrency} concurrent clients, one `hotline serve` process")
    print(f"{'endpoint':26} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(f"{name:26} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['errors']:7d}")
    return results


def _wait_ready(base: str) -> None:
    for _ in range(200):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the app did not start")


def _load(base: str, method: str, path: str, total: int, concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    bodies = cycle({"description": "Bench: trẻ bị đánh, cần hỗ trợ", "location": loc, "child_name": "Bench"}
                   for loc in LOCATIONS)
    remaining = iter(range(total))

    def client() -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=30) as http:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                    body = next(bodies)
                started = time.perf_counter()
                response = http.request(method, path, json=body if method == "POST" else None)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    errors += response.status_code >= 400

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - wall
    ordered = sorted(latencies)
    return {"requests": len(ordered), "rps": len(ordered) / wall, "errors": errors,
            "p50_ms": statistics.median(ordered) * 1000, "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000}
