"""The shift's figures on the board: per line and per hour, calls answered within 20 s, abandoned, the longest wait.

A shift is 8 hours from 06:00, 14:00 or 22:00 in Vietnam (`SHIFT_STARTS`). A call counts from when it
joined the queue: answered (an operator took it), abandoned (the caller hung up while waiting), or still
waiting (its wait so far counts toward the longest). The counting is pure (`figures`); one indexed read
of the shift's queued calls feeds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import VIETNAM, as_utc, local
from workflows.contacts.models import IntakeContact

SHIFT_STARTS = (6, 14, 22)  # local hours
SHIFT_HOURS = 8
ANSWER_TARGET = timedelta(seconds=20)


@dataclass(frozen=True)
class QueuedCall:
    line: str
    queued_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    abandoned: bool


@dataclass
class Figures:
    calls: int = 0
    answered: int = 0
    within_target: int = 0
    abandoned: int = 0
    longest_wait: int = 0  # seconds

    @property
    def within_target_share(self) -> int | None:
        """Of the calls answered, the share answered within 20 s (per cent)."""
        return None if not self.answered else round(100 * self.within_target / self.answered)


@dataclass
class LineFigures:
    line: str
    total: Figures = field(default_factory=Figures)
    by_hour: dict[datetime, Figures] = field(default_factory=dict)  # local hour -> its figures


def shift_start(now: datetime) -> datetime:
    """The start (UTC) of the shift `now` falls in."""
    moment = local(now)
    starts = [datetime.combine(moment.date() - timedelta(days=d), time(h), VIETNAM)
              for d in (0, 1) for h in SHIFT_STARTS]
    return max(s for s in starts if s <= moment).astimezone(as_utc(now).tzinfo)


def figures(calls: Iterable[QueuedCall], *, now: datetime) -> list[LineFigures]:
    lines: dict[str, LineFigures] = {}
    for call in calls:
        per_line = lines.setdefault(call.line, LineFigures(call.line))
        hour = local(call.queued_at).replace(minute=0, second=0, microsecond=0)
        for bucket in (per_line.total, per_line.by_hour.setdefault(hour, Figures())):
            _count(bucket, call, now=now)
    for per_line in lines.values():
        per_line.by_hour = dict(sorted(per_line.by_hour.items()))
    return sorted(lines.values(), key=lambda f: f.line)


def _count(bucket: Figures, call: QueuedCall, *, now: datetime) -> None:
    bucket.calls += 1
    if call.answered_at is not None:
        wait = call.answered_at - call.queued_at
        bucket.answered += 1
        bucket.within_target += wait <= ANSWER_TARGET
    elif call.abandoned:
        wait = (call.ended_at or now) - call.queued_at
        bucket.abandoned += 1
    else:
        wait = now - call.queued_at
    bucket.longest_wait = max(bucket.longest_wait, int(wait.total_seconds()))


def shift_figures(session: Session, *, lines: Iterable[str] | None, now: datetime) -> list[LineFigures]:
    """This shift's figures for these lines (None: every line)."""
    since = shift_start(now)
    stmt = select(IntakeContact.line, IntakeContact.queued_at, IntakeContact.answered_at, IntakeContact.ended_at,
                  IntakeContact.state).where(IntakeContact.channel == "voice", IntakeContact.queued_at >= since)
    if lines is not None:
        stmt = stmt.where(IntakeContact.line.in_(list(lines)))
    rows = session.execute(stmt).all()
    return figures((QueuedCall(r.line, r.queued_at, r.answered_at, r.ended_at, r.state == "missed") for r in rows),
                   now=now)
