"""`hotline bench delivery`: the path that matters, from a web report's 201 to the commune officer's SMS
reaching the provider.

A throwaway PostgreSQL database and a private Redis (devtools.bench_env), the demo roster, one `hotline serve`
as it runs by default, two `hotline worker` processes, the Twilio stand-in in this process (it stamps each
SMS as it arrives). Web reports are offered at a constant rate by an asyncio client with one timetable (a
slot sent late is counted); no folding (HOTLINE_FOLD_WINDOW_SECONDS=0) and no per-phone spacing
(HOTLINE_PHONE_MIN_INTERVAL_SECONDS=0), since every report goes to the same commune's officer. The figure is
the time from each 201 to the stand-in receiving the SMS that names the report's reference.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from devtools.bench_env import bench_environment
from devtools.embedded_redis import free_port
from devtools.twilio_standin import TwilioStandIn

LOCATION = "thôn Tân Xuân, xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị"
OFFICER = "+84912345678"  # first in Xã Cam Lộ's chain (deploy/demo/roster.csv)


def run_delivery_bench(*, rates: tuple[int, ...] = (20, 50, 100), seconds: int = 15, workers: int = 2,
                       settle: float = 60.0) -> list[dict[str, Any]]:
    standin = TwilioStandIn(account_sid="AC" + "0" * 32, auth_token=secrets.token_hex(16)).start()
    port = free_port()
    extra = {
        "HOTLINE_TWILIO_API_BASE": standin.url, "HOTLINE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "HOTLINE_FOLD_WINDOW_SECONDS": "0", "HOTLINE_PHONE_MIN_INTERVAL_SECONDS": "0",
        "HOTLINE_INTAKE_LIMIT_PER_ADDRESS": "100000000", "HOTLINE_INTAKE_LIMIT_PER_PHONE": "100000000",
        "HOTLINE_REPORT_REMINDERS": "false", "HOTLINE_LOG_LEVEL": "WARNING",
    }
    results = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(SystemExit(143)))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with bench_environment(extra) as (env, workdir):
            env["HOTLINE_TWILIO_ACCOUNT_SID"] = standin.account_sid
            env["HOTLINE_TWILIO_AUTH_TOKEN"] = standin.auth_token
            from devtools.demo import import_demo_roster

            import_demo_roster()
            hotline = str(Path(sys.executable).with_name("hotline"))
            procs.append(_spawn([hotline, "serve", "--port", str(port)], env, workdir / "serve.log"))
            procs.extend(_spawn([hotline, "worker"], env, workdir / f"worker-{n}.log") for n in range(workers))
            base = f"http://127.0.0.1:{port}"
            _wait_up(base)
            print(f"serve pid {procs[0].pid}, worker pids {' '.join(str(p.pid) for p in procs[1:])}", flush=True)
            asyncio.run(_offer(base, rate=10, seconds=3))  # warm-up: first requests, first deliveries
            time.sleep(3)
            for rate in rates:
                standin.clear()
                accepted, late = asyncio.run(_offer(base, rate=rate, seconds=seconds))
                results.append(_measure(standin, rate, accepted, late, settle))
                print(_line(results[-1]), flush=True)
    finally:
        for proc in procs:
            _stop(proc)
        standin.stop()
        signal.signal(signal.SIGTERM, previous)
    print(format_table(results, seconds=seconds, workers=workers))
    return results


def _spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _wait_up(base: str) -> None:
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("hotline serve did not start")


async def _offer(base: str, *, rate: int, seconds: int) -> tuple[dict[str, float], int]:
    """Reports at `rate` a second for `seconds`: {reference: wall time of its 201}, slots sent late."""
    accepted: dict[str, float] = {}
    late = failed = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        async def one(n: int) -> None:
            nonlocal failed
            try:
                response = await client.post("/api/v1/reports", json={
                    "description": f"Bench report {n}: a child left alone at home for days.", "location": LOCATION})
            except httpx.HTTPError:
                failed += 1
                return
            if response.status_code == 201:
                accepted[str(response.json()["reference"])] = time.time()
            else:
                failed += 1

        start = time.monotonic()
        tasks = []
        for n in range(rate * seconds):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.1:
                late += 1
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    if failed:
        print(f"{rate}/s: {failed} reports not answered 201", flush=True)
    return accepted, late


def _measure(standin: TwilioStandIn, rate: int, accepted: dict[str, float], late: int,
             settle: float) -> dict[str, Any]:
    end = time.monotonic() + settle
    arrivals: dict[str, float] = {}
    while time.monotonic() < end:
        for sms in standin.messages(to=OFFICER):
            if sms.body.startswith("111: Ca "):
                reference = sms.body.split()[2]
                arrivals.setdefault(reference, sms.at)
        if all(reference in arrivals for reference in accepted):
            break
        time.sleep(0.2)
    delays = sorted(arrivals[r] - t for r, t in accepted.items() if r in arrivals)
    return {"rate": rate, "accepted": len(accepted), "delivered": len(delays), "late_slots": late,
            "p50": _pct(delays, 50), "p99": _pct(delays, 99), "max": delays[-1] if delays else float("nan")}


def _pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _line(r: dict[str, Any]) -> str:
    return (f"{r['rate']:>4}/s  accepted {r['accepted']:>5}  SMS received {r['delivered']:>5}  late slots "
            f"{r['late_slots']:>4}  p50 {r['p50']:.3f} s  p99 {r['p99']:.3f} s  max {r['max']:.3f} s")


def format_table(results: list[dict[str, Any]], *, seconds: int, workers: int) -> str:
    head = (f"delivery: web report 201 -> the officer's SMS at the provider; one `hotline serve`, {workers} workers, "
            f"{seconds} s a rate, no folding, no per-phone spacing")
    return "\n".join([head, *(_line(r) for r in results)])
