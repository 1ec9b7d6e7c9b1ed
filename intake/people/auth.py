"""Who is asking. Signed bearer tokens (issued by `hotline token`); access fails closed.

The access policy, in one place:
- operator (the hotline's counsellors): every case, they take the calls;
- supervisor: cases of their own province, or every case when they have no province (national);
- commune chair: cases routed to their own commune (they approve plans and closures there);
- admin: every case;
- anybody else, or no token: nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Header

from core.crypto import signing_key
from core.errors import HotlineError

ROLES = {"operator", "supervisor", "admin", "commune_chair"}
MAX_USER = 64  # the width of every actor/reader column


class Unauthorized(HotlineError):
    status = 401
    title = "Unauthorized"


@dataclass(frozen=True)
class Principal:
    user: str
    role: str
    province: str | None = None
    commune: str | None = None


def issue_token(user: str, role: str, province: str | None = None, commune: str | None = None) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {sorted(ROLES)}")
    if not _plain_user(user):
        raise ValueError(f"a user name is 1 to {MAX_USER} printable characters without '|'")
    if role == "commune_chair" and not commune:
        raise ValueError("a commune chair's token names their commune (5-digit code)")
    raw = f"{user}|{role}|{province or ''}|{commune or ''}"
    claims = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    return f"{claims}.{_mac(claims)}"


def _mac(claims: str) -> str:
    return hmac.new(signing_key(), claims.encode(), hashlib.sha256).hexdigest()[:40]


def _plain_user(user: str) -> bool:
    return 0 < len(user) <= MAX_USER and user.isprintable() and "|" not in user


def read_token(token: str) -> Principal | None:
    """The principal of a well-signed token, else None (never an exception: any header is possible)."""
    if not token.isascii():  # a header may carry any latin-1 byte; ours are base64 and hex
        return None
    claims, _, mac = token.partition(".")
    if not claims or not hmac.compare_digest(mac.encode(), _mac(claims).encode()):
        return None
    try:
        user, role, province, commune = (
            base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)).decode().split("|"))
    except (ValueError, UnicodeDecodeError):
        return None
    if role not in ROLES or not _plain_user(user):
        return None
    return Principal(user, role, province or None, commune or None)


def current_principal(authorization: Annotated[str, Header()] = "") -> Principal:
    scheme, _, token = authorization.partition(" ")
    found = read_token(token) if scheme.lower() == "bearer" else None
    if found is None:
        raise Unauthorized("Cần đăng nhập (Bearer token)", "A valid bearer token is required")
    return found


def may_see_case(who: Principal, *, province_code: str | None, commune_code: str | None = None) -> bool:
    if who.role in {"operator", "admin"}:
        return True
    if who.role == "supervisor":
        return who.province is None or who.province == province_code
    if who.role == "commune_chair":
        return who.commune is not None and who.commune == commune_code
    return False
