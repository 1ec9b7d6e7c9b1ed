"""`hotline backup FILE` and `hotline restore FILE`: PostgreSQL's own pg_dump and pg_restore.

The dump holds the rows as stored: identities, descriptions and free text are Fernet ciphertext under the
data keys, which are NOT in it (HOTLINE_SECRET_KEY, HOTLINE_DATA_KEYS live in the environment or in secret
files). Keep the keys apart from the dumps: a dump without its keys is unreadable, a stolen dump with its
keys is every child's file. `backup` prints which key ids the data uses, so the keys kept with it are known.

Redis is not backed up: after a restore the sweeper fires every timer that fell due and wakes every message
still to send; a message whose attempt was under way when the dump was taken is reconciled with the
provider before any retry (notifier.outbox), so nothing is sent twice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import typer
from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from core.db import get_engine
from core.settings import get_settings
from intake.cli.say import say


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy URL as libpq's, the password moved to PGPASSWORD (never on a command line)."""
    parsed: URL = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        say("Sao lưu và khôi phục dành cho PostgreSQL; bản chạy thử SQLite là một tệp, hãy sao chép tệp đó.",
            "Backup and restore are for PostgreSQL; the SQLite demo is one file: copy it.", err=True)
        raise typer.Exit(2)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        say(f"Không tìm thấy {name} (gói postgresql-client).", f"{name} not found (the postgresql-client package).",
            err=True)
        raise typer.Exit(2)
    return found


def _run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603 (our argv)
    if done.returncode != 0:
        typer.echo(done.stderr.strip(), err=True)
        raise typer.Exit(done.returncode)


def backup(file: Path, url: str) -> None:
    target, env = libpq(url)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(file), target], env)


def restore(file: Path, url: str) -> None:
    target, env = libpq(url)
    _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          "--dbname", target, str(file)], env)


def backup_command(file: Path = typer.Argument(..., help="tệp đích / the dump file (pg_dump custom format)")) -> None:
    """Sao lưu cơ sở dữ liệu (không có khóa) / Dump the database (the data keys are not in it)."""
    from intake.cli.keys import key_counts

    backup(file, get_settings().database_url)
    kids = sorted({kid for counter in key_counts(get_engine()).values() for kid in counter if kid != "clear"})
    say(f"Đã sao lưu vào {file}. Dữ liệu mã hóa bằng khóa: {', '.join(kids) or '—'}; giữ các khóa này ở nơi khác.",
        f"Dumped to {file}. Data encrypted under key ids: {', '.join(kids) or '—'}; keep those keys elsewhere.")


def restore_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="tệp sao lưu / the dump"),
) -> None:
    """Khôi phục vào một cơ sở dữ liệu trống / Restore a dump into an empty database, then migrate it."""
    from migrations.run import upgrade

    url = get_settings().database_url
    tables = inspect(get_engine()).get_table_names()
    if tables:
        say(f"Cơ sở dữ liệu đích đã có {len(tables)} bảng: chỉ khôi phục vào cơ sở dữ liệu trống.",
            f"The target database already has {len(tables)} tables: restore only into an empty database.", err=True)
        raise typer.Exit(1)
    get_engine().dispose()
    restore(file, url)
    upgrade()  # a dump from an earlier release is brought to this release's schema
    say("Đã khôi phục. Kiểm tra: `hotline keys status --check` (không có 'unreadable'), rồi chạy `hotline worker`.",
        "Restored. Check: `hotline keys status --check` (no 'unreadable'), then start `hotline worker`.")
