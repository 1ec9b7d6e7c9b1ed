"""Signing in: a password check with a rate limit and a lockout, per user name and per client address.

`signin_max_failures` failures for one user name within `signin_lockout_minutes` lock that name
for `signin_lockout_minutes` from the last one (and `signin_max_failures_per_client` from one
address lock the address). A locked try is not checked and not counted. The answer never says
whether the user exists: a wrong name and a wrong password read the same, and names that do not
exist lock the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm import Session as DbSession

from core.clock import as_utc, utcnow
from core.db import UnitOfWork
from core.settings import get_settings
from intake.people.passwords import hash_password, needs_rehash, password_problem, verify_password
from workflows.access.models import SignInAttempt, User


@dataclass(frozen=True)
class SignIn:
    outcome: Literal["ok", "wrong", "locked"]
    user_id: int | None = None
    retry_after: timedelta | None = None  # when locked

    @property
    def minutes(self) -> int:
        return max(1, math.ceil((self.retry_after or timedelta()).total_seconds() / 60))


def _locked_until(
    session: DbSession, column: InstrumentedAttribute[str], value: str, *, limit: int, now: datetime
) -> datetime | None:
    window = timedelta(minutes=get_settings().signin_lockout_minutes)
    last_ok = session.execute(select(SignInAttempt.at).where(
        column == value, SignInAttempt.succeeded.is_(True)).order_by(SignInAttempt.at.desc()).limit(1)).scalar()
    stmt = select(SignInAttempt.at).where(column == value, SignInAttempt.succeeded.is_(False),
                                          SignInAttempt.at > now - 2 * window)
    if last_ok is not None:
        stmt = stmt.where(SignInAttempt.at > last_ok)
    recent = [as_utc(at) for at in session.execute(stmt.order_by(SignInAttempt.at.desc()).limit(limit)).scalars()]
    if len(recent) < limit or recent[0] - recent[-1] > window:
        return None
    until = recent[0] + window
    return until if now < until else None


def lock_until(session: DbSession, name: str, client: str, now: datetime) -> datetime | None:
    """When the lockout of this name or this client address ends (None: not locked)."""
    settings = get_settings()
    locks = [
        _locked_until(session, SignInAttempt.username, name, limit=settings.signin_max_failures, now=now),
        _locked_until(session, SignInAttempt.client, client, limit=settings.signin_max_failures_per_client, now=now),
    ]
    return max((t for t in locks if t is not None), default=None)


def sign_in(uow: UnitOfWork, *, username: str, password: str, client: str) -> SignIn:
    name, client = username.strip().lower()[:64], (client or "?")[:64]
    now = utcnow()
    with uow:
        s = uow.session
        until = lock_until(s, name, client, now)
        if until is not None:
            return SignIn("locked", retry_after=until - now)
        user = s.execute(select(User).where(User.username == name)).scalar_one_or_none()
        usable = user is not None and user.disabled_at is None and user.password_hash is not None
        ok = verify_password(user.password_hash if usable and user else None, password) and usable
        s.add(SignInAttempt(username=name, client=client, at=now, succeeded=ok))
        if ok and user and user.password_hash and needs_rehash(user.password_hash) and not password_problem(password):
            user.password_hash = hash_password(password)
        uow.commit()
        if ok and user is not None:
            return SignIn("ok", user_id=user.id)
    # The failure that reaches the limit locks at once: say so now rather than on the next try.
    with uow:
        until = lock_until(uow.session, name, client, now)
    if until is not None:
        return SignIn("locked", retry_after=until - now)
    return SignIn("wrong")
