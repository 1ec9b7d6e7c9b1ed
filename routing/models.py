"""The team directory as stored: one team per commune, an ordered contact chain, province supervisors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, UtcDateTime


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(5), unique=True, index=True)
    commune_name: Mapped[str] = mapped_column(String(120))
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    province_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="team", order_by="Contact.chain_order", cascade="all, delete-orphan"
    )


class Contact(Base):
    """A member of a commune team. Staff, not children or reporters: stored in clear."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("team_id", "phone", name="uq_contacts_team_phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    village: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    role: Mapped[str] = mapped_column(String(40))  # a code from routing.roles
    chain_order: Mapped[int] = mapped_column(Integer, default=100)
    note: Mapped[str] = mapped_column(Text, default="")

    team: Mapped[Team] = relationship(back_populates="contacts")


class Supervisor(Base):
    """A province supervisor (Sở Y tế or the hotline's shift lead): the last step of every escalation."""

    __tablename__ = "supervisors"
    __table_args__ = (UniqueConstraint("province_code", "phone", name="uq_supervisors_province_phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    chain_order: Mapped[int] = mapped_column(Integer, default=100)
