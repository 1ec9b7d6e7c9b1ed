"""Server-side sessions for people who sign in: a random id in an HttpOnly cookie, its digest in the
database, an idle and an absolute expiry, a CSRF token per session. Signing out ends the row."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.clock import as_utc, utcnow
from core.crypto import same_secret
from core.db import UnitOfWork
from core.settings import get_settings
from intake.people.users import UserView, view
from workflows.access.models import User, UserSession

COOKIE = "hl_session"
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often


@dataclass(frozen=True)
class Session:
    session_id: int
    user: UserView
    csrf_token: str
    created_at: datetime
    expires_at: datetime  # whichever comes first: idle or absolute end

    def csrf_ok(self, sent: str | None) -> bool:
        return bool(sent) and same_secret(str(sent), self.csrf_token)


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8", "replace")).hexdigest()


def _idle() -> timedelta:
    return timedelta(minutes=get_settings().session_idle_minutes)


def start(uow: UnitOfWork, *, user_id: int, client: str | None) -> tuple[str, Session]:
    """A new session; returns the cookie value (shown once, stored only as a digest)."""
    cookie = secrets.token_urlsafe(32)
    now = utcnow()
    with uow:
        row = UserSession(digest=_digest(cookie), user_id=user_id, csrf_token=secrets.token_urlsafe(32),
                          client=(client or "")[:64], created_at=now, last_seen_at=now,
                          expires_at=now + timedelta(hours=get_settings().session_max_hours))
        uow.session.add(row)
        uow.commit()
        user = uow.session.get(User, user_id)
        assert user is not None
        return cookie, _session(row, user, now)


def _session(row: UserSession, user: User, now: datetime) -> Session:
    ends = min(as_utc(row.expires_at), now + _idle())
    return Session(row.id, view(user), row.csrf_token, as_utc(row.created_at), ends)


def load(uow: UnitOfWork, cookie: str | None) -> Session | None:
    """The live session this cookie names, or None (unknown, ended, idle too long, past its end,
    or its user disabled)."""
    if not cookie or len(cookie) > 100 or not cookie.isascii():
        return None
    now = utcnow()
    with uow:
        found = uow.session.execute(
            select(UserSession, User).join(User, User.id == UserSession.user_id)
            .where(UserSession.digest == _digest(cookie))).first()
        if found is None:
            return None
        row, user = found
        if (row.ended_at is not None or user.disabled_at is not None or as_utc(row.expires_at) <= now
                or now - as_utc(row.last_seen_at) >= _idle()):
            return None
        if now - as_utc(row.last_seen_at) >= TOUCH_EVERY:
            row.last_seen_at = now
            uow.commit()
        return _session(row, user, now)


def end(uow: UnitOfWork, *, session_id: int, by: str) -> None:
    with uow:
        row = uow.session.get(UserSession, session_id)
        if row is not None and row.ended_at is None:
            row.ended_at, row.ended_by = utcnow(), by[:64]
            uow.commit()
