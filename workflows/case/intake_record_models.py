"""Form 01 (Mẫu 01), the intake record an operator takes: what a case's own columns do not hold.

Everything in it can identify a child or a family (parents' names, illness, HIV, disability):
encrypted at rest. The taxonomy version says which list of codes it was recorded under.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.crypto import EncryptedJSON
from core.db import Base, UtcDateTime
from workflows.case.models import Case


class CaseIntakeRecord(Base):
    __tablename__ = "case_intake_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("intake_contacts.id"))
    taxonomy_version: Mapped[str] = mapped_column(String(40))
    abuser_is_caregiver: Mapped[bool] = mapped_column(Boolean, default=False)
    received_elsewhere_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # T0 when not ours
    received_elsewhere_by: Mapped[str | None] = mapped_column(String(20))  # police | commune | health | other
    received_by: Mapped[str] = mapped_column(String(64))  # the receiving officer
    # child's birth date, condition, likely harm, family, special circumstances (Art. 10 codes)
    record: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    case: Mapped[Case] = relationship()  # set before the case is flushed: opening a case flushes once
