"""The sweeper notes each finished round in the database, where `/metrics` finds it from any process."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, update

from core.clock import utcnow
from core.db import unit_of_work
from workflows.operations.models import SweeperRun

FORGET_AFTER = timedelta(days=1)  # a worker gone for a day is no longer listed


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def note_sweep(worker: str | None = None, *, now: datetime | None = None) -> None:
    """One UPDATE a round (an INSERT the first time); old rows of workers long gone are dropped."""
    name, at = worker or worker_name(), now or utcnow()
    with unit_of_work() as uow:
        done = uow.session.execute(update(SweeperRun).where(SweeperRun.worker == name).values(swept_at=at))
        if not getattr(done, "rowcount", 0):
            uow.session.add(SweeperRun(worker=name, swept_at=at))
            uow.session.execute(delete(SweeperRun).where(SweeperRun.swept_at < at - FORGET_AFTER))
        uow.commit()
