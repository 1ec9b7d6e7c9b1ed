"""`hotline bench webhooks`: answer time of the voice and message webhooks under load, with wrk.

One `hotline serve` on a throwaway PostgreSQL database and a private Redis. wrk (Debian's) sends
pre-signed Twilio webhooks, each with its own CallSid or MessageSid (so every request opens a
contact: no idempotent short cut), paced by a Lua `delay` to about `rate` requests a second; the
bare endpoint of the same app at the same pace is the baseline. Numbers go into the README.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

from devtools.bench_intake import _wait_ready
from devtools.embedded_redis import free_port
from notifier.twilio_adapter import sign

TOKEN = "bench-twilio-token"  # noqa: S105 (a throwaway token for a throwaway app)
LINE = "+84111000111"

LUA = r"""
local requests = {}
local counter = 0
local thread_id = 0
local threads = 0
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "40")

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(args[1]) do
    local method, path, signature, body = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)")
    table.insert(requests, wrk.format(method, path, {
      ["Content-Type"] = "application/x-www-form-urlencoded", ["X-Twilio-Signature"] = signature}, body))
  end
  thread_id = id
end

function request()
  counter = counter + 1
  local index = ((counter * 2 + thread_id) % #requests) + 1
  return requests[index]
end

function delay()
  return pause
end

function done(summary, latency, requests)
  io.write(string.format('{"requests": %d, "seconds": %f, "errors": %d, "p50_ms": %f, "p99_ms": %f}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
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


def run_webhook_bench(*, rate: int = 100, seconds: int = 20, connections: int = 4) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk; ./dev test installs it)")
    from devtools.bench_env import bench_environment

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    extra = {"HOTLINE_PUBLIC_BASE_URL": base, "HOTLINE_TWILIO_AUTH_TOKEN": TOKEN}
    delay_ms = max(1, int(connections * 1000 / rate))
    results: dict[str, Any] = {}
    with bench_environment(extra) as (env, _workdir), tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "signed.lua"
        script.write_text(LUA)
        hotline = str(Path(sys.executable).with_name("hotline"))
        server = subprocess.Popen([hotline, "serve", "--port", str(port)], env=env,  # noqa: S603
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_ready(base)
            for kind, label in (("ping", "bare GET /api/v1/ping"), ("voice", "POST /twilio/voice"),
                                ("sms", "POST /twilio/sms (public)")):
                data = Path(tmp) / f"{kind}.tsv"
                data.write_text("\n".join(_requests(base, kind, rate * seconds + 200)) + "\n")
                out = subprocess.run(  # noqa: S603
                    [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), base, "--",
                     str(data)], env={**env, "BENCH_DELAY_MS": str(delay_ms)}, capture_output=True, text=True,
                    check=True, timeout=seconds + 60)
                summary = json.loads(out.stdout.strip().splitlines()[-1])
                summary["rps"] = summary["requests"] / summary["seconds"]
                results[label] = summary
        finally:
            server.terminate()
            server.wait(10)
    print(f"wrk, {connections} connections paced to ~{rate} req/s for {seconds} s, one `hotline serve` process")
    print(f"{'endpoint':34} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label, r in results.items():
        print(f"{label:34} {r['rps']:7.1f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['errors']:7d}")
    return results
