"""Report submissions (who handed in which period's statistics) and the reminders sent for them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base, UtcDateTime


class ReportSubmission(Base):
    __tablename__ = "report_submissions"
    __table_args__ = (UniqueConstraint("level", "unit_code", "deadline", name="uq_report_submissions_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))  # commune | province
    unit_code: Mapped[str] = mapped_column(String(5))  # the commune's or the province's code
    deadline: Mapped[date] = mapped_column(Date)  # the period is named by its deadline
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReportReminder(Base):
    """One row per (period, recipient): the reminder job is idempotent on it."""

    __tablename__ = "report_reminders"
    __table_args__ = (UniqueConstraint("level", "unit_code", "deadline", "phone", name="uq_report_reminders_once"),
                      Index("ix_report_reminders_deadline", "deadline"))

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    unit_code: Mapped[str] = mapped_column(String(5))
    deadline: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
