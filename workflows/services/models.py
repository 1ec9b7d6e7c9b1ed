"""The service directory as stored: an agency (one of three levels) and its ordered contacts. Staff, in clear."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UtcDateTime


class Agency(Base):
    """A body that provides services to children: the commune police, a health station, a legal aid centre..."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("key", name="uq_agencies_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # level|province|commune|folded name: what re-import matches
    name: Mapped[str] = mapped_column(String(160))
    level: Mapped[str] = mapped_column(String(16))  # commune | province | national
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    commune_code: Mapped[str] = mapped_column(String(5), default="", index=True)
    commune_name: Mapped[str] = mapped_column(String(120), default="")
    services: Mapped[list[str]] = mapped_column(JSON, default=list)  # taxonomy codes
    taxonomy_version: Mapped[str] = mapped_column(String(16))
    hours: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    contacts: Mapped[list[AgencyContact]] = relationship(
        back_populates="agency", order_by="AgencyContact.chain_order", cascade="all, delete-orphan"
    )


class AgencyContact(Base):
    __tablename__ = "agency_contacts"
    __table_args__ = (UniqueConstraint("agency_id", "phone", name="uq_agency_contacts_agency_phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    chain_order: Mapped[int] = mapped_column(Integer, default=100)
    note: Mapped[str] = mapped_column(Text, default="")

    agency: Mapped[Agency] = relationship(back_populates="contacts")
