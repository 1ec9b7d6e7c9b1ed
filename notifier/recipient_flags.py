"""Numbers the provider says cannot be reached on a channel: flagged once, skipped, shown, cleared.

A flag is set from a send's or a receipt's recipient failure (a landline, an invalid number, an
opt-out) so no later message waits on that phone; the roster keeps the person until a province fixes
the number, and whoever fixed it clears the flag (`hotline teams unflag`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import i18n
from notifier.models import RecipientFlag


def reason_text(reason: str, lang: str = "vi") -> str:
    """Why a phone is flagged, in words (the catalogs' `flag.*`), or the reason's code if it has none."""
    return i18n.texts(lang, "flag").get(reason, reason.replace("_", " ") if lang == "en" else reason)


def __getattr__(name: str) -> Mapping[str, str]:
    if name == "REASONS_VI":  # the old table
        return i18n.texts("vi", "flag")
    raise AttributeError(name)


def find_flag(session: Session, phone: str, channel: str) -> RecipientFlag | None:
    return session.execute(select(RecipientFlag).where(
        RecipientFlag.phone == phone, RecipientFlag.channel == channel)).scalar_one_or_none()


def flag(session: Session, *, phone: str, channel: str, reason: str, error_code: int | None,
         now: datetime, outbox_id: int | None) -> None:
    """Flag `phone` on `channel` unless it already is (the first failure's reason is kept)."""
    if find_flag(session, phone, channel) is None:
        session.add(RecipientFlag(phone=phone, channel=channel, reason=reason, error_code=error_code,
                                  flagged_at=now, outbox_id=outbox_id))


def flags_by_phone(session: Session, phones: Iterable[str]) -> dict[str, list[RecipientFlag]]:
    wanted = sorted(set(phones))
    found: dict[str, list[RecipientFlag]] = {}
    if not wanted:
        return found
    rows = session.execute(select(RecipientFlag).where(RecipientFlag.phone.in_(wanted))
                           .order_by(RecipientFlag.phone, RecipientFlag.channel)).scalars()
    for row in rows:
        found.setdefault(row.phone, []).append(row)
    return found


def clear_flags(session: Session, phone: str, channel: str | None = None) -> int:
    """Remove the flags of `phone` (on one channel, or all); how many were removed."""
    stmt = delete(RecipientFlag).where(RecipientFlag.phone == phone)
    if channel is not None:
        stmt = stmt.where(RecipientFlag.channel == channel)
    return len(session.execute(stmt.returning(RecipientFlag.id)).all())
