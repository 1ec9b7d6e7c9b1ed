"""The case's record: what a commune officer or chair wrote in each form (Mẫu 02 to 07), kept as written.

The guard of a move reads a form's facts; this table keeps the whole form afterwards, one row per form
sent, encrypted (an assessment names the family, a separation order the place the child stays).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.crypto import EncryptedJSON
from core.db import Base, UtcDateTime
from workflows.case.models import Case


class CaseFormRecord(Base):
    __tablename__ = "case_form_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    form: Mapped[str] = mapped_column(String(16))  # "02", "03", "04/05", "05", "06", "07", "07-review", ...
    trigger: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(24))
    via: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    content: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)  # the form's fields and the reason

    case: Mapped[Case] = relationship()
