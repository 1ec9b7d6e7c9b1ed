"""The worker's probes for an orchestrator: alive while the sweeper's loop goes round."""

from __future__ import annotations

import httpx

from intake import runtime


def test_the_worker_answers_its_probes_and_says_when_its_sweeper_is_stuck(monkeypatch) -> None:
    monkeypatch.setattr(runtime, "_dependencies_answer", lambda: True)
    server = runtime.serve_probes(0, host="127.0.0.1")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        runtime.Liveness.beat()
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/readyz").status_code == 200
        assert httpx.get(f"{base}/other").status_code == 404
        monkeypatch.setattr(runtime.Liveness, "last", runtime.Liveness.last - 61)
        assert httpx.get(f"{base}/healthz").status_code == 503
        monkeypatch.setattr(runtime, "_dependencies_answer", lambda: False)
        assert httpx.get(f"{base}/readyz").status_code == 503
    finally:
        server.shutdown()
