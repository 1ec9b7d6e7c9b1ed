"""Real processes for the high-availability drills: a PostgreSQL primary with a synchronous streaming standby,
and Redis with a replica and three sentinels, all on free ports in a temporary directory. Never the cluster
on 5432 nor the shared Redis on 6379.

PostgreSQL runs from Debian's binaries (/usr/lib/postgresql/<version>/bin) as the `postgres` user when the
tests run as root (initdb refuses root). The standby is written by `pg_basebackup -R`; the primary waits for
it on every commit (`synchronous_standby_names = '*'`), so a report answered 201 is on both machines.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from devtools.embedded_redis import free_port

DATABASE = "hotline_ha"


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise FileNotFoundError(f"no {name} under /usr/lib/postgresql/*/bin")
    return found[-1]


def available() -> str | None:
    """Why the drills cannot run here (None: they can)."""
    try:
        pg_bin("initdb")
    except FileNotFoundError as exc:
        return str(exc)
    if shutil.which("redis-server") is None:
        return "no redis-server"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser"
    return None


def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _run(argv: list[str], **kwargs: object) -> None:
    subprocess.run(_as_postgres(argv), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   **kwargs)  # type: ignore[call-overload]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate: object, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
    return found


@dataclass
class PgNode:
    data: Path
    port: int

    def postmaster_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            return int((self.data / "postmaster.pid").read_text().split()[0])
        return None

    def start(self) -> None:
        _run([pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.data / "server.log"), "-w", "-t", "30",
              "start"])

    def kill(self) -> None:
        """The machine goes: SIGKILL to the postmaster and every backend, walsender and writer at once."""
        pid = self.postmaster_pid()
        if pid is None:
            return
        for victim in [pid, *_children(pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        _wait(lambda: not _port_open(self.port), 10, "the killed PostgreSQL to go")

    def stop(self) -> None:
        if self.postmaster_pid() is not None:
            with contextlib.suppress(subprocess.CalledProcessError):
                _run([pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])

    def promote(self) -> None:
        _run([pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-t", "30", "promote"])


@dataclass
class PgPair:
    """A primary and its synchronous standby; `url` names both (libpq tries them in turn and keeps the one
    that takes writes)."""

    root: Path
    primary: PgNode
    standby: PgNode

    @property
    def url(self) -> str:
        hosts = f"127.0.0.1:{self.primary.port},127.0.0.1:{self.standby.port}"
        return f"postgresql+psycopg://postgres@{hosts}/{DATABASE}?target_session_attrs=read-write&connect_timeout=3"

    def single_url(self, node: PgNode, database: str = DATABASE) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{node.port}/{database}"

    def fail_over(self) -> float:
        """Kill the primary, promote the standby; the seconds it took."""
        started = time.monotonic()
        self.primary.kill()
        self.standby.promote()
        return time.monotonic() - started

    def stop(self) -> None:
        self.standby.stop()
        self.primary.stop()
        shutil.rmtree(self.root, ignore_errors=True)


_CONF = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{sockets}'
port = {port}
wal_level = replica
max_wal_senders = 5
max_connections = 300
shared_buffers = 64MB
fsync = off
full_page_writes = off
synchronous_commit = on
hot_standby = on
wal_sender_timeout = 5s
wal_receiver_timeout = 5s
log_min_messages = warning
"""


