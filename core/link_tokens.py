"""Short signed tokens for the links in an SMS: a row id in base 36 behind an HMAC of it. Pure.

One scheme for every kind of link (an answer link, a referral link); each kind signs with its own purpose,
so a token made for one kind never opens another. Nothing identifying is in a token: only the row's id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from core.crypto import same_secret, signing_key

MAC_CHARS = 10
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_MAX_DIGITS = 12


def _mac(purpose: str, digits: str) -> str:
    raw = hmac.new(signing_key(), f"{purpose}:{digits}".encode(), hashlib.sha256).digest()
    return base64.b32encode(raw).decode().lower()[:MAC_CHARS]


def make_token(purpose: str, row_id: int) -> str:
    number, digits = row_id, ""
    while True:
        number, rest = divmod(number, 36)
        digits = _B36[rest] + digits
        if number == 0:
            break
    return _mac(purpose, digits) + digits


def read_token(purpose: str, token: str) -> int | None:
    """The row id a token names, or None when it was not made by us for this purpose."""
    token = token.strip().lower()
    mac, digits = token[:MAC_CHARS], token[MAC_CHARS:]
    if not digits or len(digits) > _MAX_DIGITS or any(c not in _B36 for c in digits):
        return None
    if not same_secret(mac, _mac(purpose, digits)):
        return None
    return int(digits, 36)
