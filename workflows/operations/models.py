"""One row per worker process: when its sweeper last finished a round (the "nothing swept" alert)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime


class SweeperRun(Base):
    __tablename__ = "sweeper_runs"

    worker: Mapped[str] = mapped_column(String(128), primary_key=True)  # host:pid, no one's identity
    swept_at: Mapped[datetime] = mapped_column(UtcDateTime)
