"""The signed token of a referral link: its row id and an HMAC of it (nothing identifying). Pure."""

from __future__ import annotations

import hashlib
import hmac

from core.crypto import signing_key
from core.link_tokens import make_token, read_token
from core.settings import get_settings


def link_token(link_id: int) -> str:
    return make_token("referral-link", link_id)


def read_link_token(token: str) -> int | None:
    return read_token("referral-link", token)


def link_url(link_id: int) -> str:
    return f"{get_settings().public_base_url}/gt/{link_token(link_id)}"


def code_hash(link_id: int, code: str) -> str:
    return hmac.new(signing_key(), f"referral-code:{link_id}:{code}".encode(), hashlib.sha256).hexdigest()
