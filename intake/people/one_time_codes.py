"""Signing in with a one-time code sent by SMS (the commune pages): request a code, then give it back.

A code is six digits, works `signin_code_minutes`, once, and for at most `signin_code_tries` wrong
tries; it is stored as a keyed hash bound to the phone's blind index, never in clear and never logged
(the SMS itself goes through the outbox like every other message). At most `signin_codes_per_phone`
codes per phone and `signin_codes_per_client` per client address within `signin_code_window_minutes`.
A phone the roster does not know gets the same answer as one it knows (nothing is sent), so the page
does not tell who is on a roster. Wrong codes count as failed sign-ins of the phone (`sms:<index>`)
and of the address, and lock them like wrong passwords do (intake.people.signin).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import func, select

from core.clock import as_utc, utcnow
from core.crypto import blind_index, same_secret, signing_key
from core.db import UnitOfWork, for_update
from core.settings import get_settings
from intake.people.roster_members import member_for_phone, user_for_member
from intake.people.signin import lock_until
from notifier.models import SIGNIN_PRIORITY
from notifier.templates import signin_code_sms
from routing.roster import normalize_phone
from workflows.access.models import SignInAttempt, SignInCode
from workflows.case.effects import send

DIGITS = 6


@dataclass(frozen=True)
class CodeAnswer:
    outcome: Literal["sent", "bad_phone", "limited", "ok", "wrong", "locked"]
    user_id: int | None = None
    retry_after: timedelta | None = None

    @property
    def minutes(self) -> int:
        return max(1, math.ceil((self.retry_after or timedelta()).total_seconds() / 60))


def _hash(phone_index: str, code: str) -> str:
    return hmac.new(signing_key(), f"signin-code|{phone_index}|{code}".encode(), hashlib.sha256).hexdigest()


def _name(phone_index: str) -> str:
    return f"sms:{phone_index[:40]}"  # the lockout's name for a phone: never its digits


def request_code(uow: UnitOfWork, *, phone: str, client: str) -> CodeAnswer:
    """Send a code to a roster member's phone (or, for an unknown phone, pretend to)."""
    number = normalize_phone(phone[:40])
    if number is None:
        return CodeAnswer("bad_phone")
    settings, now, client = get_settings(), utcnow(), (client or "?")[:64]
    index = blind_index(number)
    since = now - timedelta(minutes=settings.signin_code_window_minutes)
    with uow:
        s = uow.session
        for column, value, limit in ((SignInCode.phone_index, index, settings.signin_codes_per_phone),
                                     (SignInCode.client, client, settings.signin_codes_per_client)):
            recent = s.execute(select(func.count(), func.min(SignInCode.created_at)).where(
                column == value, SignInCode.created_at > since)).one()
            if recent[0] >= limit:
                return CodeAnswer("limited", retry_after=as_utc(recent[1]) + (now - since) - now)
        member = member_for_phone(s, number)
        code = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}" if member is not None else None
        s.add(SignInCode(phone_index=index, client=client, code_hash=_hash(index, code) if code else None,
                         created_at=now, expires_at=now + timedelta(minutes=settings.signin_code_minutes),
                         failures=0))
        if code is not None:
            send(uow, to=number, body=signin_code_sms(code=code, minutes=settings.signin_code_minutes),
                 purpose="signin_code", now=now, priority=SIGNIN_PRIORITY)
        uow.commit()
    return CodeAnswer("sent")


def verify_code(uow: UnitOfWork, *, phone: str, code: str, client: str) -> CodeAnswer:
    """The user behind a right code (made from the roster on first use); the code is then used up."""
    number = normalize_phone(phone[:40])
    if number is None:
        return CodeAnswer("wrong")
    settings, now, client = get_settings(), utcnow(), (client or "?")[:64]
    index = blind_index(number)
    name = _name(index)
    given = "".join(ch for ch in code if ch.isdigit())[:DIGITS]
    with uow:
        s = uow.session
        until = lock_until(s, name, client, now)
        if until is not None:
            return CodeAnswer("locked", retry_after=until - now)
        row_query = select(SignInCode).where(
            SignInCode.phone_index == index, SignInCode.code_hash.is_not(None), SignInCode.used_at.is_(None),
            SignInCode.expires_at > now, SignInCode.failures < settings.signin_code_tries,
        ).order_by(SignInCode.id.desc()).limit(1)
        row = s.execute(for_update(s, row_query)).scalar_one_or_none()
        ok = row is not None and len(given) == DIGITS and same_secret(_hash(index, given), row.code_hash or "")
        user = None
        if ok and row is not None:
            member = member_for_phone(s, number)
            user = user_for_member(s, member) if member is not None else None
            row.used_at = now
        elif row is not None:
            row.failures += 1
        s.add(SignInAttempt(username=name, client=client, at=now, succeeded=user is not None))
        uow.commit()
        if user is not None:
            return CodeAnswer("ok", user_id=user.id)
    with uow:
        until = lock_until(uow.session, name, client, now)
    if until is not None:
        return CodeAnswer("locked", retry_after=until - now)
    return CodeAnswer("wrong")
