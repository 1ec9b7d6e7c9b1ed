"""A throwaway PostgreSQL database and a private Redis for a benchmark; the shared ones are not touched."""

from __future__ import annotations

import os
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from core.db import reset_engine
from core.settings import reset_settings

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def bench_environment(extra_env: dict[str, str] | None = None) -> Iterator[tuple[dict[str, str], Path]]:
    """A fresh database and a private Redis, pointed at by this process and the workers; gone after."""
    from devtools.embedded_redis import start_redis
    from migrations.run import upgrade

    admin = create_engine(os.environ.get("HOTLINE_BENCH_ADMIN_URL", DEFAULT_ADMIN_URL),
                          isolation_level="AUTOCOMMIT")
    name = f"hotline_bench_{uuid.uuid4().hex[:10]}"
    saved = {k: os.environ.get(k) for k in ("HOTLINE_DATABASE_URL", "HOTLINE_REDIS_URL", "HOTLINE_SECRET_KEY",
                                         "HOTLINE_TWILIO_ACCOUNT_SID", "HOTLINE_TWILIO_AUTH_TOKEN")}
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp, admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        redis_proc = None
        try:
            redis_url, redis_proc = start_redis(Path(tmp))
            os.environ["HOTLINE_DATABASE_URL"] = admin.url.set(database=name).render_as_string(hide_password=False)
            os.environ["HOTLINE_REDIS_URL"] = redis_url
            os.environ["HOTLINE_SECRET_KEY"] = secrets.token_urlsafe(32)  # throwaway data, throwaway key
            os.environ["HOTLINE_TWILIO_ACCOUNT_SID"] = "AC" + secrets.token_hex(16)  # demo values are refused
            os.environ["HOTLINE_TWILIO_AUTH_TOKEN"] = secrets.token_hex(16)
            reset_settings()
            reset_engine()
            upgrade()
            yield {**os.environ, **(extra_env or {})}, Path(tmp)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            reset_settings()
            reset_engine()
            if redis_proc is not None:
                redis_proc.terminate()
                redis_proc.wait(10)
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# --- CPU time from /proc --------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15 of stat)


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants (a server's master and its worker processes)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return found


class CpuMeter:
    """CPU seconds of the server's process tree, of the PostgreSQL backends of the bench database and, given
    its URL, of the Redis server (its pid from `INFO server`)."""

    def __init__(self, server_pid: int, database_url: str, redis_url: str | None = None) -> None:
        from redis import Redis
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self._server = server_pid
        self._engine = create_engine(database_url, poolclass=NullPool)
        self._redis = None
        if redis_url is not None:
            with Redis.from_url(redis_url) as client:
                self._redis = int(client.info("server")["process_id"])

    def _backends(self) -> list[int]:
        from sqlalchemy import text

        with self._engine.connect() as conn:
            return [int(pid) for (pid,) in conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))]

    def sample(self) -> dict[str, dict[int, float]]:
        parts = {"app": {pid: process_cpu(pid) for pid in process_tree(self._server)},
                 "db": {pid: process_cpu(pid) for pid in self._backends()}}
        if self._redis is not None:
            parts["redis"] = {self._redis: process_cpu(self._redis)}
        return parts

    @staticmethod
    def spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
        """Seconds spent between two samples (a process that appeared in between counts from zero)."""
        return {part: sum(max(0.0, cpu - before[part].get(pid, 0.0)) for pid, cpu in after[part].items())
                for part in after}

    def close(self) -> None:
        self._engine.dispose()
