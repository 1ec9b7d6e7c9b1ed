"""The clocks' rows besides the timers: a ladder per (case, clock), where its escalation stands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base, UtcDateTime


class Ladder(Base):
    """Where one clock's escalation stands for one case. The row decides; step timers only wake it up.

    `step` indexes the clock's steps in the policy; `loop` counts the rounds of the current step (the
    contacts reached by a chain step); `next_at` is when the next rung falls due (None once stopped or
    exhausted). `told` lists who was told: role, phone, channel, step, time.
    """

    __tablename__ = "ladders"
    __table_args__ = (UniqueConstraint("case_id", "clock", name="uq_ladders_case_clock"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    clock: Mapped[str] = mapped_column(String(40))
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the breached deadline (what SMS show)
    step: Mapped[int] = mapped_column(Integer, default=0)
    loop: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    policy_version: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    stop_reason: Mapped[str | None] = mapped_column(String(64))  # satisfied:<state> | exhausted
    told: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
