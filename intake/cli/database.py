"""The command line's way into the database: find it, and say plainly when it is not there yet.

A read command never creates an empty SQLite file (which would only make the next message more
confusing) and never shows a traceback for a database that has not been migrated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from core.db import UnitOfWork, get_engine, unit_of_work
from core.settings import get_settings
from intake.cli.say import say

REQUIRED_TABLE = "teams"
_FIRST = ("Hãy chạy `hotline migrate` (tạo bảng) hoặc `./dev up` (bản chạy thử, có dữ liệu mẫu) trước.",
          "Run `hotline migrate` (creates the tables) or `./dev up` (the demo, with its data) first.")


class NotReady(Exception):
    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en


def where() -> str:
    """The configured database, password hidden."""
    raw = get_settings().database_url
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except ArgumentError:
        return raw


def check_database() -> None:
    """Raise NotReady, in words a person understands, unless the directory's tables can be read."""
    raw = get_settings().database_url
    try:
        url = make_url(raw)
    except ArgumentError:
        raise NotReady(f"HOTLINE_DATABASE_URL không hợp lệ: {raw}",
                       f"HOTLINE_DATABASE_URL is not valid: {raw}") from None
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).exists():
            raise NotReady(f"Chưa có cơ sở dữ liệu ở {url.database}. {_FIRST[0]}",
                           f"There is no database at {url.database}. {_FIRST[1]}")
    try:
        with get_engine().connect() as conn:
            present = inspect(conn).has_table(REQUIRED_TABLE)
    except (OperationalError, InterfaceError):
        raise NotReady(f"Không kết nối được cơ sở dữ liệu {where()}. Kiểm tra HOTLINE_DATABASE_URL "
                       "và máy chủ cơ sở dữ liệu.",
                       f"Cannot connect to the database {where()}. Check HOTLINE_DATABASE_URL and the server.",
                       ) from None
    if not present:
        raise NotReady(f"Cơ sở dữ liệu {where()} chưa có bảng. {_FIRST[0]}",
                       f"The database {where()} has no tables yet. {_FIRST[1]}")


@contextmanager
def directory() -> Iterator[UnitOfWork]:
    """A unit of work on a database known to be migrated; otherwise the reason, and exit code 1."""
    try:
        check_database()
    except NotReady as problem:
        say(problem.vi, problem.en, err=True)
        raise typer.Exit(1) from None
    with unit_of_work() as uow:
        yield uow
