"""The signed token of a referral link: its row id and an HMAC of it (nothing identifying). Pure."""

from __future__ import annotations

import base64
import hashlib
import hmac

from core.crypto import same_secret, signing_key
from core.settings import get_settings

_MAC_CHARS = 10
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _mac(digits: str) -> str:
    raw = hmac.new(signing_key(), b"referral-link:" + digits.encode(), hashlib.sha256).digest()
    return base64.b32encode(raw).decode().lower()[:_MAC_CHARS]


def link_token(link_id: int) -> str:
    number, digits = link_id, ""
    while True:
        number, rest = divmod(number, 36)
        digits = _B36[rest] + digits
        if number == 0:
            break
    return _mac(digits) + digits


def read_link_token(token: str) -> int | None:
    token = token.strip().lower()
    mac, digits = token[:_MAC_CHARS], token[_MAC_CHARS:]
    if not digits or len(digits) > 12 or any(c not in _B36 for c in digits):
        return None
    if not same_secret(mac, _mac(digits)):
        return None
    return int(digits, 36)


def link_url(link_id: int) -> str:
    return f"{get_settings().public_base_url}/gt/{link_token(link_id)}"


def code_hash(link_id: int, code: str) -> str:
    return hmac.new(signing_key(), f"referral-code:{link_id}:{code}".encode(), hashlib.sha256).hexdigest()
