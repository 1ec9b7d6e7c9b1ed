"""API bearer tokens: `hl1.<key id>.<token id>.<expiry>.<nonce>.<signature>`.

Signed (HMAC-SHA256) with the token-signing key, which is derived apart from the data key; the key
id names that key, so a new secret refuses every old token. The token itself is never stored: its
row keeps a SHA-256 digest, the key id, the expiry and `revoked_at`, so each one can be revoked on
its own. The row names the user, and the user's current role and scope are what count.

Anything that is not exactly such a token (too long, not ASCII, bad signature, unknown key,
expired, revoked, a disabled user) is refused the same way: None, which the API answers 401.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.clock import as_utc, utcnow
from core.crypto import same_secret, token_signing_key
from core.db import UnitOfWork
from core.errors import InvalidInput, NotFound
from core.settings import get_settings
from intake.people.users import principal_of
from workflows.access.models import ApiToken, User
from workflows.access.policy import Principal

PREFIX = "hl1"
MAX_LENGTH = 200
SHAPE = re.compile(  # prefix . key id . token id . expiry (unix s) . nonce . signature
    r"^hl1\.([0-9a-f]{8})\.([1-9][0-9]{0,11})\.([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$")
DURATION = re.compile(r"^(\d{1,4})([mhd])$")


@dataclass(frozen=True)
class Issued:
    token: str
    token_id: int
    expires_at: datetime


@dataclass(frozen=True)
class TokenView:
    token_id: int
    username: str
    key_id: str
    label: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"kid:" + key).hexdigest()[:8]


def _signature(key: bytes, claims: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, claims.encode("ascii"), hashlib.sha256).digest()).decode()[:43]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def parse_duration(text: str) -> timedelta:
    """`30d`, `12h`, `90m`; at most `api_token_max_days`."""
    found = DURATION.match(text.strip())
    if not found:
        raise InvalidInput("Thời hạn dạng 30d, 12h hoặc 90m", "A duration like 30d, 12h or 90m", field="expires")
    amount, unit = int(found.group(1)), found.group(2)
    delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    if delta <= timedelta(0) or delta > timedelta(days=get_settings().api_token_max_days):
        raise InvalidInput("Thời hạn không hợp lệ", f"Between 1m and {get_settings().api_token_max_days}d",
                           field="expires")
    return delta


def issue(uow: UnitOfWork, *, username: str, lifetime: timedelta, label: str = "") -> Issued:
    key = token_signing_key()
    now = utcnow()
    expires = now + lifetime
    with uow:
        user = uow.session.execute(select(User).where(User.username == username.strip().lower())).scalar_one_or_none()
        if user is None or user.disabled_at is not None:
            raise NotFound(f"Không có người dùng {username} (hoặc đã khóa)", f"No active user {username}",
                           field="user")
        row = ApiToken(user_id=user.id, key_id=key_id(key), digest="pending-" + secrets.token_hex(24),
                       label=label[:120], issued_at=now, expires_at=expires)
        uow.session.add(row)
        uow.session.flush()
        claims = f"{PREFIX}.{row.key_id}.{row.id}.{int(expires.timestamp())}.{secrets.token_urlsafe(16)}"
        token = f"{claims}.{_signature(key, claims)}"
        row.digest = _digest(token)
        uow.commit()
        return Issued(token=token, token_id=row.id, expires_at=expires)


def verify(uow: UnitOfWork, token: str) -> Principal | None:
    """The principal a token stands for, or None; never raises on what a client sent."""
    if len(token) > MAX_LENGTH or not token.isascii():
        return None
    found = SHAPE.match(token)
    if not found:
        return None
    kid, token_id, expiry = found.group(1), int(found.group(2)), int(found.group(3))
    key = token_signing_key()
    claims = token.rsplit(".", 1)[0]
    if kid != key_id(key) or not same_secret(found.group(5), _signature(key, claims)):
        return None
    now = utcnow()
    if expiry <= now.timestamp():
        return None
    with uow:
        row = uow.session.get(ApiToken, token_id)
        if (row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now or row.key_id != kid
                or not same_secret(_digest(token), row.digest)):
            return None
        user = uow.session.get(User, row.user_id)
        if user is None or user.disabled_at is not None:
            return None
        if row.last_used_at is None or now - as_utc(row.last_used_at) > timedelta(minutes=5):
            row.last_used_at = now  # coarse, so a busy client does not write on every request
            uow.commit()
        return principal_of(user)


def revoke(uow: UnitOfWork, *, token_id: int) -> TokenView:
    with uow:
        row = uow.session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"Không có mã truy cập {token_id}", f"No token {token_id}", field="token_id")
        row.revoked_at = row.revoked_at or utcnow()
        uow.commit()
        return _view(row, uow.session.get(User, row.user_id))


def list_tokens(uow: UnitOfWork, *, username: str | None = None) -> list[TokenView]:
    with uow:
        stmt = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
        if username:
            stmt = stmt.where(User.username == username.strip().lower())
        return [_view(t, u) for t, u in uow.session.execute(stmt).all()]


def _view(row: ApiToken, user: User | None) -> TokenView:
    return TokenView(row.id, user.username if user else "?", row.key_id, row.label, row.issued_at, row.expires_at,
                     row.revoked_at)