def start_pg_pair() -> PgPair:
    root = Path(tempfile.mkdtemp(prefix="hotline-ha-pg-", dir="/tmp"))
    os.chmod(root, 0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary = PgNode(root / "primary", free_port())
    standby = PgNode(root / "standby", free_port())
    try:
        _run([pg_bin("initdb"), "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
              "--locale=C.UTF-8", "--no-sync"])
        with (primary.data / "postgresql.conf").open("a") as conf:
            conf.write(_CONF.format(sockets=root, port=primary.port))
        primary.start()
        _psql(primary, f'CREATE DATABASE "{DATABASE}"')
        _run([pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
              "-D", str(standby.data), "-R", "-X", "stream", "-c", "fast", "--no-sync"])
        with (standby.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {standby.port}\n")
        standby.start()
        pair = PgPair(root, primary, standby)
        # Only now (a commit would wait for a standby that does not exist yet), and only on the primary:
        # the standby, once promoted, has no standby of its own to wait for.
        _psql(primary, "ALTER SYSTEM SET synchronous_standby_names = '*'")
        _psql(primary, "SELECT pg_reload_conf()")
        _wait(lambda: _sync_standbys(pair) >= 1, 30, "the standby to stream synchronously")
        return pair
    except Exception:
        PgPair(root, primary, standby).stop()
        raise


def _psql(node: PgNode, sql: str) -> None:
    _run([pg_bin("psql"), "-h", "127.0.0.1", "-p", str(node.port), "-U", "postgres", "-q", "-c", sql])


def _sync_standbys(pair: PgPair) -> int:
    out = subprocess.run(_as_postgres([pg_bin("psql"), "-h", "127.0.0.1", "-p", str(pair.primary.port), "-U",
                                       "postgres", "-Atqc",
                                       "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'"]),
                         capture_output=True, text=True, check=False)
    return int(out.stdout.strip() or 0)


@dataclass
class RedisSet:
    """A Redis primary, its replica and three sentinels watching them under the name `master`."""

    root: Path
    primary_port: int
    replica_port: int
    sentinel_ports: list[int]
    master: str = "hotline"
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def sentinels(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def current_primary(self) -> int:
        from redis import Redis

        for port in self.sentinel_ports:
            with contextlib.suppress(Exception):
                host_port = Redis(port=port, socket_timeout=1).sentinel_get_master_addr_by_name(self.master)
                if host_port:
                    return int(host_port[1])
        raise AssertionError("no sentinel answered")

    def kill_primary(self) -> float:
        """SIGKILL the primary; the seconds until the sentinels name the replica instead."""
        started = time.monotonic()
        old = self.current_primary()
        proc = self.processes[old]
        proc.kill()
        proc.wait(5)
        _wait(lambda: self.current_primary() != old, 60, "the sentinels to fail over")
        return time.monotonic() - started

    def stop(self) -> None:
        for proc in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)


def start_redis_set() -> RedisSet:
    root = Path(tempfile.mkdtemp(prefix="hotline-ha-redis-"))
    server = shutil.which("redis-server") or "redis-server"
    ports = RedisSet(root, free_port(), free_port(), [free_port(), free_port(), free_port()])
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction",
              "--dir", str(root)]
    try:
        for port, extra in ((ports.primary_port, []),
                            (ports.replica_port, ["--replicaof", "127.0.0.1", str(ports.primary_port)])):
            ports.processes[port] = subprocess.Popen([server, "--port", str(port), *common, *extra],
                                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in (ports.primary_port, ports.replica_port):
            _wait(lambda p=port: _port_open(p), 10, "redis to start")  # type: ignore[misc]
        for port in ports.sentinel_ports:
            conf = root / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {root}\n"
                f"sentinel monitor {ports.master} 127.0.0.1 {ports.primary_port} 2\n"
                f"sentinel down-after-milliseconds {ports.master} 1000\n"
                f"sentinel failover-timeout {ports.master} 10000\n"
                f"sentinel parallel-syncs {ports.master} 1\n")
            ports.processes[port] = subprocess.Popen([server, str(conf), "--sentinel"],
                                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in ports.sentinel_ports:
            _wait(lambda p=port: _port_open(p), 10, "a sentinel to start")  # type: ignore[misc]
        _wait(lambda: _replica_known(ports), 20, "the sentinels to find the replica")
        return ports
    except Exception:
        ports.stop()
        raise


def _replica_known(ports: RedisSet) -> bool:
    from redis import Redis

    with contextlib.suppress(Exception):
        return all(len(Redis(port=p, socket_timeout=1).sentinel_slaves(ports.master)) >= 1
                   and Redis(port=p, socket_timeout=1).sentinel_master(ports.master).get("num-other-sentinels", 0) >= 2
                   for p in ports.sentinel_ports)
    return False


@contextlib.contextmanager
def ha_backends(*, pg: bool = True) -> Iterator[tuple[PgPair | None, RedisSet]]:
    pair = start_pg_pair() if pg else None
    try:
        redis_set = start_redis_set()
        try:
            yield pair, redis_set
        finally:
            redis_set.stop()
    finally:
        if pair is not None:
            pair.stop()
