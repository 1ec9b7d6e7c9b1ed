"""Test harness: real PostgreSQL (a database per run), real Redis (a database per run), no network.

Pure tests need none of it; fixtures connect only when a test asks for them.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ADMIN_URL = os.environ.get("HOTLINE_TEST_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_BASE = os.environ.get("HOTLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_DB = int(os.environ.get("HOTLINE_TEST_REDIS_DB", "11"))
TEST_POLICY = Path(__file__).parent / "fixtures" / "sla_policy_fast.toml"

# Settings every test process (and the workers it starts) sees; nothing points outside this machine.
os.environ.setdefault("HOTLINE_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("HOTLINE_TWILIO_ACCOUNT_SID", "ACtest0000000000000000000000000000")  # demo values are refused
os.environ.setdefault("HOTLINE_TWILIO_AUTH_TOKEN", "test-twilio-auth-token")
os.environ.setdefault("HOTLINE_PUBLIC_BASE_URL", "http://127.0.0.1:9")
os.environ.setdefault("HOTLINE_TWILIO_API_BASE", "http://127.0.0.1:9")
os.environ["HOTLINE_REDIS_URL"] = f"{REDIS_BASE}/{REDIS_DB}"
os.environ["HOTLINE_QUEUE_NAME"] = f"hotline-test-{uuid.uuid4().hex[:8]}"  # no other run can take our jobs
os.environ.setdefault("HOTLINE_DATABASE_URL", "sqlite:///:memory:")
# Every test posts from one address: the flood limits are lifted here and tested on their own
# (tests/integration/test_intake_limits.py).
os.environ.setdefault("HOTLINE_INTAKE_LIMIT_PER_ADDRESS", "1000000")
os.environ.setdefault("HOTLINE_INTAKE_LIMIT_PER_PHONE", "1000000")
# Fast SLA policies send several SMS to one phone within seconds: the per-phone throttle is tested on its own.
os.environ.setdefault("HOTLINE_PHONE_MIN_INTERVAL_SECONDS", "0")
# Real workers would send the statistics-report reminders to the demo roster on the days before a deadline,
# among the SMS a test expects: off here, on in the tests of the reminders themselves.
os.environ.setdefault("HOTLINE_REPORT_REMINDERS", "false")


def _loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    return isinstance(host, str) and (host.startswith("127.") or host in {"localhost", "::1"} or host.startswith("/"))


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach beyond this machine fails loudly."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        if self.family == socket.AF_UNIX or _loopback(address):
            return real_connect(self, address)  # type: ignore[arg-type]
        raise RuntimeError(f"network access attempted in a test: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded)

    def no_dns(host: object, *args: object, **kwargs: object) -> object:
        if isinstance(host, str) and not _loopback((host,)):
            raise RuntimeError(f"DNS lookup attempted in a test: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated with Alembic, dropped at the end."""
    from sqlalchemy import create_engine, text

    name = f"hotline_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _use_database(url)
    from migrations.run import upgrade

    upgrade()
    yield url
    from core.db import reset_engine

    reset_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _use_database(url: str) -> None:
    from core.db import reset_engine
    from core.settings import reset_settings

    os.environ["HOTLINE_DATABASE_URL"] = url
    reset_settings()
    reset_engine()


@pytest.fixture
def db(pg_url: str) -> Iterator[str]:
    """The run's database, emptied before each test."""
    from sqlalchemy import text

    from core.db import Base, get_engine
    from migrations.tables import import_all

    import_all()  # every table, whatever this test happened to import

    with get_engine().begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    from routing.directory import forget_cached_directory

    forget_cached_directory()  # the directory the intake path remembers went with the truncate
    yield pg_url


@pytest.fixture
def redis_conn() -> Iterator[object]:
    from core.queue import get_redis

    conn = get_redis()
    conn.flushdb()
    yield conn
    conn.flushdb()


@contextmanager
def sla_policy(path: Path) -> Iterator[Path]:
    """Run with HOTLINE_SLA_POLICY pointing at `path`, then back to the default."""
    from core.settings import reset_settings
    from workflows.clocks.context import reset_policy

    previous = os.environ.get("HOTLINE_SLA_POLICY")
    os.environ["HOTLINE_SLA_POLICY"] = str(path)
    reset_settings()
    reset_policy()
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop("HOTLINE_SLA_POLICY", None)
        else:
            os.environ["HOTLINE_SLA_POLICY"] = previous
        reset_settings()
        reset_policy()


@pytest.fixture
def fast_policy() -> Iterator[Path]:
    """An SLA policy with clocks of seconds, for tests that let real workers fire real timers."""
    with sla_policy(TEST_POLICY) as path:
        yield path


@pytest.fixture
def frozen_clock() -> Iterator[object]:
    from core.clock import FrozenClock, set_clock

    clock = FrozenClock()
    previous = set_clock(clock)
    yield clock
    set_clock(previous)


CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (./dev test installs Debian's chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()
