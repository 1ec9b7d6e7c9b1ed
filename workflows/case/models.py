"""The case as stored: tickets, cases, their routing decisions, history, timers, audit of reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship, validates

from core.clock import utcnow
from core.crypto import EncryptedJSON, EncryptedText
from core.db import Base, UtcDateTime
from notifier.models import OutboxMessage
from workflows.case.age_bands import age_band


class RawSubmission(Base):
    """Exactly what arrived, stored before anything else happens (encrypted: it holds identities)."""

    __tablename__ = "raw_submissions"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_raw_submissions_channel_ext"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))  # web | api | sms | voice
    external_id: Mapped[str | None] = mapped_column(String(64))  # MessageSid / CallSid / hashed idempotency key
    request_hash: Mapped[str | None] = mapped_column(String(64))  # the first request's body: a key answers only it
    payload: Mapped[str] = mapped_column(EncryptedText)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    ticket: Mapped[Ticket | None] = relationship()  # set with the ticket: one flush inserts both


class Ticket(Base):
    """Every contact with the hotline is a ticket; those that need protection become a case."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)  # T0: first receipt anywhere
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    ticket: Mapped[Ticket] = relationship()  # set with the ticket: one flush inserts both
    # The channel the report came in by, its ticket's (never changes): the board counts open cases by it
    # in one index-only scan instead of a ticket look-up each (migrations/versions/board_channel_schema.py).
    channel: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(32), index=True)
    urgency: Mapped[str] = mapped_column(String(16))  # emergency | high | normal
    category: Mapped[str | None] = mapped_column(String(40))
    risk_level: Mapped[str | None] = mapped_column(String(10))
    immediate_danger: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)  # T0, the legal clocks count from it
    line: Mapped[str] = mapped_column(String(8), default="111", server_default="111", index=True)  # hotline line

    # Identity and everything that could identify a child or reporter: encrypted at rest.
    description: Mapped[str] = mapped_column(EncryptedText)
    location_text: Mapped[str | None] = mapped_column(EncryptedText)
    child_name: Mapped[str | None] = mapped_column(EncryptedText)
    child_age: Mapped[str | None] = mapped_column(EncryptedText)
    # The band (0-5, 6-10, 11-15, 16-17, unknown), not the age: in clear, so statistics count it in SQL.
    # Set with every assignment of child_age (below); NULL only where an age could not be decrypted.
    child_age_band: Mapped[str | None] = mapped_column(String(8))
    child_sex: Mapped[str] = mapped_column(String(8), default="unknown")
    reporter_name: Mapped[str | None] = mapped_column(EncryptedText)
    reporter_phone: Mapped[str | None] = mapped_column(EncryptedText)
    reporter_phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    consent_to_contact: Mapped[bool] = mapped_column(Boolean, default=False)

    # Where it goes (codes and names of public administrative units, not identities).
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    commune_code: Mapped[str | None] = mapped_column(String(5), index=True)
    commune_name: Mapped[str | None] = mapped_column(String(120))
    # Where the child lives when it is not where it happened (Child Law Art. 52: that commune takes part).
    home_commune_code: Mapped[str | None] = mapped_column(String(5), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    assignee_order: Mapped[int] = mapped_column(Integer, default=0)  # index into the decision's recipients

    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    history: Mapped[list[CaseHistory]] = relationship(order_by="CaseHistory.id", cascade="all")
    timers: Mapped[list[Timer]] = relationship(order_by="Timer.id", cascade="all")
    decisions: Mapped[list[RouteRecord]] = relationship(order_by="RouteRecord.id", cascade="all")
    # Write-only: a change adds its outbox messages without loading the case's earlier ones.
    messages: WriteOnlyMapped[OutboxMessage] = relationship()

    @validates("child_age")
    def _keep_age_band(self, _key: str, age: str | None) -> str | None:
        self.child_age_band = age_band(age)
        return age


class RouteRecord(Base):
    """A routing decision with its reasons, so that 'why this team?' always has an answer."""

    __tablename__ = "route_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(64), default="system")
    # Encrypted: an operator's override reason (and the reporter's words among the candidates) can identify.
    decision: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)


class CaseHistory(Base):
    """Append-only: every state change and every breach, with actor and channel."""

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(10))  # ui | sms | api | voice | system
    event: Mapped[str] = mapped_column(String(40))  # a trigger, or sla_breached / reminder_sent
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    # Free text (a decline reason, an override reason) and the facts given with a move can identify someone.
    reason: Mapped[str | None] = mapped_column(EncryptedText(plaintext_ok=True))
    facts: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON)


class Timer(Base):
    """A deadline or a reminder. The row decides; Redis only wakes us up."""

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    clock: Mapped[str] = mapped_column(String(40))  # acknowledge, assessment, plan_draft, ...
    kind: Mapped[str] = mapped_column(String(10), default="deadline")  # deadline | reminder
    armed_in_state: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CaseRead(Base):
    """The audit of every read of a case by a person."""

    __tablename__ = "case_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reader: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(10))
    purpose: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
