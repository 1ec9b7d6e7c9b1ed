"""Contacts before cases: every call, message conversation and web report, as stored.

A contact is what reached the hotline (an `IntakeContact`, not a team member: `routing.models.Contact`
is a member of a commune team). It becomes a case, joins one, or ends with a non-case outcome.
Callers are known only by a keyed hash of their number (or Zalo id): linked, never stored in clear.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.crypto import EncryptedText
from core.db import Base, UtcDateTime
from workflows.case.models import Case

CHANNELS = ("voice", "sms", "zalo", "web", "api")
# Child Helpline International's contact outcomes that are not a case (DESIGN §2), and the case ones.
NON_CASE_OUTCOMES = ("counselling", "information", "silent", "prank", "wrong_number", "abusive", "blocked",
                     "abandoned")
OUTCOMES = ("case", "merged", *NON_CASE_OUTCOMES)


class IntakeContact(Base):
    __tablename__ = "intake_contacts"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_intake_contacts_channel_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    line: Mapped[str] = mapped_column(String(16), index=True)  # which hotline number: "111", a province's line
    channel: Mapped[str] = mapped_column(String(8), index=True)
    external_id: Mapped[str] = mapped_column(String(64))  # CallSid, a conversation key, a web ticket id
    caller_index: Mapped[str | None] = mapped_column(String(64), index=True)  # keyed hash: caller history
    # open | queued | in_progress | voicemail_offered | voicemail | missed | closed
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    danger_now: Mapped[bool] = mapped_column(Boolean, default=False)  # pressed 1: a child in danger now
    menu_choice: Mapped[str | None] = mapped_column(String(16))  # danger | report | trafficking | default
    invalid_inputs: Mapped[int] = mapped_column(Integer, default=0)
    queue: Mapped[str | None] = mapped_column(String(40))
    ring_index: Mapped[int] = mapped_column(Integer, default=0)  # the next operator on duty to ring
    call_status: Mapped[str | None] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    last_message_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_by: Mapped[str | None] = mapped_column(String(64))  # the operator (a person's name or id)
    recording_url: Mapped[str | None] = mapped_column(EncryptedText)  # a voicemail is the caller's voice
    # Where an operator's answer goes (a phone or "zalo:<user id>"): the public's identity, encrypted.
    reply_to: Mapped[str | None] = mapped_column(EncryptedText)
    awaiting_reply_since: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)  # oldest unanswered
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)  # STOP / HUY
    outcome: Mapped[str | None] = mapped_column(String(16), index=True)
    outcome_topic: Mapped[str | None] = mapped_column(String(40))  # counselling topic, when it was that
    # Why a danger contact closed without a case (the operator's words: they can identify someone).
    close_reason: Mapped[str | None] = mapped_column(EncryptedText)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    closed_by: Mapped[str | None] = mapped_column(String(64))

    messages: Mapped[list[ContactMessage]] = relationship(order_by="ContactMessage.id", cascade="all")
    case: Mapped[Case | None] = relationship(foreign_keys=[case_id])  # set with the case, before its flush


class ContactMessage(Base):
    """One message of a conversation (SMS, Zalo), either way. Its text may identify someone: encrypted."""

    __tablename__ = "contact_messages"
    __table_args__ = (UniqueConstraint("provider", "external_id", name="uq_contact_messages_provider_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("intake_contacts.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    provider: Mapped[str] = mapped_column(String(10))  # twilio | jasmin | zalo | console
    external_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(EncryptedText)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CallbackTask(Base):
    """A voicemail to call back: attempts counted, due times; one per contact."""

    __tablename__ = "callback_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("intake_contacts.id"), unique=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BlockedCaller(Base):
    """A number that abused the line (keyed hash only). Fails open: a lookup error lets the call through."""

    __tablename__ = "blocked_callers"

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_index: Mapped[str] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    blocked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DutyOperator(Base):
    """An operator who can be rung for a line's calls: a phone number or a SIP address (staff: in clear)."""

    __tablename__ = "duty_operators"
    __table_args__ = (UniqueConstraint("line", "address", name="uq_duty_operators_line_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(120))  # +84..., or sip:op1@pbx.example
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    ring_order: Mapped[int] = mapped_column(Integer, default=100)
    username: Mapped[str | None] = mapped_column(String(64), index=True)  # the desk account, when linked
    # PRESENCES; on duty starts available (`hotline operators on`), the desk and the calls move it
    presence: Mapped[str] = mapped_column(String(12), default="available", server_default="available")
    presence_since: Mapped[datetime | None] = mapped_column(UtcDateTime)  # how long they have been so


class OperatorRing(Base):
    """One operator rung for one waiting caller: the outbox call, so a failed ring rings the next one."""

    __tablename__ = "operator_rings"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(Integer, unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("intake_contacts.id"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("duty_operators.id"))
    rung_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


PRESENCES = ("available", "on_call", "wrap_up", "away")


class ContactAlert(Base):
    """A contact's own ladder: a message left unanswered, a call-back past due, a call nobody is free for.

    One row per (contact, kind); `step` is the next rung of the policy's ladder, `next_at` when it is due."""

    __tablename__ = "contact_alerts"
    __table_args__ = (UniqueConstraint("contact_id", "kind", name="uq_contact_alerts_contact_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("intake_contacts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # unanswered | callback | no_operator
    step: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CallTransfer(Base):
    """A live call handed over (warm) or joined in a conference with 113, 115, a commune officer, a line."""

    __tablename__ = "call_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("intake_contacts.id"), index=True)
    target: Mapped[str] = mapped_column(String(16))  # police | ambulance | commune | province
    address: Mapped[str] = mapped_column(String(64))  # 113, 115, a staff phone, a line's number
    mode: Mapped[str] = mapped_column(String(12))  # warm | conference
    conference: Mapped[str] = mapped_column(String(64), unique=True)
    by_user: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(12), default="dialling")  # dialling | joined | failed | ended
    outbox_id: Mapped[int | None] = mapped_column(Integer)


class CallRecording(Base):
    """A call recorded where its line says so: the URL is encrypted, each listen audited, deleted in time."""

    __tablename__ = "call_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("intake_contacts.id"), index=True)
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str | None] = mapped_column(EncryptedText)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delete_after: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RecordingListen(Base):
    """Every time a person opened a recording (NĐ 56 Art. 33: what was received is confidential)."""

    __tablename__ = "recording_listens"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("call_recordings.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
