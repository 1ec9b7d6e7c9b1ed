"""Database engine, declarative base and the unit of work. Nothing connects at import time."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, Select, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeDecorator

from core.clock import as_utc
from core.settings import get_settings

if TYPE_CHECKING:
    from core.queue import WakeUp

T = TypeVar("T")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back tz-aware UTC (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


@dataclass(frozen=True)
class PoolSize:
    """A process's PostgreSQL connections. A connection beyond the kept ones is closed when it is given back,
    so a process with more requests at once than it keeps opens and closes connections all the time (with 10
    kept, 16 clients made 277 new backends in 5 s, each a fork on the database server): 20 kept, 10 more in
    a burst, 30 at most as before. A request that waits `timeout` seconds for one gets a 503 (less than
    Twilio's 15 s, so a webhook is answered before Twilio gives up on it)."""

    size: int = 20
    overflow: int = 10
    timeout: float = 10.0


POOL = PoolSize()
_engine: Engine | None = None
_engine_pid: int | None = None
_lock = threading.Lock()


def sqlalchemy_url(url: str) -> str:
    """libpq's multi-host form, `postgresql+psycopg://user@h1:p1,h2:p2/db?target_session_attrs=read-write` (a
    primary and its standbys: libpq tries each and keeps the one that takes writes, so after a fail-over new
    connections reach the promoted standby), in the form SQLAlchemy parses: `...@/db?host=h1:p1&host=h2:p2`.
    Any other URL is returned as it is."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.startswith("postgresql"):
        return url
    netloc, _, tail = rest.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    if "," not in hosts:
        return url
    path, question, query = tail.partition("?")
    extra = "&".join(f"host={host.strip()}" for host in hosts.split(",") if host.strip())
    return f"{scheme}://{userinfo}{at}/{path}?{extra}{'&' + query if question and query else ''}"


def make_engine(url: str) -> Engine:
    url = sqlalchemy_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # hide_parameters: a failing statement's values (phones, ciphertexts) never reach a log or traceback.
    return create_engine(url, pool_pre_ping=True, pool_size=POOL.size, max_overflow=POOL.overflow,
                         pool_timeout=POOL.timeout, hide_parameters=True)


def get_engine() -> Engine:
    """The process's engine; a forked child gets a fresh one instead of the parent's pool."""
    global _engine, _engine_pid
    with _lock:
        if _engine is None or _engine_pid != os.getpid():
            if _engine is not None:
                _engine.dispose(close=False)
            _engine = make_engine(get_settings().database_url)
            _engine_pid = os.getpid()
        return _engine


def reset_engine() -> None:
    global _engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def for_update(session: Session, stmt: Select[Any], *, skip_locked: bool = False) -> Select[Any]:
    """Row locks where the database has them; SQLite has one writer at a time anyway."""
    if is_sqlite(session):
        return stmt
    return stmt.with_for_update(skip_locked=skip_locked)


def without_parallel_workers(session: Session) -> None:
    """Plans without parallel workers for the rest of this transaction (PostgreSQL). For reads of tens of
    thousands of rows, starting workers costs about what they save, and how long they take to start
    varies (measured: 2 ms, or 20 ms in a process that had just run a large query)."""
    if not is_sqlite(session):
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def try_hold(session: Session, key: str) -> bool:
    """Hold `key` until this transaction ends, unless another transaction holds it (then False, at once:
    never waits, so never deadlocks). PostgreSQL's transaction-level advisory lock; SQLite has one writer
    at a time anyway (always True)."""
    if is_sqlite(session):
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(hashtext(:key))"), {"key": key}).scalar())


def hold(session: Session, key: str) -> None:
    """Hold `key` until this transaction ends, waiting while another transaction holds it. Only as a
    transaction's first lock (its waiter then holds nothing the holder could need; otherwise `try_hold`).
    PostgreSQL's transaction-level advisory lock; SQLite has one writer at a time anyway."""
    if not is_sqlite(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def insert_unless_taken(session: Session, table: Table, returning: tuple[str, ...] = ()) -> Insert:
    """`INSERT ... ON CONFLICT DO NOTHING [RETURNING ...]`: a row that would break any unique key is left
    out (RETURNING then gives nothing) and the transaction goes on, with no savepoint around it. PostgreSQL
    and SQLite. Built once per database kind: execute it with the row's values as parameters."""
    return _insert_unless_taken(session.get_bind().dialect.name, table, returning)


@lru_cache(maxsize=32)
def _insert_unless_taken(dialect: str, table: Table, returning: tuple[str, ...]) -> Insert:
    stmt = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table).on_conflict_do_nothing()
    return stmt.returning(*(table.c[name] for name in returning)) if returning else stmt


_factory: tuple[Engine, sessionmaker[Session]] | None = None


def _session_factory(engine: Engine) -> sessionmaker[Session]:
    """One sessionmaker per engine: making one creates a Session subclass, and SQLAlchemy then sets up
    that class's events again on first use (a measurable part of every report when made per request)."""
    global _factory
    known = _factory
    if known is None or known[0] is not engine:
        known = _factory = (engine, sessionmaker(bind=engine, expire_on_commit=False))
    return known[1]


class UnitOfWork:
    """A transaction that rolls back unless committed; after-commit hooks run only on commit."""

    def __init__(self, session_factory: sessionmaker[Session] | None = None) -> None:
        self._factory = session_factory
        self._after_commit: list[Any] = []
        self._wake_ups: list[Callable[[], WakeUp | None]] = []
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        factory = self._factory or _session_factory(get_engine())
        self.session = factory()
        self._after_commit = []
        self._wake_ups = []
        return self

    def __exit__(self, *exc: object) -> None:
        # Detach what was loaded first, so a caller may still read it; then drop what was not committed.
        self.session.expunge_all()
        self.session.rollback()
        self.session.close()

    def after_commit(self, hook: Any) -> None:
        """Run `hook()` once the transaction has committed (enqueue jobs, publish events)."""
        self._after_commit.append(hook)

    def wake_up(self, make: Callable[[], WakeUp | None]) -> None:
        """Once committed, send the job `make()` describes; every wake-up of a transaction goes to Redis
        in one pipeline. `make` runs after the commit, so it may read ids the flush assigned (None: a row
        that never got one, rolled back with its savepoint, needs no wake-up)."""
        self._wake_ups.append(make)

    def commit(self) -> None:
        self.session.commit()
        hooks, self._after_commit = self._after_commit, []
        makers, self._wake_ups = self._wake_ups, []
        for hook in hooks:
            hook()
        if makers:
            from core.queue import wake_all

            wake_all([wake for wake in (make() for make in makers) if wake is not None])

    def rollback(self) -> None:
        self.session.rollback()
        self._after_commit = []
        self._wake_ups = []


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    with UnitOfWork() as uow:
        yield uow
