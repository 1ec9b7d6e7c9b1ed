"""`hotline bench webhooks`: answer time of the voice and message webhooks at a constant offered rate.

One `hotline serve` on a throwaway PostgreSQL database and a private Redis. wrk (Debian's) sends
pre-signed Twilio webhooks, each with its own CallSid or MessageSid (so every request opens a
contact: no idempotent short cut). The offered rate is constant: every connection asks the Lua
script when to send, and the script hands out the slots of one fixed schedule (`rate` a second,
spread over wrk's threads), so a slow answer does not slow the next request down, as long as a
connection is free. A slot sent late because every connection was busy is counted (`late`); with
enough connections it stays 0, and the achieved rate is the offered one. The bare endpoint of the
same app at the same rate is the baseline, in the same run.

Besides wrk's p50/p99 the bench reads the CPU time the server's processes (and the PostgreSQL
backends serving the bench database) spent during each run, from /proc, per request: on a shared
machine that moves far less than wall time.
"""

from __future__ import annotations

import json
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

from devtools.bench_env import CpuMeter
from devtools.bench_intake import _wait_ready
from devtools.embedded_redis import free_port
from notifier.twilio_adapter import sign

TOKEN = "bench-twilio-token"  # noqa: S105 (a throwaway token for a throwaway app)
LINE = "+84111000111"
ENDPOINTS = (("ping", "bare GET /api/v1/ping"), ("voice", "POST /twilio/voice"), ("sms", "POST /twilio/sms"))

LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local rate = tonumber(os.getenv("BENCH_RATE") or "100")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
local all_threads = {}
local requests = {}
local counter = 0
local next_at = nil
late = 0

