"""A real `jasmind` for tests and the demo: config in a private folder, configured over jCli.

Jasmin (PyPI `jasmin`, in its own venv `.venv-jasmin` that `./dev test` makes: its Twisted
dependencies stay out of ours) connects to the carrier's SMSC over SMPP; here the SMSC is
devtools.smsc_standin. It needs RabbitMQ and Redis, which the project's machines run.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
JASMIN_VENV = Path(os.environ.get("HOTLINE_JASMIN_VENV", REPO / ".venv-jasmin"))
PROMPT = re.compile(rb"(jcli : |> )$")


def jasmind_path() -> Path | None:
    path = JASMIN_VENV / "bin" / "jasmind.py"
    return path if path.exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _amqp_spec() -> str:
    found = sorted(JASMIN_VENV.glob("lib/python*/site-packages/txamqp/specs/standard/amqp0-9-1.stripped.xml"))
    if not found:
        raise RuntimeError(f"txamqp's AMQP spec not found under {JASMIN_VENV}")
    return str(found[0])


@dataclass
class Jasmind:
    http_port: int
    jcli_port: int
    username: str
    password: str
    process: subprocess.Popen[bytes]
    folder: Path

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def route_mo_to(self, url: str) -> None:
        """Every SMS to the short code is posted to `url` (Jasmin's HTTP client connector)."""
        with JCli(self.jcli_port) as cli:
            cli.block("httpccm -a", "cid app", f"url {url}", "method POST")
            cli.block("morouter -a", "type DefaultRoute", "connector http(app)")

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.folder.glob("log/*.log")))


def _config(folder: Path, ports: dict[str, int], redis_db: int) -> str:
    log = folder / "log"
    store = folder / "store"
    sections = {
        "jcli": {"bind": "127.0.0.1", "port": ports["jcli"], "authentication": "False"},
        "http-api": {"bind": "127.0.0.1", "port": ports["http"]},
        "smpp-server": {"bind": "127.0.0.1", "port": ports["smpp"]},
        "smpp-server-pb": {"bind": "127.0.0.1", "port": ports["smpp_pb"]},
        "client-management": {"bind": "127.0.0.1", "port": ports["cm"], "store_path": store},
        "router": {"bind": "127.0.0.1", "port": ports["router"], "store_path": store},
        "amqp-broker": {"host": "127.0.0.1", "port": 5672, "spec": _amqp_spec()},
        "redis-client": {"host": "127.0.0.1", "port": 6379, "dbid": redis_db},
        "sm-listener": {}, "dlr": {}, "dlr-thrower": {}, "deliversm-thrower": {}, "interceptor-client": {},
    }
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {v}" for k, v in values.items()]
        lines.append(f"log_file = {log / (name + '.log')}")
    return "\n".join(lines) + "\n"


def start_jasmind(folder: Path, *, smsc_port: int, redis_db: int = 6, timeout: float = 30.0) -> Jasmind:
    """Start jasmind with an HTTP API user and bind it to the SMSC at `smsc_port` for every MT.

    Mobile-originated SMS go nowhere until `route_mo_to(url)` (the app's port may not be known yet).
    """
    binary = jasmind_path()
    if binary is None:
        raise RuntimeError(f"jasmind not installed in {JASMIN_VENV} (./dev test installs it)")
    for sub in ("log", "store", "etc"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    ports = {k: _free_port() for k in ("jcli", "http", "smpp", "smpp_pb", "cm", "router")}
    (folder / "jasmin.cfg").write_text(_config(folder, ports, redis_db))
    env = {**os.environ, "LOG_PATH": str(folder / "log"), "CONFIG_PATH": str(folder / "etc") + "/"}
    process = subprocess.Popen(  # noqa: S603
        [str(JASMIN_VENV / "bin" / "python"), str(binary), "-c", str(folder / "jasmin.cfg"),
         "--enable-dlr-thrower", "--enable-dlr-lookup"],
        cwd=folder, env=env, stdout=(folder / "log" / "jasmind.out").open("wb"), stderr=subprocess.STDOUT,
    )
    suffix = secrets.token_hex(3)
    jasmin = Jasmind(ports["http"], ports["jcli"], f"hotline{suffix}", secrets.token_hex(4), process, folder)
    try:
        _wait_port(ports["jcli"], timeout, process)
        _wait_port(ports["http"], timeout, process)
        with JCli(ports["jcli"]) as cli:
            cli.block("group -a", f"gid g{suffix}")
            cli.block("user -a", f"username {jasmin.username}", f"password {jasmin.password}",
                      f"gid g{suffix}", f"uid u{suffix}")
            cli.block("smppccm -a", f"cid smsc{suffix}", "host 127.0.0.1", f"port {smsc_port}",
                      "username hotline", "password hotline", "bind transceiver")
            cli.run(f"smppccm -1 smsc{suffix}")
            cli.block("mtrouter -a", "type DefaultRoute", f"connector smppc(smsc{suffix})", "rate 0.00")
    except Exception:
        jasmin.stop()
        raise
    return jasmin


def _wait_port(port: int, timeout: float, process: subprocess.Popen[bytes]) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"jasmind exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"jasmind did not listen on {port} within {timeout} s")


class JCli:
    """Jasmin's management console, driven line by line."""

    def __init__(self, port: int) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=15)

    def __enter__(self) -> JCli:
        self._sock.settimeout(1.0)  # the banner ends without a prompt (it waits for telnet options)
        with contextlib.suppress(TimeoutError):
            while self._sock.recv(4096):
                pass
        self._sock.settimeout(15)
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self._sock.sendall(b"quit\r\n")
        self._sock.close()

    def _read(self) -> str:
        data = b""
        while not PROMPT.search(data):
            chunk = self._sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace")

    def run(self, line: str) -> str:
        self._sock.sendall(line.encode() + b"\r\n")
        return self._read()

    def block(self, command: str, *settings: str) -> str:
        out = self.run(command)
        for setting in settings:
            out += self.run(setting)
        out += self.run("ok")
        if "Successfully" not in out and "successfully" not in out:
            raise RuntimeError(f"jCli refused {command!r}: {out[-500:]}")
        return out
