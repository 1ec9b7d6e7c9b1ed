"""The team's rows: how a commune officer answers without typing a reference (reply codes and signed
one-tap links), and the alerts the operators' console shows when a case has nobody to hold it.

A reply code is a short number (1..99) per recipient phone that stands for one case in the SMS
("Tra loi NHAN 3"); a link is a row that a short signed token in the SMS points at. Phones here are
team members' work phones (staff, as in the directory), never a child's or a reporter's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base, UtcDateTime


class ReplyCode(Base):
    __tablename__ = "reply_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164 of the recipient
    code: Mapped[int] = mapped_column(Integer)  # 1..99, free again when the case closes or after N days
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)  # the last SMS that carried it
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AnswerLink(Base):
    """A one-tap link: bound to one recipient (phone and directory contact) and one case, expiring."""

    __tablename__ = "answer_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    contact_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AnswerLinkUse(Base):
    """Each action of a link can be used once (the unique key decides between two taps at once)."""

    __tablename__ = "answer_link_uses"
    __table_args__ = (UniqueConstraint("link_id", "action", name="uq_answer_link_uses_link_action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("answer_links.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    used_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(String(300))


class OperatorAlert(Base):
    """Something the hotline's operators must act on now (a case back to routing, a chain exhausted).

    Also sent by SMS to the shift lead; kept here for the console. No child's or reporter's identity.
    """

    __tablename__ = "operator_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # wrong_commune | chain_exhausted | routing_overdue
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