function setup(thread)
  thread:set("id", #all_threads)
  table.insert(all_threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local method, path, signature, body = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)")
    table.insert(requests, wrk.format(method, path, {
      ["Content-Type"] = "application/x-www-form-urlencoded", ["X-Twilio-Signature"] = signature}, body))
  end
end

function request()
  local index = ((counter * nthreads + id) % #requests) + 1
  counter = counter + 1
  return requests[index]
end

-- Each call takes the next slot of this thread's schedule: one every nthreads/rate seconds, the
-- threads offset from each other, so that together they send exactly `rate` a second.
function delay()
  local now = now_ms()
  local interval = nthreads * 1000 / rate
  if next_at == nil then next_at = now + id * 1000 / rate end
  local wait = next_at - now
  next_at = next_at + interval
  if wait < -2 then late = late + 1 end
  if wait <= 0 then return 0 end
  return math.floor(wait + 0.5)
end

function done(summary, latency, requests)
  local late_total = 0
  for _, thread in ipairs(all_threads) do late_total = late_total + (thread:get("late") or 0) end
  io.write(string.format('{"requests": %d, "seconds": %f, "errors": %d, "non2xx": %d, "late": %d, '
    .. '"p50_ms": %f, "p90_ms": %f, "p99_ms": %f, "max_ms": %f}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, late_total,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def _requests(base: str, kind: str, count: int) -> list[str]:
    lines = []
    for _ in range(count):
        if kind == "voice":
            path = "/twilio/voice"
            form = {"CallSid": "CA" + secrets.token_hex(16), "AccountSid": "ACbench", "From": _phone(), "To": LINE,
                    "CallStatus": "ringing", "Direction": "inbound"}
        elif kind == "sms":
            path = "/twilio/sms"
            form = {"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": "ACbench", "From": _phone(), "To": LINE,
                    "Body": "Xin chao 111, toi can tu van ve chau nha hang xom", "NumMedia": "0"}
        else:
            path, form = "/api/v1/ping", {}
        method = "POST" if form else "GET"
        signature = sign(base + path, form, TOKEN) if form else "-"
        lines.append(f"{method}\t{path}\t{signature}\t{urllib.parse.urlencode(form)}")
    return lines


def _phone() -> str:
    return "+8498" + "".join(secrets.choice("0123456789") for _ in range(7))


# --- the run --------------------------------------------------------------------------------------


def _wrk(wrk: str, script: Path, base: str, data: Path, *, rate: int, seconds: int, connections: int,
         threads: int, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 (our own argument list)
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script), base,
         "--", str(data)],
        env={**env, "BENCH_RATE": str(rate), "BENCH_THREADS": str(threads)}, capture_output=True, text=True,
        check=True, timeout=seconds + 60)
    summary: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    summary["rps"] = summary["requests"] / summary["seconds"]
    return summary


def run_webhook_bench(*, rate: int = 100, seconds: int = 15, rounds: int = 3, connections: int = 32,
                      workers: int | None = None, warmup_seconds: int = 3) -> dict[str, list[dict[str, Any]]]:
    """`rounds` rounds of (bare, voice, SMS), each `seconds` long at `rate` a second; one table, medians."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk; ./dev test installs it)")
    from devtools.bench_env import bench_environment

    threads = 2
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    extra = {"HOTLINE_PUBLIC_BASE_URL": base, "HOTLINE_TWILIO_AUTH_TOKEN": TOKEN}
    runs: dict[str, list[dict[str, Any]]] = {label: [] for _, label in ENDPOINTS}
    with bench_environment(extra) as (env, _workdir), tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "paced.lua"
        script.write_text(LUA)
        hotline = str(Path(sys.executable).with_name("hotline"))
        command = [hotline, "serve", "--port", str(port)]
        if workers is not None:
            command += ["--workers", str(workers)]
        server = subprocess.Popen(command, env=env,  # noqa: S603 (our own argument list)
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        meter = CpuMeter(server.pid, env["HOTLINE_DATABASE_URL"])
        try:
            _wait_ready(base)
            data = Path(tmp) / "requests.tsv"

            def load(kind: str, run_seconds: int) -> dict[str, Any]:
                # Fresh SIDs for every run (wrk reads the file from its start): no idempotent replay.
                data.write_text("\n".join(_requests(base, kind, rate * run_seconds + 2 * connections + 200)) + "\n")
                return _wrk(wrk, script, base, data, rate=rate, seconds=run_seconds, connections=connections,
                            threads=threads, env=env)

            for kind, _ in ENDPOINTS:  # warm up: pools fill, first requests import and compile
                load(kind, warmup_seconds)
            for _ in range(rounds):
                for kind, label in ENDPOINTS:
                    before = meter.sample()
                    summary = load(kind, seconds)
                    spent = CpuMeter.spent(before, meter.sample())
                    done = max(1, summary["requests"])
                    summary["app_cpu_ms"] = 1000 * spent["app"] / done
                    summary["db_cpu_ms"] = 1000 * spent["db"] / done
                    runs[label].append(summary)
        finally:
            meter.close()
            server.terminate()
            server.wait(10)
    print(format_table(runs, rate=rate, seconds=seconds, connections=connections, workers=workers))
    return runs


def format_table(runs: dict[str, list[dict[str, Any]]], *, rate: int, seconds: int, connections: int,
                 workers: int | None) -> str:
    rounds = len(next(iter(runs.values())))
    served_by = f"{workers} worker processes" if workers else "its default workers"
    lines = [f"wrk, {connections} connections, a constant {rate} req/s offered, {rounds} rounds of {seconds} s, "
             f"one `hotline serve` ({served_by}); medians of the rounds (p99 of each round in brackets)",
             f"{'endpoint':24} {'req/s':>6} {'late':>5} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
             f"{'app CPU ms/req':>15} {'db CPU ms/req':>14} {'errors':>6}  p99 per round"]
    for label, results in runs.items():
        def med(key: str, results: list[dict[str, Any]] = results) -> float:
            return statistics.median(r[key] for r in results)
        errors = sum(r["errors"] + r["non2xx"] for r in results)
        late = sum(r["late"] for r in results)
        per_round = ", ".join(f"{r['p99_ms']:.1f}" for r in results)
        lines.append(f"{label:24} {med('rps'):6.1f} {late:5d} {med('p50_ms'):7.2f} {med('p90_ms'):7.2f} "
                     f"{med('p99_ms'):7.2f} {med('app_cpu_ms'):15.2f} {med('db_cpu_ms'):14.2f} {errors:6d}  "
                     f"[{per_round}]")
    return "\n".join(lines)
