"""A referral on a case, and the signed links its agency answers through."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.crypto import EncryptedText
from core.db import Base, UtcDateTime

STATES = ("sent", "accepted", "declined", "done", "cancelled")
OPEN_STATES = ("sent", "accepted")


class Referral(Base):
    """One service asked of one agency for one case. `agency_id` None: the 111 line itself (Art. 29(4)).

    The ladder lives on the row: `clock` is what it waits for (respond: an answer by `respond_by`;
    complete: the service done by `due_on`), `step` the next rung, `next_at` when it falls due.
    """

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    # referral: a service asked of an agency; task: a dated follow-up task of the plan, the commune's own,
    # that is a clock like the others (no agency: the commune officer answers for it, XONG when done).
    kind: Mapped[str] = mapped_column(String(16), default="referral", server_default="referral")
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    service: Mapped[str] = mapped_column(String(40))
    taxonomy_version: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(EncryptedText)
    urgency: Mapped[str] = mapped_column(String(16))
    consent_child: Mapped[bool | None] = mapped_column(Boolean)  # None: the child is under 7 (not asked)
    consent_caregiver: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    respond_by: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16), default="sent", index=True)
    plan_line: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decline_reason: Mapped[str | None] = mapped_column(EncryptedText)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(EncryptedText)
    clock: Mapped[str] = mapped_column(String(16), default="respond")
    step: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    told: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class ReferralLink(Base):
    """A link sent to one phone of the agency; the page it opens shows more only after sign-in by code."""

    __tablename__ = "referral_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    reader: Mapped[str] = mapped_column(String(64))  # agency-contact:<id> or shift-lead:<id>, never digits
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    code_hash: Mapped[str | None] = mapped_column(String(64))  # the sign-in code sent to the phone
    code_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    code_tries: Mapped[int] = mapped_column(Integer, default=0)
    signed_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
