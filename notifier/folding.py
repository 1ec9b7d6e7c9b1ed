"""A burst of new cases for one phone becomes one SMS that counts them, not one SMS per case.

When an assignment SMS is queued (`hold_for_burst`), the first one to a phone goes out at once and
opens a fold window (HOTLINE_FOLD_WINDOW_SECONDS); the next ones to that phone inside the window are
held until its end. Just before a message is sent (`fold_before_send`), every held assignment to the
same phone is folded into it: one SMS lists the count, the commune and the first references; a
folded SMS opens a new window, so a flood that goes on is told once per window.

Nothing is lost: each case keeps its own outbox row (status "folded", `folded_into` naming the row
whose SMS carried it), its own acknowledgement clock and its own escalation. Emergency cases and
escalations never come here: they are sent at once, one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core import i18n
from core.clock import local
from core.db import Base, UtcDateTime, for_update
from core.settings import get_settings
from notifier.models import OutboxMessage
from notifier.templates import ascii_fold, urgency_word

FOLDED = "folded"
LISTED = 4  # references spelled out in a folded SMS; the rest are counted


@dataclass(frozen=True)
class FoldInfo:
    """What a folded SMS says of one case (no identities: reference, commune, urgency, deadline)."""

    reference: str
    commune: str
    urgency: str
    respond_by: datetime


class OutboxFold(Base):
    """A foldable assignment message, the window it belongs to, and the message that carried it."""

    __tablename__ = "outbox_folds"
    # A phone's latest window is one step down this index, however many folds the phone has had.
    __table_args__ = (Index("ix_outbox_folds_to_phone_window_end", "to_phone", "window_end"),)

    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True)
    to_phone: Mapped[str] = mapped_column(String(20))  # a team member's work phone
    reference: Mapped[str] = mapped_column(String(16))
    commune: Mapped[str] = mapped_column(String(120))
    urgency: Mapped[str] = mapped_column(String(16))
    respond_by: Mapped[datetime] = mapped_column(UtcDateTime)
    window_end: Mapped[datetime] = mapped_column(UtcDateTime)
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    folded_into: Mapped[int | None] = mapped_column(Integer, index=True)
    # Set on a message not flushed yet: the fold row is INSERTed after it, with its id, in the same flush.
    message: Mapped[OutboxMessage] = relationship()


_folds = OutboxFold.__table__.c
_LATEST_WINDOW = (select(_folds.window_end).where(_folds.to_phone == bindparam("phone"))
                  .order_by(_folds.window_end.desc()).limit(1))


def hold_for_burst(session: Session, msg: OutboxMessage, info: FoldInfo, *, now: datetime) -> datetime | None:
    """Note a foldable assignment; the time it is held until, or None when it goes out at once.

    Call it before `msg` is flushed: its fold row goes in with it (one flush, no UPDATE of the message
    afterwards). The window is read without flushing the rest of the transaction; a window this same
    transaction opened, not flushed yet, counts too.
    """
    window = timedelta(seconds=get_settings().fold_window_seconds)
    if window <= timedelta(0):
        return None
    # Core on the session's connection: no flush of the half-built transaction, none of the ORM's set-up
    # for a one-column read (this is on every report's path).
    stored = session.connection().execute(_LATEST_WINDOW, {"phone": msg.to_phone}).scalar_one_or_none()
    unflushed = [fold.window_end for fold in session.new if isinstance(fold, OutboxFold)
                 and fold.to_phone == msg.to_phone]
    last = max([stored, *unflushed] if stored is not None else unflushed, default=None)
    held = last is not None and last > now
    window_end = last if held and last is not None else now + window
    session.add(OutboxFold(message=msg, to_phone=msg.to_phone, reference=info.reference,
                           commune=info.commune, urgency=info.urgency, respond_by=info.respond_by,
                           window_end=window_end, held=held))
    if held:
        msg.next_attempt_at = window_end
        return window_end
    return None


def fold_before_send(session: Session, msg: OutboxMessage, *, now: datetime) -> int:
    """Fold every held assignment to `msg`'s phone into `msg` (its body counts them); the cases it tells of."""
    mine = session.get(OutboxFold, msg.id)
    if mine is None:
        return 1
    stmt: Any = (
        select(OutboxMessage, OutboxFold)
        .join(OutboxFold, OutboxFold.outbox_id == OutboxMessage.id)
        .where(OutboxMessage.to_phone == msg.to_phone, OutboxMessage.status == "pending",
               OutboxMessage.id != msg.id, OutboxFold.held.is_(True))
        .order_by(OutboxMessage.id)
    )
    others = [(row[0], row[1]) for row in session.execute(for_update(session, stmt, skip_locked=True)).all()]
    if not others:
        return 1
    for other, fold in others:
        other.status, other.status_at = FOLDED, now
        fold.folded_into = msg.id
    folds = [mine, *(fold for _, fold in others)]
    msg.body = folded_sms(folds)
    # The burst may go on: what arrives within another window is held for the next folded SMS.
    mine.window_end = max(mine.window_end, now + timedelta(seconds=get_settings().fold_window_seconds))
    return len(folds)


def folded_with(session: Session, carrier_id: int) -> list[OutboxMessage]:
    """The messages whose cases an SMS carried besides its own (to fail them over with it)."""
    stmt = (
        select(OutboxMessage).join(OutboxFold, OutboxFold.outbox_id == OutboxMessage.id)
        .where(OutboxFold.folded_into == carrier_id).order_by(OutboxMessage.id)
    )
    return list(session.execute(stmt).scalars())


def folded_sms(folds: list[OutboxFold]) -> str:
    """'111: 5 ca moi tai Xa Cam Lo (CAO: 2): TE.., TE.., TE.., TE.. va 1 ca khac. ...', GSM-7."""
    communes = sorted({f.commune for f in folds})
    where = communes[0] if len(communes) == 1 else i18n.gettext("vi", "sms.folded_communes", n=len(communes))
    high = sum(1 for f in folds if f.urgency == "high")
    level = " " + i18n.gettext("vi", "sms.folded_high", urgency=urgency_word("high"), n=high) if high else ""
    refs = ", ".join(f.reference for f in folds[:LISTED])
    more = " " + i18n.gettext("vi", "sms.folded_more", n=len(folds) - LISTED) if len(folds) > LISTED else ""
    first_due = min(f.respond_by for f in folds)
    return ascii_fold(i18n.gettext("vi", "sms.folded", count=len(folds), where=where, level=level, refs=refs,
                                   more=more, when=local(first_due).strftime("%H:%M %d/%m")))
